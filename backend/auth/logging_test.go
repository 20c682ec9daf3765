package auth

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

// recorder keeps the form of every token request, to learn the code and
// PKCE verifier SignIn sent (nothing else exposes them).
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	sent []url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil {
			r.mu.Lock()
			r.sent = append(r.sent, form)
			r.mu.Unlock()
		}
	}
	return r.base.RoundTrip(req)
}

func (r *recorder) first(key string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.sent {
		if s := v.Get(key); s != "" {
			return s
		}
	}
	return ""
}

// A whole sign-in, stray requests, refresh, revoke and a dead refresh,
// logged at Debug: no secret in any line.
func TestLogsHoldNoSecrets(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	var logs bytes.Buffer
	var logMu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rec := &recorder{base: f.tokenHTTP.Transport}
	cfg := f.cfg
	cfg.Logger = log
	cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: rec}

	br := newBrowser(t)
	var state string
	var errs []string
	open := func(u string) error {
		base := parseAuthURL(t, u).listenerBase()
		for _, stray := range []string{"/nope?code=guess&state=guess", "/callback?code=guess", "/callback?code=guess&state=" + strings.Repeat("x", 43)} {
			if err := br.open(base + stray); err != nil {
				return err
			}
		}
		return br.open(u)
	}
	tok, err := SignIn(context.Background(), cfg, SignInOptions{
		Timeout:     5 * time.Second,
		OnAuthURL:   func(u string) { state = parseAuthURL(t, u).query.Get("state") },
		OpenBrowser: open,
	})
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	// A second sign-in whose browser opener fails and that is then cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	_, err = SignIn(ctx, cfg, SignInOptions{
		OnAuthURL:   func(string) {},
		OpenBrowser: func(u string) error { cancel(); return &url.Error{Op: "open", URL: u, Err: io.ErrUnexpectedEOF} },
	})
	errs = append(errs, err.Error())

	refreshed, err := Refresh(context.Background(), cfg, tok.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if err := Revoke(context.Background(), cfg, refreshed.AccessToken); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	_, err = Refresh(context.Background(), cfg, refreshed.RefreshToken) // dead now: invalid_grant, logged
	if err == nil {
		t.Fatal("Refresh after Revoke succeeded")
	}
	errs = append(errs, err.Error())
	bad := cfg
	bad.ClientSecret = "wrong-" + f.info.ClientSecret
	if err := Revoke(context.Background(), bad, tok.AccessToken); err == nil {
		t.Fatal("Revoke with a wrong secret succeeded")
	} else {
		errs = append(errs, err.Error())
	}

	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	secrets := map[string]string{
		"access token":           tok.AccessToken,
		"refresh token":          tok.RefreshToken,
		"refreshed access token": refreshed.AccessToken,
		"refreshed refresh":      refreshed.RefreshToken,
		"code":                   rec.first("code"),
		"state":                  state,
		"client secret":          f.info.ClientSecret,
		"PKCE verifier":          rec.first("code_verifier"),
	}
	mustNotContain(t, "the log", out, secrets)
	mustNotContain(t, "the errors", strings.Join(errs, "\n"), secrets)
	mustNotContain(t, "the success page", func() string { _, b := br.page(); return b }(), secrets)

	// The log is worth reading: each step left a line.
	for _, want := range []string{
		"sign-in: waiting for the browser", "path it does not serve", "reason=\"no state\"", "reason=\"wrong state\"",
		"callback accepted", "sign-in: signed in", "could not open the browser", "<authorization URL>",
		"token refreshed", "token revoked", "token refresh failed", "invalid_grant=true", "token revocation refused",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the log has no %q:\n%s", want, out)
		}
	}
	if testing.Verbose() {
		t.Logf("log:\n%s", out)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
