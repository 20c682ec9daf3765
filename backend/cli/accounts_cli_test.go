package cli

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

func TestCLISignInListGrantRefreshSignOut(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	info := f.sb.Info()
	out := f.login("")
	if !strings.Contains(out, "Signed in as Dr. Ada Moss (Practitioner) at Riverside Wellness Clinic [local].") {
		t.Errorf("login output:\n%s", out)
	}
	authURL, _ := url.Parse(firstLine(out))
	redirect, _ := url.Parse(authURL.Query().Get("redirect_uri"))
	if redirect.Hostname() != "127.0.0.1" || redirect.Port() == "" || redirect.Path != "/callback" {
		t.Errorf("redirect_uri = %s, want http://127.0.0.1:<port>/callback", redirect)
	}
	if authURL.Query().Get("code_challenge_method") != "S256" || authURL.Query().Get("state") == "" {
		t.Errorf("authorize URL lacks PKCE or state: %s", authURL.Query().Encode())
	}
	f.login(info.Clinics[1].Users[1].ID) // Ada at Northside: a second account

	r := f.accounts()
	if len(r.Accounts) != 2 || r.KeyStorage != "key-file" || r.KeyStorageNote == "" {
		t.Fatalf("accounts = %+v", r)
	}
	for _, a := range r.Accounts {
		if a.ID == "" || a.Env != "local" || a.ClinicID == "" || a.UserID == "" || a.UserType != "Practitioner" || a.Status != "valid" || a.AccessExpiresAt == nil {
			t.Errorf("account = %+v", a)
		}
	}
	code, human, _ := f.run("accounts")
	if code != 0 || !strings.Contains(human, "Northside Integrative Health [local]") || !strings.Contains(human, "Key storage: key file") || !strings.Contains(human, "default") {
		t.Errorf("accounts (human): exit %d\n%s", code, human)
	}

	code, grantOut, stderr := f.run("grant", "Riverside Wellness Clinic", "--json")
	var g struct {
		SecretToken string    `json:"secret_token"`
		ExpiresAt   time.Time `json:"expires_at"`
		Env         string    `json:"env"`
		Domain      string    `json:"domain"`
		PublicKey   string    `json:"public_key"`
	}
	if code != 0 || json.Unmarshal([]byte(grantOut), &g) != nil || g.SecretToken == "" || g.Domain != info.EmbedDomain || g.PublicKey != info.PublicKey || g.Env != info.EmbedEnv {
		t.Fatalf("grant: exit %d %s %s", code, grantOut, stderr)
	}
	var found bool
	for _, sg := range f.sb.Snapshot().Grants {
		found = found || (sg.SecretToken == g.SecretToken && sg.ClaimedAt == nil)
	}
	if !found {
		t.Error("the printed grant is not one the sandbox issued")
	}

	riverside := r.Accounts[0]
	if riverside.ClinicName != "Riverside Wellness Clinic" {
		riverside = r.Accounts[1]
	}
	before := f.pairs()
	if code, out, errOut := f.run("refresh", riverside.ID); code != 0 || !strings.Contains(out, "Refreshed") {
		t.Errorf("refresh: exit %d %s %s", code, out, errOut)
	}
	if f.pairs() != before+1 {
		t.Error("refresh made no new pair")
	}
	if code, out, errOut := f.run("signout", riverside.ID[:8]); code != 0 || !strings.Contains(out, "Fullscript revoked the sign-in") {
		t.Errorf("signout: exit %d %s %s", code, out, errOut)
	}
	if r := f.accounts(); len(r.Accounts) != 1 {
		t.Errorf("after signout: %d accounts", len(r.Accounts))
	}
	assertNoSecrets(t, f)
}

// assertNoSecrets: no access or refresh token, and not the client secret,
// in anything any CLI process printed (logs at debug included) or in any
// file of the data folder.
func assertNoSecrets(t *testing.T, f *fixture) {
	t.Helper()
	secrets := []string{f.sb.ClientSecret()}
	for _, p := range f.sb.Snapshot().Tokens {
		secrets = append(secrets, p.AccessToken, p.RefreshToken)
	}
	output := f.allOutput()
	if !strings.Contains(output, "level=DEBUG") && !strings.Contains(output, "level=INFO") {
		t.Error("no log lines were captured: the check would prove nothing")
	}
	for _, s := range secrets {
		if strings.Contains(output, s) {
			t.Errorf("CLI output holds a secret ending ...%s", s[len(s)-6:])
		}
	}
	_ = filepath.Walk(f.dataDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		raw, _ := os.ReadFile(path)
		for _, s := range secrets {
			if strings.Contains(string(raw), s) {
				t.Errorf("%s holds a secret in the clear", path)
			}
		}
		return nil
	})
}

