package cli

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The man page is made from each command's own --help: every command and
// every flag a command takes is on it, and roff reads it without a warning.
func TestManPageCoversEveryCommandAndFlag(t *testing.T) {
	var page bytes.Buffer
	if err := WriteManPage(&page, "v1.2.3", time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	text := page.String()
	if !strings.HasPrefix(text, `.TH FULLSCRIPT-COMPANION 1 "2026-12-02" "fullscript-companion v1.2.3"`) {
		t.Errorf("man page starts %q", strings.SplitN(text, "\n", 2)[0])
	}
	for _, c := range commands() {
		if c.name == "help" || c.name == "version" {
			continue
		}
		if !strings.Contains(text, ".SS "+c.name+"\n") {
			t.Errorf("no section for %s", c.name)
		}
		var help bytes.Buffer
		if err := c.run(context.Background(), IO{Out: &help, Err: &help}, []string{"--help"}); err != nil {
			t.Fatalf("%s --help: %v", c.name, err)
		}
		for _, line := range strings.Split(help.String(), "\n") {
			if name, ok := strings.CutPrefix(line, "  -"); ok {
				name, _, _ = strings.Cut(name, " ")
				if !strings.Contains(text, `\fB\-\-`+roffText(name)+`\fR`) {
					t.Errorf("%s --%s is not on the man page", c.name, name)
				}
			}
		}
	}
	for _, want := range []string{".SS open", `\-\-patient\-email`, ".SH LINKS", "fullscript\\-companion://open?", ".SH EXIT STATUS"} {
		if !strings.Contains(text, want) {
			t.Errorf("man page lacks %q", want)
		}
	}

	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Fatalf("groff is needed to check the man page (apt-get install groff-base; make deps installs it): %v", err)
	}
	cmd := exec.Command(groff, "-man", "-ww", "-z", "-Tutf8")
	cmd.Stdin = &page
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("groff reports: %v\n%s", err, out)
	}
}
