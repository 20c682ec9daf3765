package cli

import (
	"net"
	"strings"
	"testing"

	"fullscript-companion/backend/sandbox"
)

// A taken redirect port and an unusable redirect URI are this computer's
// settings, not Fullscript being away: exit 2 with the way out, never 4
// (issue 13, failure 4).
func TestCLILoginListenerErrorsAreSettings(t *testing.T) {
	f := newFixture(t, sandbox.Config{})
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name, redirect, want string
	}{
		{"the port is taken", "http://" + taken.Addr().String() + "/callback", "another program is using the redirect URI's port"},
		{"not a loopback address", "http://0.0.0.0:0/cb", "redirect URI in the settings cannot be used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := f.run("login", "--env", "local", "--sandbox-url", f.base, "--no-browser", "--redirect-uri", tt.redirect)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) || strings.Contains(stderr, "cannot be reached") {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d saying %q", code, stderr, ExitUsage, tt.want)
			}
		})
	}
}
