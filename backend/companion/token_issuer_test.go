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

	"fullscript-companion/backend/fullscript"
	"fullscript-companion/backend/sandbox"
	"fullscript-companion/backend/store"
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
	ownMoved := moved
	ownMoved.ownSandbox = true
	home.Env.APIBase = "https://api-us-snd.fullscript.io/api"
	home.Env.RevokeURL = "https://api-us-snd.fullscript.io/api/oauth/revoke"
	apiMoved := home
	apiMoved.Env.APIBase = "https://collector.example/api"
	revokeMoved := home
	revokeMoved.Env.RevokeURL = "https://collector.example/api/oauth/revoke"
	tests := []struct {
		name string
		env  string
		conn Connection
		ok   bool
	}{
		{"same", "us-snd", home, true},
		{"token endpoint moved", "us-snd", moved, false},
		{"API moved, the token endpoint not", "custom", apiMoved, false},
		{"revoke endpoint moved", "custom", revokeMoved, false},
		{"another client", "us-snd", otherClient, false},
		{"the app's own sandbox on another port", "local", ownMoved, true},
		{"a sandbox over HTTP on another port", "local", moved, false},
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
	if err := checkIssuer("Ann", "us-snd", store.Issuer{}, moved); err != nil {
		t.Errorf("a pair stored before issuers were kept: %v, want it bound at its next refresh", err)
	}
}

// A setting that moves only the API or the revoke endpoint gets nothing:
// the access token goes to the token endpoint's server only, and so do
// the refresh token and the client secret (found by a review).
func TestMovedAPIOrRevokeEndpointGetsNoToken(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	ctx := context.Background()
	info, err := fullscript.FetchSandboxInfo(ctx, nil, w.base)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		EnvVarClientID: info.ClientID, EnvVarClientSecret: info.ClientSecret, EnvVarRedirectURI: info.RedirectURI, EnvVarPublicKey: info.PublicKey,
		"FULLSCRIPT_API_BASE": info.APIBase, "FULLSCRIPT_AUTHORIZE_URL": info.AuthorizeURL, "FULLSCRIPT_TOKEN_URL": info.TokenURL,
		"FULLSCRIPT_REVOKE_URL": info.RevokeURL, "FULLSCRIPT_EMBED_DOMAIN": info.EmbedDomain, "FULLSCRIPT_EMBED_ENV": info.EmbedEnv,
	} {
		w.env[k] = v
	}
	a, err := w.svc.SignIn(ctx, SignInRequest{Environment: "custom", OpenBrowser: browser, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var got atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		got.Add(1)
		rw.WriteHeader(http.StatusInternalServerError)
	}))
	defer collector.Close()
	w.env["FULLSCRIPT_API_BASE"] = collector.URL + "/api"
	if _, err := w.svc.NewSessionGrant(ctx, a.ID); !errors.Is(err, errForeignIssuer) {
		t.Errorf("grant with the API moved: %v, want the foreign-issuer problem", err)
	}
	w.env["FULLSCRIPT_API_BASE"] = info.APIBase
	w.env["FULLSCRIPT_REVOKE_URL"] = collector.URL + "/api/oauth/revoke"
	if res, err := w.svc.SignOut(ctx, a.ID); err != nil || res.Revoked || !res.Queued {
		t.Errorf("sign out with the revoke endpoint moved: %+v, %v; want it queued", res, err)
	}
	if n := got.Load(); n != 0 {
		t.Errorf("%d requests reached the moved address", n)
	}
}

// A server at the sandbox's address that copies the sandbox's client id
// (any local process can read it) gets nothing, and its answer cannot mark
// the account (found by a review).
func TestImpostorSandboxWithTheSameClientIDGetsNothing(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	ctx := context.Background()
	info, err := fullscript.FetchSandboxInfo(ctx, nil, w.base)
	if err != nil {
		t.Fatal(err)
	}
	impostor, err := sandbox.New(sandbox.Config{AutoApprove: true, ClientID: info.ClientID})
	if err != nil {
		t.Fatal(err)
	}
	var credentialed atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/oauth/") || r.Header.Get("Authorization") != "" {
			credentialed.Add(1)
		}
		impostor.Handler().ServeHTTP(rw, r)
	}))
	defer srv.Close()
	impostor.SetBaseURL(srv.URL)
	w.env[EnvVarSandboxURL] = srv.URL
	if _, err := w.svc.Refresh(ctx, a.ID); !errors.Is(err, errForeignIssuer) {
		t.Errorf("refresh at the impostor: %v, want the foreign-issuer problem", err)
	}
	if n := credentialed.Load(); n != 0 {
		t.Errorf("%d requests with a token or to the token endpoints reached the impostor", n)
	}
	if got, _ := w.svc.account(ctx, a.ID); got.Status != StatusValid {
		t.Errorf("account after the impostor: %s, want it kept valid", got.Status)
	}
}