func TestCLILoginEndsCleanly(t *testing.T) {
	f := newFixture(t, sandbox.Config{})
	info := f.sb.Info()

	t.Run("stray callbacks, then denied", func(t *testing.T) {
		p := f.start(nil, "login", "--env", "local", "--sandbox-url", f.base, "--no-browser")
		authURL, _ := url.Parse(firstLine(waitFor(t, "login stdout", p.stdout.String, "\n")))
		callback := authURL.Query().Get("redirect_uri")
		// A wrong state and a replayed-looking code do not end the attempt.
		for _, q := range []string{"?code=abc&state=wrong", "?code=abc", "?error=access_denied&state=forged"} {
			if res := browse(t, callback+q); res.StatusCode != http.StatusBadRequest {
				t.Errorf("stray %s: %d, want 400", q, res.StatusCode)
			}
		}
		select {
		case <-p.done:
			t.Fatalf("a stray request ended the attempt: %s", p.stderr.String())
		default:
		}
		// The person says no on the consent page.
		page := browse(t, authURL.String())
		if page.StatusCode != 200 {
			t.Fatalf("consent page: %d", page.StatusCode)
		}
		res, err := http.Get(callback + "?error=access_denied&state=" + authURL.Query().Get("state"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if code := p.wait(t); code != ExitError || !strings.Contains(p.stderr.String(), "Access was not granted") {
			t.Errorf("denied: exit %d\n%s", code, p.stderr.String())
		}
		if _, err := net.DialTimeout("tcp", strings.TrimPrefix(strings.TrimSuffix(callback, "/callback"), "http://"), time.Second); err == nil {
			t.Error("the listener is still open after the attempt ended")
		}
	})

	t.Run("timeout", func(t *testing.T) {
		p := f.start(nil, "login", "--env", "local", "--sandbox-url", f.base, "--no-browser", "--timeout", "300ms")
		if code := p.wait(t); code != ExitError || !strings.Contains(p.stderr.String(), "did not come back in time") {
			t.Errorf("timeout: exit %d\n%s", code, p.stderr.String())
		}
	})

	t.Run("cancel with Ctrl-C", func(t *testing.T) {
		p := f.start(nil, "login", "--env", "local", "--sandbox-url", f.base, "--no-browser")
		waitFor(t, "login stdout", p.stdout.String, "\n")
		if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		if code := p.wait(t); code != ExitError || !strings.Contains(p.stderr.String(), "cancelled") {
			t.Errorf("cancel: exit %d\n%s", code, p.stderr.String())
		}
	})

	t.Run("approved, and the code cannot be replayed", func(t *testing.T) {
		p := f.start(nil, "login", "--env", "local", "--sandbox-url", f.base, "--no-browser")
		authURL, _ := url.Parse(firstLine(waitFor(t, "login stdout", p.stdout.String, "\n")))
		// Approve on the consent page as Sam (staff), by hand.
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		page, err := client.Get(authURL.String())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(page.Body)
		page.Body.Close()
		request := between(string(body), `name="request" value="`, `"`)
		sam := info.Clinics[0].Users[2]
		res, err := client.PostForm(f.base+"/api/oauth/authorize", url.Values{"request": {request}, "decision": {"approve"}, "user_id": {sam.ID}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		callback := res.Header.Get("Location")
		browse(t, callback)
		if code := p.wait(t); code != 0 || !strings.Contains(p.stdout.String(), "Sam Rivera (Staff)") {
			t.Fatalf("approve: exit %d\n%s\n%s", code, p.stdout.String(), p.stderr.String())
		}
		if _, err := http.Get(callback); err == nil {
			t.Error("replaying the callback reached a listener; it must be closed")
		}
	})
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}

func TestCLITwoProcessesRefreshOnce(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true, AccessTTL: 2 * time.Second})
	f.login("")
	time.Sleep(2100 * time.Millisecond) // the access token expires
	// Slow the token endpoint, so the two processes surely overlap.
	if _, err := f.sb.AddFault(sandbox.Fault{Path: "/api/oauth/token", Kind: sandbox.FaultLatency, LatencyMS: 400}); err != nil {
		t.Fatal(err)
	}
	before := f.pairs()
	a, b := f.start(nil, "grant", "Riverside Wellness Clinic"), f.start(nil, "grant", "Riverside Wellness Clinic")
	if ca, cb := a.wait(t), b.wait(t); ca != 0 || cb != 0 {
		t.Fatalf("grants: exit %d and %d\n%s\n%s", ca, cb, a.stderr.String(), b.stderr.String())
	}
	if got := f.pairs() - before; got != 1 {
		t.Errorf("two processes made %d refreshes, want exactly 1", got)
	}
	if a.stdout.String() == b.stdout.String() {
		t.Error("two grant commands printed the same secret token")
	}
}

func TestCLIKilledBeforeCommitLosesNothing(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true, AccessTTL: 2 * time.Second})
	f.login("")
	time.Sleep(2100 * time.Millisecond)
	p := f.start([]string{"FULLSCRIPT_COMPANION_TEST_HOOK=pause-before-commit"}, "refresh", "Riverside Wellness Clinic")
	waitFor(t, "refresh stderr", p.stderr.String, "test hook: paused before commit")
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
	// Fullscript rotated the pair; the vault still has the old one.
	st := f.sb.Snapshot()
	if len(st.Tokens) != 2 || st.Tokens[0].Status != "rotated" {
		t.Fatalf("sandbox after the kill: %+v", st.Tokens)
	}
	r := f.accounts()
	if len(r.Accounts) != 1 || r.Accounts[0].Status == "needs_sign_in" {
		t.Fatalf("after the kill: %+v", r.Accounts)
	}
	// The next command refreshes again with the old refresh token, which
	// Fullscript still honours because the new access token was never used.
	if code, _, errOut := f.run("grant", "Riverside Wellness Clinic"); code != 0 {
		t.Fatalf("grant after the kill: exit %d\n%s", code, errOut)
	}
	if r := f.accounts(); r.Accounts[0].Status != "valid" {
		t.Errorf("account after recovery: %+v", r.Accounts[0])
	}
}

