package companion

import (
	"errors"
	"flag"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// fzPercentDecode decodes every valid %XX of s (and + as a space when
// plus), leaving anything else as written.
func fzPercentDecode(s string, plus bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '%' && i+2 < len(s):
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		case s[i] == '+' && plus:
			b.WriteByte(' ')
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// fzLinkEmail is the patient_email a link carries, when it carries it once
// and nowhere else (however encoded): then a message that holds it can
// only have quoted it.
func fzLinkEmail(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	q, _ := url.ParseQuery(u.RawQuery)
	emails := q["patient_email"]
	if len(emails) != 1 || len(emails[0]) < 8 {
		return ""
	}
	email := emails[0]
	for _, s := range []string{raw, fzPercentDecode(raw, false), fzPercentDecode(raw, true)} {
		if strings.Count(s, email) > 1 {
			return ""
		}
	}
	return email
}

// FuzzLaunchFromArgs hands any arguments (NUL separates them) to
// LaunchFromArgs, what main and the running window do with a launch, and
// checks:
//
//   - a fullscript-companion:// link never reaches the commands: with a
//     link among the arguments the window takes the launch (or `open`
//     refuses it), never the CLI;
//   - what the window takes from a link is either an intent that only
//     navigates (no In, a known feature, one patient) and round-trips
//     through a link made from it, or a Problem that navigates nowhere,
//     is bounded, and never quotes the patient's email;
//   - `open` gives exactly ParseOpenArgs's answer, and an accepted `open`
//     round-trips through the flags made from it.
func FuzzLaunchFromArgs(f *testing.F) {
	for _, args := range [][]string{
		{"open", "--account", "acc-1", "--feature", "catalog"},
		{"open", "--account=Riverside Wellness Clinic", "--patient-email", "amos.kline@example.com", "--in", "browser"},
		{"open", "--patient-id", "p1", "--patient-email", "a@b.c"},
		{"open", "--help"},
		{"open", "fullscript-companion://open?account=a"},
		{"fullscript-companion://open?account=acc-1&patient_email=amos.kline%40example.com&feature=labs"},
		{"FULLSCRIPT-COMPANION:open?patient_id=pat-42"},
		{"fullscript-companion://signout?patient_email=amos.kline%40example.com"},
		{"fullscript-companion://open?patient_email=amos.kline%40example.com&feature=amos.kline%40example.co"},
		{"fullscript-companion://open", "signout"},
		{"signout", "--all", "fullscript-companion://open"},
		{"accounts"},
		{},
		{"fullscript-companion://open?account=%E2%80%AEevil"},
	} {
		f.Add(strings.Join(args, "\x00"))
	}
	f.Fuzz(func(t *testing.T, joined string) {
		var args []string
		if joined != "" {
			args = strings.Split(joined, "\x00")
		}
		if len(args) > 16 {
			args = args[:16]
		}
		in, ok, err := LaunchFromArgs(args)
		hasLink := false
		for _, a := range args {
			hasLink = hasLink || IsLink(a)
		}
		isOpen := len(args) > 0 && args[0] == "open"

		if !ok && err == nil {
			// The CLI gets these arguments: never a link, never a half intent.
			if hasLink {
				t.Fatalf("LaunchFromArgs(%q): a link would reach the commands", args)
			}
			if in != (LaunchIntent{}) {
				t.Errorf("LaunchFromArgs(%q) = %+v with ok false", args, in)
			}
		}
		if hasLink && !isOpen && (!ok || err != nil || in.Source != LaunchFromLink) {
			t.Fatalf("LaunchFromArgs(%q) = %+v, %v, %v: a link must go to the window as a link", args, in, ok, err)
		}
		if ok && err != nil {
			t.Errorf("LaunchFromArgs(%q): ok with an error %v", args, err)
		}

		if isOpen {
			want, werr := ParseOpenArgs(args[1:])
			if (err == nil) != (werr == nil) || (err == nil && in != want) || ok != (werr == nil) {
				t.Fatalf("LaunchFromArgs(%q) = %+v, %v, %v; ParseOpenArgs says %+v, %v", args, in, ok, err, want, werr)
			}
			if err != nil {
				if !errors.Is(err, ErrUsage) && !errors.Is(err, flag.ErrHelp) {
					t.Errorf("open %q: error %v is neither a usage error nor --help", args[1:], err)
				}
				return
			}
			fzCheckIntent(t, args, in)
			if in.Source != LaunchFromCommand || in.Problem != "" {
				t.Errorf("open %q = %+v", args[1:], in)
			}
			flags := []string{"--account=" + in.Account, "--feature=" + in.Feature, "--in=" + in.In}
			if in.PatientID != "" {
				flags = append(flags, "--patient-id="+in.PatientID)
			}
			if in.PatientEmail != "" {
				flags = append(flags, "--patient-email="+in.PatientEmail)
			}
			if again, err := ParseOpenArgs(flags); err != nil || again != in {
				t.Errorf("open %q = %+v, but its own flags %q give %+v, %v", args[1:], in, flags, again, err)
			}
			return
		}
		if !ok {
			return
		}

		// The window takes a link.
		if in.Problem != "" {
			if in != (LaunchIntent{Source: LaunchFromLink, Problem: in.Problem}) {
				t.Errorf("LaunchFromArgs(%q) = %+v: a link with a problem must navigate nowhere", args, in)
			}
			if !strings.HasPrefix(in.Problem, "This link cannot be opened: ") || len(in.Problem) > 400 {
				t.Errorf("LaunchFromArgs(%q): problem %q is not a bounded reason", args, in.Problem)
			}
			if len(args) == 1 {
				if email := fzLinkEmail(args[0]); email != "" && (strings.Contains(in.Problem, email) || strings.Contains(in.Problem, strings.Trim(strconv.Quote(email), `"`))) {
					t.Errorf("[link-problem-quotes-email] the problem %q quotes the patient's email %q", in.Problem, email)
				}
			}
			return
		}
		if len(args) != 1 {
			t.Fatalf("LaunchFromArgs(%q) = %+v: a link beside other arguments was followed", args, in)
		}
		want, werr := ParseLink(args[0])
		if werr != nil || in != want {
			t.Fatalf("LaunchFromArgs(%q) = %+v; ParseLink says %+v, %v", args, in, want, werr)
		}
		fzCheckIntent(t, args, in)
		if in.In != "" || in.Source != LaunchFromLink {
			t.Errorf("LaunchFromArgs(%q) = %+v: a link chose more than navigation", args, in)
		}
		q := url.Values{"feature": {in.Feature}}
		for k, v := range map[string]string{"account": in.Account, "patient_id": in.PatientID, "patient_email": in.PatientEmail} {
			if v != "" {
				q.Set(k, v)
			}
		}
		if link := LinkScheme + "://open?" + q.Encode(); len(link) <= maxLinkLength {
			if again, err := ParseLink(link); err != nil || again != in {
				t.Errorf("LaunchFromArgs(%q) = %+v, but the link made from it, %s, gives %+v, %v", args, in, link, again, err)
			}
		}
	})
}

// fzCheckIntent: what every accepted intent is.
func fzCheckIntent(t *testing.T, args []string, in LaunchIntent) {
	t.Helper()
	switch in.Feature {
	case FeatureTreatmentPlan, FeatureCatalog, FeatureLabs:
	default:
		t.Errorf("LaunchFromArgs(%q): feature %q", args, in.Feature)
	}
	switch in.In {
	case "", OpenInWindow, OpenInBrowser:
	default:
		t.Errorf("LaunchFromArgs(%q): in %q", args, in.In)
	}
	if in.PatientID != "" && in.PatientEmail != "" {
		t.Errorf("LaunchFromArgs(%q): two patients, %+v", args, in)
	}
	if in.PatientEmail != "" && !strings.Contains(in.PatientEmail, "@") {
		t.Errorf("LaunchFromArgs(%q): patient email %q", args, in.PatientEmail)
	}
}
