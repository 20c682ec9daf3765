package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fullscript-companion/backend/internal/syncbuf"
	"fullscript-companion/backend/sandbox"
)

func TestSandboxCommandServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncbuf.Buffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveSandbox(ctx, IO{Out: &out, Err: &errOut}, SandboxOptions{
			Addr:   "127.0.0.1:0",
			Config: sandbox.Config{AutoApprove: true, AllowOrigins: []string{"http://127.0.0.1:5173"}},
			Ready:  func(base string) { ready <- base },
		})
	}()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("sandbox ended early: %v\n%s", err, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox never became ready")
	}
	if got := out.String(); got != base+"\n" {
		t.Errorf("stdout = %q, want exactly the base URL line %q", got, base+"\n")
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("base URL %q is not on 127.0.0.1", base)
	}
	res, err := http.Get(base + "/_sandbox/info")
	if err != nil {
		t.Fatal(err)
	}
	var info sandbox.Info
	err = json.NewDecoder(res.Body).Decode(&info)
	res.Body.Close()
	if err != nil || !info.AutoApprove || info.APIBase != base+"/api" || len(info.AllowedOrigins) != 3 {
		t.Errorf("info = %+v (%v)", info, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("stop: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not stop when cancelled")
	}
	if _, err := http.Get(base + "/_sandbox/info"); err == nil {
		t.Error("still serving after stop")
	}
}

func TestSandboxCommandRejectsBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{args: []string{"sandbox", "--addr", "0.0.0.0:8787"}, want: "loopback IP only"},
		{args: []string{"sandbox", "--addr", "localhost:8787"}, want: "loopback IP only"},
		{args: []string{"sandbox", "--access-ttl", "0s"}, want: "--access-ttl must be positive"},
		{args: []string{"sandbox", "--allow-origin", "127.0.0.1:5173"}, want: "scheme://host"},
		{args: []string{"sandbox", "--bogus"}, want: "flag provided but not defined"},
		{args: []string{"sandbox", "extra"}, want: "takes no arguments"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := Run(context.Background(), tt.args, IO{Out: &out, Err: &errOut})
		if code == ExitOK || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want a failure mentioning %q", tt.args, code, errOut.String(), tt.want)
		}
		if out.Len() > 0 {
			t.Errorf("%v: wrote to stdout: %q", tt.args, out.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), []string{"sandbox", "--help"}, IO{Out: &out, Err: &errOut}); code != ExitOK || !strings.Contains(errOut.String(), "-allow-origin") {
		t.Errorf("--help: exit %d, %q", code, errOut.String())
	}
}

func TestSandboxCommandKeepsStateInAFile(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	var clientID string
	for range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		done := make(chan error, 1)
		go func() {
			done <- serveSandbox(ctx, IO{Out: io.Discard, Err: io.Discard}, SandboxOptions{Addr: "127.0.0.1:0", Config: sandbox.Config{StatePath: state}, Ready: func(b string) { ready <- b }})
		}()
		base := <-ready
		res, err := http.Get(base + "/_sandbox/info")
		if err != nil {
			t.Fatal(err)
		}
		var info sandbox.Info
		_ = json.NewDecoder(res.Body).Decode(&info)
		res.Body.Close()
		if clientID != "" && info.ClientID != clientID {
			t.Errorf("client id changed across runs with --state: %s then %s", clientID, info.ClientID)
		}
		clientID = info.ClientID
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestSandboxFlagsReachTheConfig(t *testing.T) {
	var errOut bytes.Buffer
	opts, err := parseSandboxFlags(IO{Out: io.Discard, Err: &errOut}, []string{
		"--addr", "127.0.0.1:0", "--production-origins", "--scopes", "clinic:read  patients:read",
		"--allow-origin", "https://app.example", "--strict-redirect", "--access-ttl", "90s",
	})
	if err != nil || opts == nil {
		t.Fatalf("parse: %v\n%s", err, errOut.String())
	}
	c := opts.Config
	if opts.Addr != "127.0.0.1:0" || !c.ProductionOrigins || c.Scopes != "clinic:read  patients:read" || !c.StrictRedirect ||
		c.AccessTTL != 90*time.Second || len(c.AllowOrigins) != 1 || c.AllowOrigins[0] != "https://app.example" {
		t.Errorf("options = %+v", opts)
	}
	// And the sandbox takes them: production origins and the scopes show in its info.
	sb, err := sandbox.New(c)
	if err != nil {
		t.Fatal(err)
	}
	if info := sb.Info(); !info.ProductionOrigins || info.Scopes != "clinic:read patients:read" {
		t.Errorf("info: production_origins %v, scopes %q", info.ProductionOrigins, info.Scopes)
	}
	if opts, err := parseSandboxFlags(IO{Out: io.Discard, Err: io.Discard}, []string{"--help"}); err != nil || opts != nil {
		t.Errorf("--help: %v %v, want nothing to run and no error", opts, err)
	}
}
