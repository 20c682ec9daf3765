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
	if in.PatientID != "" && in.PatientEmail != "" {
		return in, fmt.Errorf("%w: give --patient-id or --patient-email, not both", ErrUsage)
	}
	if in.PatientEmail != "" && !strings.Contains(in.PatientEmail, "@") {
		return in, fmt.Errorf("%w: --patient-email %q is not an email address", ErrUsage, in.PatientEmail)
	}
	return in, nil
}
