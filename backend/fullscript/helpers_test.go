package fullscript

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

const testRedirect = "http://127.0.0.1:9/callback"

// testEnv is a running sandbox and a client pointed at it.
type testEnv struct {
	t      *testing.T
	sb     *sandbox.Sandbox
	base   string
	client *Client
	http   *http.Client // for the OAuth steps: no redirect following
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvWith(t, sandbox.Config{AutoApprove: true})
}

func newTestEnvWith(t *testing.T, cfg sandbox.Config) *testEnv {
	t.Helper()
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = sb.Close(ctx)
	})
	return &testEnv{
		t: t, sb: sb, base: base,
		client: &Client{APIBase: base + "/api", HTTP: &http.Client{Timeout: 10 * time.Second}},
		http: &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

// session is what a sign-in yields.
type session struct{ access, userID, userType string }

// signIn runs the auto-approved authorization code flow as the user named
// by hint (an email or a user id; the first match wins).
func (e *testEnv) signIn(hint string) session {
	e.t.Helper()
	q := url.Values{"client_id": {e.sb.ClientID()}, "redirect_uri": {testRedirect}, "response_type": {"code"}, "login_hint": {hint}}
	res, err := e.http.Get(e.base + "/api/oauth/authorize?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound || loc.Query().Get("code") == "" {
		e.t.Fatalf("authorize: want a 302 with a code, got %d %v", res.StatusCode, loc)
	}
	var reply struct {
		OAuth struct {
			AccessToken   string `json:"access_token"`
			ResourceOwner struct {
				ID   string `json:"id"`
				Type string `json:"type"`
			} `json:"resource_owner"`
		} `json:"oauth"`
	}
	e.postJSON("/api/oauth/token", map[string]string{
		"grant_type": "authorization_code", "client_id": e.sb.ClientID(), "client_secret": e.sb.ClientSecret(),
		"code": loc.Query().Get("code"), "redirect_uri": testRedirect,
	}, &reply)
	if reply.OAuth.AccessToken == "" {
		e.t.Fatal("token reply has no access token")
	}
	return session{access: reply.OAuth.AccessToken, userID: reply.OAuth.ResourceOwner.ID, userType: reply.OAuth.ResourceOwner.Type}
}

// userID finds a seeded user by email in the clinic at index clinic.
func (e *testEnv) userID(email string, clinic int) string {
	e.t.Helper()
	for _, u := range e.sb.Info().Clinics[clinic].Users {
		if u.Email == email {
			return u.ID
		}
	}
	e.t.Fatalf("no seeded user %s in clinic %d", email, clinic)
	return ""
}

func (e *testEnv) revoke(token string) {
	e.t.Helper()
	e.postJSON("/api/oauth/revoke", map[string]string{"client_id": e.sb.ClientID(), "client_secret": e.sb.ClientSecret(), "token": token}, nil)
}

func (e *testEnv) postJSON(path string, body any, out any) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	res, err := e.http.Post(e.base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("POST %s: %d %s", path, res.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("POST %s: %v", path, err)
		}
	}
}

func (e *testEnv) fault(f sandbox.Fault) {
	e.t.Helper()
	if _, err := e.sb.AddFault(f); err != nil {
		e.t.Fatal(err)
	}
}

// clearFaults removes every injected fault (the sandbox does this over HTTP only).
func (e *testEnv) clearFaults(t *testing.T) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, e.base+"/_sandbox/faults", nil)
	res, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("clear faults: %s", res.Status)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func asAPIError(t *testing.T, err error) *APIError {
	t.Helper()
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want an *APIError, got %T: %v", err, err)
	}
	return ae
}
