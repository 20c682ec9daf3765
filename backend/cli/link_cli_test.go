package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fullscript-companion/backend/sandbox"
)

func TestCLILink(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	f.login("ada.moss@example.com")
	f.login("sam.rivera@example.com")
	linkPrefix := f.base + "/redirect/treatment_plan?link="
	var ada, sam string
	for _, a := range f.accounts().Accounts {
		if a.UserType == "Staff" {
			sam = a.ID
		} else {
			ada = a.ID
		}
	}

	// Printed: the URL alone on stdout, what it is on stderr.
	code, out, errOut := f.run("link", "Riverside Wellness Clinic", "--patient-email", "amos.kline.1@example.com")
	if code != 5 || !strings.Contains(errOut, "several") {
		t.Fatalf("two accounts at Riverside: exit %d, want 5 (ambiguous)\n%s", code, errOut)
	}
	code, out, errOut = f.run("link", ada, "--patient-email", "amos.kline.1@example.com")
	if code != 0 || len(lines(out)) != 1 || !strings.HasPrefix(out, linkPrefix) {
		t.Fatalf("link: exit %d\nstdout %q\nstderr %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "Treatment plan for amos.kline.1@example.com, as Dr. Ada Moss at Riverside Wellness Clinic") {
		t.Errorf("stderr: %s", errOut)
	}
	links := f.sb.Snapshot().Links
	if l := links[len(links)-1]; l.Kind != "draft" || l.Patient == nil || l.Patient.Email != "amos.kline.1@example.com" {
		t.Errorf("the sandbox got %+v", l)
	}

	// JSON, labs.
	code, out, _ = f.run("link", ada, "--feature", "labs", "--json")
	var j map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &j) != nil || !strings.HasPrefix(j["redirect_url"].(string), linkPrefix) || j["screen"] != "Labs" || j["opened"] != false {
		t.Errorf("--json: exit %d %s", code, out)
	}

	// Staff: a practitioner must be named (or chosen in the window).
	code, _, errOut = f.run("link", sam)
	if code != 2 || !strings.Contains(errOut, "Choose the practitioner") {
		t.Errorf("staff with no practitioner: exit %d, want 2\n%s", code, errOut)
	}
	ben := f.sb.Info().Clinics[0].Users[1].ID
	code, out, errOut = f.run("link", sam, "--practitioner", ben)
	if code != 0 || !strings.Contains(errOut, "for Dr. Ben Okafor") {
		t.Errorf("staff for Ben: exit %d\n%s", code, errOut)
	}

	// --open hands it to the browser (a stand-in xdg-open) and prints no URL.
	dir := t.TempDir()
	got := filepath.Join(dir, "opened")
	if err := os.WriteFile(filepath.Join(dir, "xdg-open"), []byte("#!/bin/sh\nprintf '%s' \"$1\" > '"+got+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := f.start([]string{"PATH=" + dir + ":" + os.Getenv("PATH")}, "link", ada, "--open")
	if code := p.wait(t); code != 0 || p.stdout.String() != "" || !strings.Contains(p.stderr.String(), "Opened Treatment plan in your browser") {
		t.Errorf("--open: exit %d stdout %q stderr %s", code, p.stdout.String(), p.stderr.String())
	}
	if b, _ := os.ReadFile(got); !strings.HasPrefix(string(b), linkPrefix) {
		t.Errorf("the browser got %q", b)
	}
	// A browser that does not open is an error, with the reason.
	if err := os.WriteFile(filepath.Join(dir, "xdg-open"), []byte("#!/bin/sh\necho 'no method available' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p = f.start([]string{"PATH=" + dir + ":" + os.Getenv("PATH")}, "link", ada, "--open")
	if code := p.wait(t); code != 1 || !strings.Contains(p.stderr.String(), "Your browser did not open") || !strings.Contains(p.stderr.String(), "no method available") {
		t.Errorf("a failing browser: exit %d\n%s", code, p.stderr.String())
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"link", ada, "--patient-id", "p", "--patient-email", "a@b.c"}, "not both"},
		{[]string{"link", ada, "--patient-email", "nope"}, "not an email"},
		{[]string{"link", ada, "--feature", "orders"}, "not a Fullscript screen"},
	} {
		if code, _, errOut := f.run(tt.args...); code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, want 2 with %q\n%s", tt.args, code, tt.want, errOut)
		}
	}
}

func TestCLILinkWithoutTheScope(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true, Scopes: "clinic:read patients:read"})
	f.login("")
	code, out, errOut := f.run("link", "Riverside Wellness Clinic")
	if code != 1 || out != "" || !strings.Contains(errOut, "clinic:write") || !strings.Contains(errOut, "Sign in again") {
		t.Errorf("exit %d stdout %q\n%s", code, out, errOut)
	}
}
