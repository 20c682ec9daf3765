package companion

import (
	"errors"
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
	// Source is who asked: LaunchFromCommand or LaunchFromLink.
	Source string `json:"source"`
	// Problem, when set, is why a link could not be followed; the window
	// shows it and navigates nowhere.
	Problem string `json:"problem"`
}

// Where a launch came from.
const (
	LaunchFromCommand = "command"
	LaunchFromLink    = "link"
)

// openFlags declares `open`'s flags into in.
func openFlags(in *LaunchIntent) *flag.FlagSet {
	fs := flag.NewFlagSet("open", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&in.Account, "account", "", "the account: id, label or clinic name (default: the default account)")
	fs.StringVar(&in.PatientID, "patient-id", "", "the patient's Fullscript id")
	fs.StringVar(&in.PatientEmail, "patient-email", "", "the patient's email (a patient the clinic has is opened; another email starts a new patient)")
	fs.StringVar(&in.Feature, "feature", FeatureTreatmentPlan, "treatment-plan, catalog or labs")
	fs.StringVar(&in.In, "in", "", "window or browser (default: as Settings say)")
	return fs
}

// OpenUsage writes `open`'s usage and flags, as `open --help` prints them.
func OpenUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: fullscript-companion open [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Opens the window on an account, a patient and a Fullscript screen; a window")
	fmt.Fprintln(w, "already running takes it over. A "+LinkScheme+"://open?... link asks the same.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Flags:")
	fs := openFlags(&LaunchIntent{})
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// ParseOpenArgs reads `open`'s flags (the arguments after "open"). For
// --help it returns an error that wraps flag.ErrHelp.
func ParseOpenArgs(args []string) (LaunchIntent, error) {
	in := LaunchIntent{Source: LaunchFromCommand}
	fs := openFlags(&in)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return in, err
		}
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
