package companion

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// LinkScheme is the URL scheme the app registers (.desktop file, NSIS
// installer, Info.plist): fullscript-companion://open?account=…&feature=…
const LinkScheme = "fullscript-companion"

// Limits on a link: anything longer is not a link an EHR would make.
const (
	maxLinkLength  = 2048
	maxLinkValue   = 320 // an email address can be 254; ids and labels are shorter
	linkHelpFields = "account, patient_id or patient_email, and feature"
)

// LinkError is a link the window cannot follow. Its message is for the
// practitioner: what was wrong, in words, and never the whole link (it may
// carry a patient's email).
type LinkError struct{ Reason string }

func (e *LinkError) Error() string { return "This link cannot be opened: " + e.Reason }

// IsLink reports whether a launch argument is a fullscript-companion:// link
// (as the desktop, the NSIS installer's registry entry or macOS hand it over).
func IsLink(arg string) bool {
	scheme, _, ok := strings.Cut(arg, ":")
	return ok && strings.EqualFold(scheme, LinkScheme)
}

// ParseLink reads a fullscript-companion:// link. A link is untrusted input
// (any web page or e-mail can hold one), so it can only navigate: choose an
// account, a patient and a screen. Anything else, an unknown key included,
// is refused with a reason rather than half-followed. Where it opens
// (window or browser) is the account's setting; a link cannot choose it.
func ParseLink(raw string) (LaunchIntent, error) {
	in := LaunchIntent{Feature: FeatureTreatmentPlan, Source: LaunchFromLink}
	if len(raw) > maxLinkLength {
		return in, &LinkError{Reason: fmt.Sprintf("it is %d characters long; a link to open a patient is at most %d.", len(raw), maxLinkLength)}
	}
	if strings.IndexFunc(raw, unicode.IsControl) >= 0 {
		return in, &LinkError{Reason: "it contains control characters."}
	}
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, LinkScheme) {
		return in, &LinkError{Reason: "it is not a " + LinkScheme + ":// address."}
	}
	// fullscript-companion://open?… is the form; fullscript-companion:open?…
	// (no slashes) is what some programs make of it.
	action := u.Host
	if u.Opaque != "" {
		action = u.Opaque
	}
	if u.User != nil || u.Port() != "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return in, &LinkError{Reason: "it has parts a " + LinkScheme + ":// link does not have; the form is " + LinkScheme + "://open?" + linkExample + "."}
	}
	if !strings.EqualFold(action, "open") {
		return in, &LinkError{Reason: fmt.Sprintf("it asks the app to %q. A link can only open an account, a patient and a screen (%s://open?…).", clip(action, 40), LinkScheme)}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return in, &LinkError{Reason: "its query is malformed (" + clip(err.Error(), 80) + ")."}
	}
	for key, values := range q {
		if !slices.Contains(linkKeys, key) {
			return in, &LinkError{Reason: fmt.Sprintf("it has %q, which links do not take. A link can carry %s.", clip(key, 40), linkHelpFields)}
		}
		if len(values) > 1 {
			return in, &LinkError{Reason: fmt.Sprintf("it gives %q %d times.", key, len(values))}
		}
		if len(values[0]) > maxLinkValue {
			return in, &LinkError{Reason: fmt.Sprintf("its %q is longer than %d characters.", key, maxLinkValue)}
		}
	}
	for key, values := range q {
		// Decoded, a value must still be plain text: no control or
		// formatting characters (a right-to-left override could dress a
		// name up as another in the window's notice).
		if strings.IndexFunc(values[0], func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0 {
			return in, &LinkError{Reason: fmt.Sprintf("its %q holds control or formatting characters.", key)}
		}
	}
	in.Account = strings.TrimSpace(q.Get("account"))
	in.PatientID = strings.TrimSpace(q.Get("patient_id"))
	in.PatientEmail = strings.TrimSpace(q.Get("patient_email"))
	if f := q.Get("feature"); q.Has("feature") {
		switch f {
		case FeatureTreatmentPlan, FeatureCatalog, FeatureLabs:
			in.Feature = f
		default:
			return in, &LinkError{Reason: fmt.Sprintf("feature %q is not a screen the app has; use treatment-plan, catalog or labs.", clip(f, 40))}
		}
	}
	if in.PatientID != "" && in.PatientEmail != "" {
		return in, &LinkError{Reason: "it names the patient twice (patient_id and patient_email); give one."}
	}
	if in.PatientEmail != "" && !strings.Contains(in.PatientEmail, "@") {
		return in, &LinkError{Reason: "its patient_email is not an email address."}
	}
	return in, nil
}

// linkKeys are the query keys a link may carry; linkExample shows them.
var linkKeys = []string{"account", "patient_id", "patient_email", "feature"}

const linkExample = "account=…&patient_id=…&feature=treatment-plan"

// LaunchFromArgs reads the arguments a window was started (or handed) with:
// `open` and its flags, or a single fullscript-companion:// link. ok is
// false when args ask for neither (the window then just comes forward). A
// bad link is not an error here: it becomes an intent whose Problem the
// window shows, because a link has no terminal to print to.
func LaunchFromArgs(args []string) (in LaunchIntent, ok bool, err error) {
	switch {
	case len(args) > 0 && args[0] == "open":
		in, err = ParseOpenArgs(args[1:])
		return in, err == nil, err
	case len(args) > 1 && slices.ContainsFunc(args, IsLink):
		// A link never comes with more: whatever split it or was added to it
		// must not reach the commands (signout, link --open…).
		return LaunchIntent{Source: LaunchFromLink, Problem: (&LinkError{Reason: "it came with other arguments; a link is handed over alone."}).Error()}, true, nil
	case len(args) == 1 && IsLink(args[0]):
		in, err := ParseLink(args[0])
		if err != nil {
			return LaunchIntent{Source: LaunchFromLink, Problem: err.Error()}, true, nil
		}
		return in, true, nil
	}
	return LaunchIntent{}, false, nil
}

// clip shortens untrusted text before it is quoted back to the practitioner.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
