package companion

import (
	"context"
	"fmt"
	"strings"

	"fullscript-companion/backend/fullscript"
)

// Practitioner is someone a plan can be written for: a staff member picks
// one before Fullscript opens in the browser (an Embed screen asks itself).
type Practitioner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// settingPrescriber remembers, per account, whom a staff member writes for.
func settingPrescriber(accountID string) string { return "account." + accountID + ".prescriber" }

// Practitioners lists the account's clinic's practitioners (every page).
func (s *Service) Practitioners(ctx context.Context, accountID string) ([]Practitioner, error) {
	c, err := s.accountAPI(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return s.practitionersOf(ctx, c)
}

func (s *Service) practitionersOf(ctx context.Context, c accountAPI) ([]Practitioner, error) {
	out := []Practitioner{}
	for page := 1; ; page++ {
		type result struct {
			users []fullscript.User
			page  fullscript.Page
		}
		r, err := withAccess(ctx, s, c.acct.ID, func(access string) (result, error) {
			u, pg, err := c.api.ListPractitioners(ctx, access, page, fullscript.MaxPageSize)
			return result{u, pg}, err
		})
		if err != nil {
			return nil, s.networkProblem("list the clinic's practitioners", err)
		}
		for _, u := range r.users {
			name := displayName(u)
			if name == "" {
				name = u.Email
			}
			out = append(out, Practitioner{ID: u.ID, Name: name})
		}
		if r.page.Next == nil || len(r.users) == 0 || page >= 50 {
			return out, nil
		}
	}
}

// Prescriber is the practitioner a staff account last chose ("" if none).
func (s *Service) Prescriber(ctx context.Context, accountID string) (string, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return "", err
	}
	v, _, err := st.Setting(ctx, settingPrescriber(accountID))
	if err != nil {
		return "", fmt.Errorf("read the chosen practitioner: %w", err)
	}
	return v, nil
}

// SetPrescriber remembers whom a staff account writes plans for.
func (s *Service) SetPrescriber(ctx context.Context, accountID, practitionerID string) error {
	a, err := s.account(ctx, accountID)
	if err != nil {
		return err
	}
	if a.UserType != fullscript.UserStaff {
		return &Problem{What: a.Name() + " writes their own plans.", Fix: "Only a staff account chooses a practitioner.",
			Err: fmt.Errorf("%w: prescriber for a %s account", ErrUsage, a.UserType)}
	}
	st, err := s.ready(ctx)
	if err != nil {
		return err
	}
	if err := st.SetSetting(ctx, settingPrescriber(accountID), strings.TrimSpace(practitionerID), false); err != nil {
		return fmt.Errorf("remember the chosen practitioner: %w", err)
	}
	return nil
}

// prescriberFor is whom a link is made for: the practitioner themselves,
// or the one a staff member chose (override, else the one saved), with
// that practitioner's name (for "opened for Dr. …"; "" for their own).
func (s *Service) prescriberFor(ctx context.Context, c accountAPI, override string) (id, name string, err error) {
	if c.acct.UserType != fullscript.UserStaff {
		return c.acct.UserID, "", nil
	}
	chosen := strings.TrimSpace(override)
	if chosen == "" {
		if chosen, err = s.Prescriber(ctx, c.acct.ID); err != nil {
			return "", "", err
		}
	}
	if chosen == "" {
		return "", "", &Problem{What: "Choose the practitioner this plan is for.",
			Fix: "A staff member writes plans for a practitioner: pick one under \"Prescribing for\", then open Fullscript again.",
			Err: fmt.Errorf("%w: no practitioner chosen for staff account %s", ErrUsage, c.acct.ID)}
	}
	pracs, err := s.practitionersOf(ctx, c)
	if err != nil {
		return "", "", err
	}
	for _, p := range pracs {
		if p.ID == chosen {
			return p.ID, p.Name, nil
		}
	}
	return "", "", &Problem{What: "The practitioner chosen is no longer one of " + c.acct.ClinicName + "'s.",
		Fix: "Pick the practitioner again under \"Prescribing for\".", Err: fmt.Errorf("%w: practitioner %s not in the clinic", ErrUsage, chosen)}
}
