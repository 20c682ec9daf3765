package companion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"fullscript-companion/backend/fullscript"
	"fullscript-companion/backend/store"
)

// PlanSummary is one of a patient's treatment plans, as the patient's view
// lists it ("what has been working", reference 6.3).
type PlanSummary struct {
	ID           string    `json:"id"`
	State        string    `json:"state"`
	CreatedAt    time.Time `json:"createdAt"`
	Prescriber   string    `json:"prescriber"` // name, else "" when unknown
	Products     []string  `json:"products"`
	ProductCount int       `json:"productCount"`
	Labs         []string  `json:"labs"`
}

// PatientPlans is a patient's plans, newest first, and where they came from.
type PatientPlans struct {
	Plans     []PlanSummary `json:"plans"`
	FetchedAt time.Time     `json:"fetchedAt"`
	// Saved: Fullscript could not be asked; this is the last copy, of FetchedAt.
	Saved bool   `json:"saved"`
	Note  string `json:"note"` // why the saved copy is shown
}

// patientPlansPage is how many plans the patient's view shows.
const patientPlansPage = 20

// PatientPlans lists a patient's treatment plans, newest first, with the
// prescriber's name, and keeps a sealed copy. When Fullscript cannot be
// reached (or is having trouble), the last copy is shown with its date.
func (s *Service) PatientPlans(ctx context.Context, accountID, patientID string) (PatientPlans, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return PatientPlans{}, err
	}
	saved := func(cause error) (PatientPlans, error) {
		p, found, err := st.SavedPatientPlans(ctx, accountID, patientID)
		if err != nil || !found {
			if err != nil {
				s.log.Warn("read the saved plans", "account", accountID, "err", err)
			}
			return PatientPlans{}, cause
		}
		var out PatientPlans
		if err := json.Unmarshal(p.Data, &out.Plans); err != nil {
			s.log.Warn("the saved plans cannot be read", "account", accountID, "err", err)
			return PatientPlans{}, cause
		}
		out.FetchedAt, out.Saved = p.FetchedAt, true
		out.Note = ViewOf(cause).Message
		return out, nil
	}
	c, err := s.accountAPI(ctx, accountID)
	if err != nil {
		if errors.Is(err, ErrOffline) {
			return saved(err)
		}
		return PatientPlans{}, err
	}
	pg, err := withAccess(ctx, s, accountID, func(access string) (fullscript.PlanPage, error) {
		return c.api.PatientTreatmentPlans(ctx, access, patientID, 1, patientPlansPage)
	})
	if err != nil {
		p := s.plansProblem(c.acct, err)
		if errors.Is(err, ErrOffline) || fullscript.IsOffline(err) || isNetErr(err) || isServerTrouble(err) {
			return saved(p)
		}
		return PatientPlans{}, p
	}
	names := map[string]string{c.acct.UserID: c.acct.UserName}
	if needsNames(pg.Plans, names) {
		if pracs, err := s.practitionersOf(ctx, c); err == nil {
			for _, p := range pracs {
				names[p.ID] = p.Name
			}
		} else {
			s.log.Info("plans without prescriber names", "account", accountID, "err", err)
		}
	}
	out := PatientPlans{Plans: []PlanSummary{}, FetchedAt: s.now()}
	for _, p := range pg.Plans {
		out.Plans = append(out.Plans, PlanSummary{ID: p.ID, State: p.State, CreatedAt: firstTime(p.CreatedAt, p.AvailableAt, p.UpdatedAt),
			Prescriber: names[p.PractitionerID], Products: nonNil(p.Products), ProductCount: p.ProductCount, Labs: nonNil(p.Labs)})
	}
	data, err := json.Marshal(out.Plans)
	if err == nil {
		err = st.SavePatientPlans(ctx, store.PatientPlans{AccountID: accountID, PatientID: patientID, FetchedAt: out.FetchedAt, Data: data})
	}
	if err != nil {
		s.log.Warn("keep a copy of the patient's plans", "account", accountID, "err", err)
	}
	return out, nil
}

// PlanInvitationURL is the patient-facing link of one plan (the one
// Fullscript emails them), for the practitioner to copy.
func (s *Service) PlanInvitationURL(ctx context.Context, accountID, planID string) (string, error) {
	c, err := s.accountAPI(ctx, accountID)
	if err != nil {
		return "", err
	}
	p, err := withAccess(ctx, s, accountID, func(access string) (fullscript.TreatmentPlan, error) {
		return c.api.TreatmentPlan(ctx, access, planID)
	})
	if err != nil {
		return "", s.plansProblem(c.acct, err)
	}
	if p.InvitationURL == "" {
		return "", &Problem{What: "Fullscript did not give this plan's invitation link.", Fix: "Open the plan in Fullscript to send it to the patient.",
			Err: fmt.Errorf("%w: plan %s has no invitation_url", fullscript.ErrMalformedReply, planID)}
	}
	return p.InvitationURL, nil
}

func (s *Service) plansProblem(a AccountInfo, err error) error {
	switch {
	case fullscript.IsForbidden(err):
		return &Problem{What: "Fullscript did not let the app read this patient's plans for " + a.Name() + ".",
			Fix: "Whoever manages the app in Fullscript's API Dashboard adds the patients:read and patients:treatment_plan_history scopes; then use Sign in again on this account.",
			Err: err}
	case fullscript.IsNotFound(err):
		return &Problem{What: "Fullscript does not know this patient or plan in " + a.ClinicName + ".", Fix: "Search for the patient again.", Err: err}
	}
	return s.networkProblem("read the patient's plans", err)
}

// isServerTrouble: a 5xx or 429 from the API, when a saved copy is better than nothing.
func isServerTrouble(err error) bool {
	var ae *fullscript.APIError
	return errors.As(err, &ae) && (ae.Status >= 500 || ae.Status == 429)
}

func needsNames(plans []fullscript.TreatmentPlan, known map[string]string) bool {
	for _, p := range plans {
		if _, ok := known[p.PractitionerID]; !ok && p.PractitionerID != "" {
			return true
		}
	}
	return false
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
