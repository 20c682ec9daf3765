package companion

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// Features the window can open, as the `open` command names them.
const (
	FeatureTreatmentPlan = "treatment-plan"
	FeatureCatalog       = "catalog"
	FeatureLabs          = "labs"
)

// LaunchIntent is what `fullscript-companion open` asks the window to do:
// an EHR or a script hands a patient to the companion.
type LaunchIntent struct {
	Account      string `json:"account"` // id, label or clinic name
	PatientID    string `json:"patientId"`
	PatientEmail string `json:"patientEmail"`
	Feature      string `json:"feature"`
	// In is where to open it: window, browser, or "" for the account's
	// "How Fullscript opens".
	In string `json:"in"`
}

// ParseOpenArgs reads `open`'s flags (the arguments after "open").
func ParseOpenArgs(args []string) (LaunchIntent, error) {
	fs := flag.NewFlagSet("open", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var in LaunchIntent
	fs.StringVar(&in.Account, "account", "", "the account: id, label or clinic name")
	fs.StringVar(&in.PatientID, "patient-id", "", "the patient's Fullscript id")
	fs.StringVar(&in.PatientEmail, "patient-email", "", "the patient's email")
	fs.StringVar(&in.Feature, "feature", FeatureTreatmentPlan, "treatment-plan, catalog or labs")
	fs.StringVar(&in.In, "in", "", "window or browser (default: as Settings say)")
	if err := fs.Parse(args); err != nil {
		return in, fmt.Errorf("%w: open: %v", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return in, fmt.Errorf("%w: open takes flags only, got %q", ErrUsage, fs.Args())
	}
	switch in.Feature {
	case FeatureTreatmentPlan, FeatureCatalog, FeatureLabs:
	default:
		return in, fmt.Errorf("%w: --feature %q: use treatment-plan, catalog or labs", ErrUsage, in.Feature)
	}
	switch in.In {
	case "", OpenInWindow, OpenInBrowser:
	default:
		return in, fmt.Errorf("%w: --in %q: use window or browser", ErrUsage, in.In)
	}
	return in, CheckPatientFlags(in.PatientID, in.PatientEmail)
}

// CheckPatientFlags checks --patient-id and --patient-email (open, link):
// one or the other, and an email that looks like one.
func CheckPatientFlags(id, email string) error {
	if id != "" && email != "" {
		return fmt.Errorf("%w: give --patient-id or --patient-email, not both", ErrUsage)
	}
	if email != "" && !strings.Contains(email, "@") {
		return fmt.Errorf("%w: --patient-email %q is not an email address", ErrUsage, email)
	}
	return nil
}
