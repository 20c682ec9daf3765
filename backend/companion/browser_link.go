package companion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"fullscript-companion/backend/fullscript"
	"fullscript-companion/backend/store"
)

// BrowserRequest asks for one of Fullscript's screens in the browser.
type BrowserRequest struct {
	AccountID string `json:"accountId"`
	Feature   string `json:"feature"` // treatment-plan, catalog or labs
	// Patient is who it is for; nil lets the practitioner pick in
	// Fullscript. (The window opens Catalog and Labs clinic-wide; a launch
	// or the CLI may name a patient for them too.)
	Patient *Patient `json:"patient"`
	// PractitionerID, for a staff account, overrides the practitioner
	// chosen in the app (SetPrescriber) for this link only.
	PractitionerID string `json:"practitionerId"`
}

// BrowserOpened says what the browser was given, for the window to show
// ("Open again" asks for a new link: links are never kept). It holds no URL.
type BrowserOpened struct {
	Person      string    `json:"person"`
	Clinic      string    `json:"clinic"`
	Environment string    `json:"environment"`
	Patient     string    `json:"patient"` // the patient's name or email; "" when Fullscript asks
	Screen      string    `json:"screen"`  // Treatment plan, Catalog, Labs
	For         string    `json:"for"`     // the practitioner, when a staff member opened it
	At          time.Time `json:"at"`
}

var screenNames = map[string]string{FeatureTreatmentPlan: "Treatment plan", FeatureCatalog: "Catalog", FeatureLabs: "Labs"}

// BrowserLink asks Fullscript for a Redirect link to req's screen, made
// for this account's person (reference 6.2): every time, never kept. A
// treatment plan for a patient Fullscript knows (an id) goes through the
// gateway link, which finds them by that id: a draft link matches by email,
// and a family can share one (reference 3.4), so it could pick the guardian
// for a dependent. A patient typed in by hand is a draft link with their
// details; no patient is the generic new-plan link. Catalog and Labs are the
// gateway link at that entrypoint, for the patient when one is named. For
// staff, the plan is for the practitioner chosen in the app (SetPrescriber).
//
// The URL may carry a one-time sign-in: it goes to the browser and nowhere
// else (no log, no store, not to the frontend).
func (s *Service) BrowserLink(ctx context.Context, req BrowserRequest) (string, BrowserOpened, error) {
	screen, ok := screenNames[req.Feature]
	if !ok {
		return "", BrowserOpened{}, &Problem{What: fmt.Sprintf("%q is not a Fullscript screen.", req.Feature), Fix: "Use treatment-plan, catalog or labs.",
			Err: fmt.Errorf("%w: feature %q", ErrUsage, req.Feature)}
	}
	c, err := s.accountAPI(ctx, req.AccountID)
	if err != nil {
		return "", BrowserOpened{}, err
	}
	a := c.acct
	opened := BrowserOpened{Person: a.UserName, Clinic: a.ClinicName, Environment: a.Env, Screen: screen, At: s.now()}
	practitionerID, forName, err := s.prescriberFor(ctx, c, req.PractitionerID)
	if err != nil {
		return "", BrowserOpened{}, err
	}
	opened.For = forName
	patient := req.Patient
	if patient != nil {
		opened.Patient = patientName(*patient)
	}
	link, err := withAccess(ctx, s, req.AccountID, func(access string) (fullscript.DynamicLink, error) {
		switch {
		case req.Feature != FeatureTreatmentPlan:
			entry := map[string]string{FeatureCatalog: fullscript.EntrypointCatalog, FeatureLabs: fullscript.EntrypointLabs}[req.Feature]
			var lp *fullscript.LinkPatient
			if patient != nil && patient.ID != "" {
				lp = &fullscript.LinkPatient{ID: patient.ID} // by id alone, as above
			} else if patient != nil {
				lp = linkPatientOf(*patient)
			}
			return c.api.GatewayTreatmentPlanLink(ctx, access, practitionerID, lp, entry)
		case patient == nil:
			return c.api.NewTreatmentPlanLink(ctx, access, practitionerID)
		case patient.ID != "":
			return c.api.GatewayTreatmentPlanLink(ctx, access, practitionerID, &fullscript.LinkPatient{ID: patient.ID}, fullscript.EntrypointCatalog)
		case strings.TrimSpace(patient.Email) != "":
			return c.api.DraftTreatmentPlanLink(ctx, access, practitionerID, linkPatientOf(*patient))
		}
		return fullscript.DynamicLink{}, &Problem{What: "The patient has neither a Fullscript id nor an email, so Fullscript cannot find them.",
			Fix: "Choose the patient from the search, or type in their email.", Err: fmt.Errorf("%w: patient without id or email", ErrUsage)}
	})
	if err != nil {
		return "", BrowserOpened{}, s.linkProblem(a, screen, err)
	}
	return link.RedirectURL, opened, nil
}

