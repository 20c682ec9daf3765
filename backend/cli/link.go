package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"fullscript-companion/backend/browser"
	"fullscript-companion/backend/companion"
)

// runLink is `link ACCOUNT [--patient-id P | --patient-email E] [--feature F]
// [--practitioner ID] [--open] [--json]`: a fresh Fullscript Redirect link
// for the account's person. Printed, the URL is on stdout alone; --open
// hands it to the browser instead and records it in History.
func runLink(ctx context.Context, io IO, args []string) error {
	var (
		patientID, patientEmail, feature, practitioner string
		open, asJSON                                   bool
	)
	flags := func(fs *flag.FlagSet) {
		fs.StringVar(&patientID, "patient-id", "", "the patient's Fullscript id")
		fs.StringVar(&patientEmail, "patient-email", "", "the patient's email (found, or made a new patient, by Fullscript)")
		fs.StringVar(&feature, "feature", companion.FeatureTreatmentPlan, "treatment-plan, catalog or labs")
		fs.StringVar(&practitioner, "practitioner", "", "staff: the practitioner's id the plan is for (default: the one chosen in the window)")
		fs.BoolVar(&open, "open", false, "open the link in the browser instead of printing it")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}
	return withAccount(ctx, io, "link", args, flags, func(svc *companion.Service, a companion.AccountInfo) error {
		if err := companion.CheckPatientFlags(patientID, patientEmail); err != nil {
			return err
		}
		req := companion.BrowserRequest{AccountID: a.ID, Feature: feature, PractitionerID: practitioner}
		if patientID != "" || patientEmail != "" {
			req.Patient = &companion.Patient{ID: patientID, Email: patientEmail}
		}
		var (
			url    string
			opened companion.BrowserOpened
			err    error
		)
		if open {
			opened, err = svc.OpenInBrowser(ctx, req, browser.Open)
		} else {
			url, opened, err = svc.BrowserLink(ctx, req)
		}
		if err != nil {
			return err
		}
		if asJSON {
			out := map[string]any{"account_id": a.ID, "person": opened.Person, "clinic": opened.Clinic, "environment": opened.Environment,
				"patient": opened.Patient, "screen": opened.Screen, "for": opened.For, "opened": open}
			if !open {
				out["redirect_url"] = url
			}
			return json.NewEncoder(io.Out).Encode(out)
		}
		what := opened.Screen
		if opened.Patient != "" {
			what += " for " + opened.Patient
		}
		as := opened.Person + " at " + opened.Clinic
		if opened.For != "" {
			as += ", for " + opened.For
		}
		if open {
			fmt.Fprintf(io.Err, "Opened %s in your browser, as %s.\n", what, as)
			return nil
		}
		fmt.Fprintf(io.Err, "%s, as %s: a new link; open it soon and once (Fullscript's links do not keep).\n", what, as)
		fmt.Fprintln(io.Out, url)
		return nil
	})
}
