package companion

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

// An account's tokens and the client secret go only to the server that
// issued them: another sandbox answering at the sandbox address, or changed
// settings, get nothing, and the account is left as it was (issue 13,
// failure 6).
func TestTokensAreSentOnlyWhereTheyWereIssued(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")

	// Another sandbox (its own client id), counting what reaches it.
	other, err := sandbox.New(sandbox.Config{AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	var credentialed atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || strings.HasPrefix(r.URL.Path, "/api/oauth/token") || strings.HasPrefix(r.URL.Path, "/api/oauth/revoke") {
			credentialed.Add(1)
		}
		other.Handler().ServeHTTP(rw, r)
	}))
	defer srv.Close()
	other.SetBaseURL(srv.URL)
	w.env[EnvVarSandboxURL] = srv.URL

	ctx := context.Background()
	calls := []struct {
		name string
		call func() error
	}{
		{"refresh", func() error { _, err := w.svc.Refresh(ctx, a.ID); return err }},
		{"grant", func() error { _, err := w.svc.NewSessionGrant(ctx, a.ID); return err }},
		{"patients", func() error { _, err := w.svc.SearchPatients(ctx, a.ID, "", 1); return err }},
	}
	for _, c := range calls {
		err := c.call()
		if !errors.Is(err, errForeignIssuer) || !errors.Is(err, ErrUsage) {
			t.Errorf("%s against another sandbox: %v, want the foreign-issuer problem", c.name, err)
		}
		if v := ViewOf(err); !strings.Contains(v.Message, "does not send its sign-in there") || !strings.Contains(v.Fix, "sign in again") {
			t.Errorf("%s: said %q / %q", c.name, v.Message, v.Fix)
		}
	}
	if got, _ := w.svc.account(ctx, a.ID); got.Status != StatusValid {
		t.Errorf("account after the refusals: %s, want it kept valid", got.Status)
	}

	// Signing out still removes the account here; the revocation waits for
	// the server that issued the token, not this one.
	res, err := w.svc.SignOut(ctx, a.ID)
	if err != nil || res.Revoked || !res.Queued {
		t.Fatalf("sign out against another sandbox: %+v, %v; want queued", res, err)
	}
	if sent, waiting, err := w.svc.SendPendingSignOuts(ctx); err != nil || sent != 0 || waiting != 1 {
		t.Errorf("pending sign-outs against another sandbox: sent %d, waiting %d, %v", sent, waiting, err)
	}
	if n := credentialed.Load(); n != 0 {
		t.Errorf("%d requests with a token or to the token endpoints reached the other sandbox, want 0", n)
	}

	// Back to the sandbox that issued it: the queued revocation goes there.
	w.env[EnvVarSandboxURL] = w.base
	w.advance(time.Minute) // past the failed attempt's back-off
	if sent, waiting, err := w.svc.SendPendingSignOuts(ctx); err != nil || sent != 1 || waiting != 0 {
		t.Errorf("pending sign-outs at home: sent %d, waiting %d, %v", sent, waiting, err)
	}
}

// Outside the sandbox, the token endpoint is part of the issuer too: a
// setting that moves it keeps the old account's tokens home.
func TestCheckIssuer(t *testing.T) {
	home := Connection{ClientID: "c1"}
	home.Env.TokenURL = "https://api-us-snd.fullscript.io/api/oauth/token"
	moved := home
	moved.Env.TokenURL = "https://collector.example/api/oauth/token"
	otherClient := home
	otherClient.ClientID = "c2"
	tests := []struct {
		name string
		env  string
		conn Connection
		ok   bool
	}{
		{"same", "us-snd", home, true},
		{"token endpoint moved", "us-snd", moved, false},
		{"another client", "us-snd", otherClient, false},
		{"sandbox on another port", "local", moved, true},
		{"another sandbox", "local", otherClient, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkIssuer("Ann", tt.env, home.issuer(), tt.conn)
			if (err == nil) != tt.ok {
				t.Errorf("checkIssuer = %v, want ok %v", err, tt.ok)
			}
		})
	}
	if err := checkIssuer("Ann", "us-snd", Connection{}.issuer(), moved); err != nil {
		t.Errorf("a pair stored before issuers were kept: %v, want it bound at its next refresh", err)
	}
}