func TestCLIOffline(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	info := f.sb.Info()
	f.login("")
	f.login(info.Clinics[1].Users[0].ID) // Chloe at Northside
	f.stopSandbox()

	code, out, _ := f.run("accounts")
	if code != 0 || !strings.Contains(out, "Riverside Wellness Clinic") || !strings.Contains(out, "Northside Integrative Health") {
		t.Fatalf("accounts offline: exit %d\n%s", code, out)
	}
	code, out, errOut := f.run("signout", "Riverside Wellness Clinic")
	if code != 0 || !strings.Contains(out, "could not be reached") {
		t.Fatalf("signout offline: exit %d\n%s\n%s", code, out, errOut)
	}
	if r := f.accounts(); len(r.Accounts) != 1 || r.PendingSignOuts != 1 {
		t.Errorf("after offline signout: %+v", r)
	}

	f.startSandbox()
	code, _, errOut = f.run("refresh", "Northside Integrative Health")
	if code != 0 || !strings.Contains(errOut, "Sent 1 pending sign-out") {
		t.Fatalf("refresh once back online: exit %d\n%s", code, errOut)
	}
	if r := f.accounts(); r.PendingSignOuts != 0 {
		t.Errorf("queue not drained: %+v", r)
	}
	for _, p := range f.sb.Snapshot().Tokens {
		if p.ClinicID == info.Clinics[0].ID && p.Status != "revoked" {
			t.Errorf("the signed-out account's pair is %s at Fullscript, want revoked", p.Status)
		}
	}
	assertNoSecrets(t, f)
}

func TestCLIExitCodes(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	info := f.sb.Info()
	f.login("")
	f.login(info.Clinics[1].Users[1].ID)
	tests := []struct {
		name  string
		setup func()
		args  []string
		code  int
		text  string
	}{
		{name: "no such account", args: []string{"refresh", "Nowhere Clinic"}, code: ExitNoAccount, text: `No account matches "Nowhere Clinic"`},
		{name: "no account named", args: []string{"grant"}, code: ExitUsage, text: "name the account"},
		{name: "unknown environment", args: []string{"login", "--env", "eu"}, code: ExitUsage, text: "--env"},
		{name: "missing client id", args: []string{"login", "--env", "us-snd"}, code: ExitUsage, text: "FULLSCRIPT_CLIENT_ID"},
		{name: "revoked elsewhere: needs sign-in", setup: func() {
			_, _ = f.sb.AddFault(sandbox.Fault{Path: "/api/oauth/token", Kind: sandbox.FaultInvalidGrant, Count: 1})
		}, args: []string{"refresh", "Riverside Wellness Clinic"}, code: ExitNeedsSignIn, text: "login --env local"},
		{name: "offline", setup: f.stopSandbox, args: []string{"refresh", "Northside Integrative Health"}, code: ExitOffline, text: "not answering"},
	}
	for _, tt := range tests {
		if tt.setup != nil {
			tt.setup()
		}
		code, _, errOut := f.run(tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.text) {
			t.Errorf("%s: exit %d, want %d with %q\n%s", tt.name, code, tt.code, tt.text, errOut)
		}
	}
	// The account that needs sign-in is listed as such, with the fix.
	if code, out, _ := f.run("accounts"); code != 0 || !strings.Contains(out, "needs sign-in") || !strings.Contains(out, "fix:       fullscript-companion login --env local") {
		t.Errorf("accounts: %s", out)
	}
}