// OpenInBrowser fetches a link (BrowserLink), hands it to open (the system
// browser), and records it in the account's History. A browser that does
// not open loses nothing: nothing was recorded, and the practitioner can
// try again or copy a new link.
func (s *Service) OpenInBrowser(ctx context.Context, req BrowserRequest, open func(url string) error) (BrowserOpened, error) {
	url, opened, err := s.BrowserLink(ctx, req)
	if err != nil {
		return BrowserOpened{}, err
	}
	if err := open(url); err != nil {
		return BrowserOpened{}, &Problem{
			What: "Your browser did not open, so Fullscript's " + opened.Screen + " screen is not showing.",
			Fix:  "Make sure a default web browser is set for your account, then try again, or copy the link into a browser yourself.",
			Err:  fmt.Errorf("open the browser: %w", err),
			Code: CodeBrowserNotOpened,
		}
	}
	s.recordOpened(ctx, req, opened)
	return opened, nil
}

// recordOpened writes "opened in the browser" into History. A failure to
// record is logged, not returned: the browser did open.
func (s *Service) recordOpened(ctx context.Context, req BrowserRequest, o BrowserOpened) {
	st, err := s.ready(ctx)
	if err != nil {
		return
	}
	summary := o.Screen + " opened in the browser"
	if o.For != "" {
		summary += " for " + o.For
	}
	d := historyDetails{PatientName: o.Patient, Summary: summary}
	patientID := ""
	if req.Patient != nil {
		d.PatientEmail, patientID = req.Patient.Email, req.Patient.ID
	}
	details, _ := json.Marshal(d)
	if _, _, err := st.AddHistory(ctx, store.HistoryEntry{AccountID: req.AccountID, Kind: store.HistoryOpenedInBrowser, At: o.At,
		PatientID: patientID, Details: details}); err != nil {
		s.log.Warn("record that Fullscript opened in the browser", "account", req.AccountID, "err", err)
	}
}

// Scopes a Redirect link needs (reference 6.2), and what to do without them.
const (
	scopeClinicWrite   = "clinic:write"
	scopePatientsWrite = "patients:write"
	scopeFix           = "Whoever manages the app in Fullscript's API Dashboard adds the clinic:write and patients:write scopes; then use Sign in again on this account (new permissions do not reach an existing sign-in)."
)

// linkProblem explains a refused or failed link request.
func (s *Service) linkProblem(a AccountInfo, screen string, err error) error {
	var ae *fullscript.APIError
	switch {
	case fullscript.IsForbidden(err):
		scope := scopeClinicWrite
		if errors.As(err, &ae) && strings.Contains(strings.Join(ae.Messages, " "), scopePatientsWrite) {
			scope = scopePatientsWrite
		}
		return &Problem{
			What: "Fullscript did not let the app open " + screen + " in the browser for " + a.Name() + ": this sign-in lacks the " + scope + " permission.",
			Fix:  scopeFix,
			Err:  err,
		}
	case errors.As(err, &ae) && ae.Status == 422:
		return &Problem{What: "Fullscript did not accept the request: " + strings.Join(ae.Messages, "; ") + ".",
			Fix: "Check the patient's details and the practitioner chosen, then try again.", Err: fmt.Errorf("%w: %w", ErrUsage, err)}
	case errors.Is(err, fullscript.ErrMalformedReply):
		return &Problem{What: "Fullscript's answer had no link the app can open.", Fix: "Try again; if it keeps happening, open Fullscript in this window instead (Settings), and the details help support.", Err: err}
	}
	return s.networkProblem("open "+screen+" in the browser", err)
}

func linkPatientOf(p Patient) *fullscript.LinkPatient {
	return &fullscript.LinkPatient{ID: p.ID, Email: strings.TrimSpace(p.Email), FirstName: strings.TrimSpace(p.FirstName), LastName: strings.TrimSpace(p.LastName),
		DateOfBirth: p.DateOfBirth, Gender: p.Sex, MobileNumber: strings.ReplaceAll(p.MobileNumber, " ", "")}
}

func patientName(p Patient) string {
	if n := strings.TrimSpace(p.FirstName + " " + p.LastName); n != "" {
		return n
	}
	return strings.TrimSpace(p.Email)
}
