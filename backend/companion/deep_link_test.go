package companion

import (
	"errors"
	"strings"
	"testing"
)

func TestParseLink(t *testing.T) {
	tests := []struct {
		name string
		link string
		want LaunchIntent
	}{
		{"everything", "fullscript-companion://open?account=Riverside%20Clinic&patient_id=pat-42&feature=labs",
			LaunchIntent{Account: "Riverside Clinic", PatientID: "pat-42", Feature: FeatureLabs}},
		{"an email, feature left out", "fullscript-companion://open?patient_email=amos%40example.com",
			LaunchIntent{PatientEmail: "amos@example.com", Feature: FeatureTreatmentPlan}},
		{"no query: the default account", "fullscript-companion://open", LaunchIntent{Feature: FeatureTreatmentPlan}},
		{"a trailing slash", "fullscript-companion://open/?feature=catalog", LaunchIntent{Feature: FeatureCatalog}},
		{"no slashes, as some programs write it", "fullscript-companion:open?account=acc-1", LaunchIntent{Account: "acc-1", Feature: FeatureTreatmentPlan}},
		{"scheme and action in capitals", "Fullscript-Companion://OPEN?account=acc-1", LaunchIntent{Account: "acc-1", Feature: FeatureTreatmentPlan}},
		{"spaces around values", "fullscript-companion://open?account=+acc-1+", LaunchIntent{Account: "acc-1", Feature: FeatureTreatmentPlan}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLink(tt.link)
			if err != nil {
				t.Fatalf("ParseLink(%q): %v", tt.link, err)
			}
			tt.want.Source = LaunchFromLink
			if got != tt.want {
				t.Errorf("ParseLink(%q) = %+v, want %+v", tt.link, got, tt.want)
			}
		})
	}
}

// A link is untrusted: whatever it asks beyond navigation is refused, with
// a reason the practitioner can read and without echoing the whole link.
func TestParseLinkRefuses(t *testing.T) {
	tests := []struct {
		name, link, reason string
	}{
		{"another action", "fullscript-companion://signout?account=acc-1", `asks the app to "signout"`},
		{"an export dressed as a key", "fullscript-companion://open?account=acc-1&export=all", `has "export", which links do not take`},
		{"where to open it", "fullscript-companion://open?in=browser", `has "in", which links do not take`},
		{"a key twice", "fullscript-companion://open?account=a&account=b", `gives "account" 2 times`},
		{"both patient keys", "fullscript-companion://open?patient_id=p&patient_email=a%40b.c", "names the patient twice"},
		{"an email that is not one", "fullscript-companion://open?patient_email=amos", "not an email address"},
		{"an unknown screen", "fullscript-companion://open?feature=settings", `feature "settings" is not a screen`},
		{"another scheme", "https://example.com/open?account=a", "not a fullscript-companion:// address"},
		{"a path", "fullscript-companion://open/../../etc/passwd", "parts a fullscript-companion:// link does not have"},
		{"a user and port", "fullscript-companion://me@open:80", "parts a fullscript-companion:// link does not have"},
		{"a fragment", "fullscript-companion://open#x", "parts a fullscript-companion:// link does not have"},
		{"a control character", "fullscript-companion://open?account=a\nb", "control characters"},
		{"a malformed query", "fullscript-companion://open?account=%zz", "query is malformed"},
		{"far too long", "fullscript-companion://open?account=" + strings.Repeat("a", 3000), "at most 2048"},
		{"a decoded newline", "fullscript-companion://open?account=a%0Ab", `its "account" holds control or formatting characters`},
		{"a right-to-left override", "fullscript-companion://open?account=%E2%80%AEcinilC", `its "account" holds control or formatting characters`},
		{"a zero-width space", "fullscript-companion://open?patient_email=a%E2%80%8B%40b.c", `its "patient_email" holds control or formatting characters`},
		{"a long value", "fullscript-companion://open?account=" + strings.Repeat("a", 400), `its "account" is longer than 320`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLink(tt.link)
			var le *LinkError
			if !errors.As(err, &le) {
				t.Fatalf("ParseLink(%q) = %v, want a LinkError", tt.link, err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not say %q", err, tt.reason)
			}
			if !strings.HasPrefix(err.Error(), "This link cannot be opened: ") {
				t.Errorf("error %q does not start by saying what happened", err)
			}
		})
	}
}

func TestLaunchFromArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantOK  bool
		want    LaunchIntent
		problem string
		wantErr bool
	}{
		{"the open command", []string{"open", "--account", "acc-1", "--feature", "catalog"}, true,
			LaunchIntent{Account: "acc-1", Feature: FeatureCatalog, Source: LaunchFromCommand}, "", false},
		{"a link", []string{"fullscript-companion://open?account=acc-1"}, true,
			LaunchIntent{Account: "acc-1", Feature: FeatureTreatmentPlan, Source: LaunchFromLink}, "", false},
		// A bad link still reaches the window, which says why (a link has no terminal).
		{"a bad link", []string{"fullscript-companion://signout"}, true,
			LaunchIntent{Source: LaunchFromLink}, `asks the app to "signout"`, false},
		{"bad open flags are a usage error", []string{"open", "--feature", "x"}, false, LaunchIntent{}, "", true},
		{"no arguments", nil, false, LaunchIntent{}, "", false},
		{"a command", []string{"accounts"}, false, LaunchIntent{}, "", false},
		// Never a command: a link with more beside it is a bad link, shown in the window.
		{"a link with a command after it", []string{"fullscript-companion://open", "signout"}, true,
			LaunchIntent{Source: LaunchFromLink}, "came with other arguments", false},
		{"a command with a link after it", []string{"signout", "fullscript-companion://open"}, true,
			LaunchIntent{Source: LaunchFromLink}, "came with other arguments", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := LaunchFromArgs(tt.args)
			if (err != nil) != tt.wantErr || ok != tt.wantOK {
				t.Fatalf("LaunchFromArgs(%q) = ok %v, err %v; want ok %v, error %v", tt.args, ok, err, tt.wantOK, tt.wantErr)
			}
			if !strings.Contains(got.Problem, tt.problem) || (tt.problem == "" && got.Problem != "") {
				t.Errorf("problem = %q, want it to say %q", got.Problem, tt.problem)
			}
			got.Problem = ""
			if ok && got != tt.want {
				t.Errorf("LaunchFromArgs(%q) = %+v, want %+v", tt.args, got, tt.want)
			}
		})
	}
}

// FuzzParseLink: any text either parses to a navigation-only intent or is
// refused with a readable message; it never panics.
func FuzzParseLink(f *testing.F) {
	for _, seed := range []string{
		"fullscript-companion://open?account=Riverside%20Clinic&patient_id=pat-42&feature=labs",
		"fullscript-companion:open?patient_email=a%40b.c",
		"fullscript-companion://signout?account=a",
		"fullscript-companion://open?account=%zz",
		"fullscript-companion://open?account=a&account=b",
		"FULLSCRIPT-COMPANION://open/?feature=catalog",
		"fullscript-companion://[::1]:80/open",
		"fullscript-companion://open?account=\xff\xfe",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, link string) {
		in, err := ParseLink(link)
		if err != nil {
			var le *LinkError
			if !errors.As(err, &le) {
				t.Fatalf("ParseLink(%q): error %T is not a LinkError", link, err)
			}
			if len(err.Error()) > 400 {
				t.Fatalf("ParseLink(%q): a %d-byte message quotes too much of the link", link, len(err.Error()))
			}
			return
		}
		switch in.Feature {
		case FeatureTreatmentPlan, FeatureCatalog, FeatureLabs:
		default:
			t.Fatalf("ParseLink(%q): feature %q", link, in.Feature)
		}
		if in.In != "" || in.Source != LaunchFromLink || in.Problem != "" {
			t.Fatalf("ParseLink(%q) = %+v: a link chose more than navigation", link, in)
		}
		if in.PatientID != "" && in.PatientEmail != "" {
			t.Fatalf("ParseLink(%q): two patients", link)
		}
		for _, v := range []string{in.Account, in.PatientID, in.PatientEmail} {
			if len(v) > maxLinkValue {
				t.Fatalf("ParseLink(%q): a %d-byte value", link, len(v))
			}
		}
	})
}
