package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a sandbox listening on loopback, and a client that does not
// follow redirects (the redirect is what OAuth tests look at).
type env struct {
	t      *testing.T
	sb     *Sandbox
	base   string
	clock  *fakeClock
	client *http.Client
}

const testRedirect = "http://127.0.0.1:49152/callback"

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	sb, err := New(cfg)
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
		if err := sb.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &env{t: t, sb: sb, base: base, clock: clock, client: &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("reply is not a JSON object (%d): %v\n%s", r.status, err, r.body)
	}
	return m
}

func (e *env) do(method, path string, body io.Reader, header map[string]string) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v // what a rebound name would send
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Header.Get(RequestIDHeader) == "" {
		e.t.Errorf("%s %s: no %s header", method, path, RequestIDHeader)
	}
	return reply{status: res.StatusCode, header: res.Header, body: b}
}

func (e *env) get(path, token string) reply {
	e.t.Helper()
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return e.do(http.MethodGet, path, nil, h)
}

func (e *env) postJSON(path, token string, v any) reply {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	h := map[string]string{"Content-Type": "application/json"}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return e.do(http.MethodPost, path, bytes.NewReader(b), h)
}

func (e *env) postForm(path string, v url.Values) reply {
	e.t.Helper()
	return e.do(http.MethodPost, path, strings.NewReader(v.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// authorizeQuery is a valid authorization request for the built-in client.
func (e *env) authorizeQuery(extra url.Values) url.Values {
	q := url.Values{"client_id": {e.sb.ClientID()}, "redirect_uri": {testRedirect}, "response_type": {"code"}, "state": {"st-123"}}
	for k, v := range extra {
		q[k] = v
	}
	return q
}

// redirectParams follows nothing: it reads the Location of a 302.
func (e *env) redirectParams(r reply) url.Values {
	e.t.Helper()
	if r.status != http.StatusFound {
		e.t.Fatalf("want a 302 redirect, got %d:\n%s", r.status, r.body)
	}
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Query()
}

// code runs an auto-approved authorization and returns the code.
func (e *env) code(extra url.Values) string {
	e.t.Helper()
	p := e.redirectParams(e.get("/api/oauth/authorize?"+e.authorizeQuery(extra).Encode(), ""))
	if p.Get("code") == "" {
		e.t.Fatalf("no code in redirect: %v", p)
	}
	return p.Get("code")
}

func (e *env) exchange(code string, extra map[string]string) reply {
	e.t.Helper()
	body := map[string]string{"grant_type": "authorization_code", "client_id": e.sb.ClientID(), "client_secret": e.sb.ClientSecret(), "code": code, "redirect_uri": testRedirect}
	for k, v := range extra {
		body[k] = v
	}
	return e.postJSON("/api/oauth/token", "", body)
}

type tokens struct{ access, refresh, userID, userType string }

func tokensOf(t *testing.T, r reply) tokens {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("token request: %d %s", r.status, r.body)
	}
	o, ok := r.json(t)["oauth"].(map[string]any)
	if !ok {
		t.Fatalf("no oauth envelope: %s", r.body)
	}
	owner, _ := o["resource_owner"].(map[string]any)
	str := func(v any) string { s, _ := v.(string); return s }
	return tokens{access: str(o["access_token"]), refresh: str(o["refresh_token"]), userID: str(owner["id"]), userType: str(owner["type"])}
}

// signIn runs the whole auto-approved flow for the user named by hint.
func (e *env) signIn(hint string) tokens {
	e.t.Helper()
	extra := url.Values{}
	if hint != "" {
		extra.Set("login_hint", hint)
	}
	return tokensOf(e.t, e.exchange(e.code(extra), nil))
}

func (e *env) refresh(rt string) reply {
	e.t.Helper()
	return e.postJSON("/api/oauth/token", "", map[string]string{"grant_type": "refresh_token", "client_id": e.sb.ClientID(), "client_secret": e.sb.ClientSecret(), "refresh_token": rt})
}

func (e *env) pairStatus(access string) string {
	e.t.Helper()
	for _, p := range e.sb.Snapshot().Tokens {
		if p.AccessToken == access {
			return p.Status
		}
	}
	e.t.Fatalf("no pair with that access token")
	return ""
}

func oauthErrorOf(t *testing.T, r reply) string {
	t.Helper()
	s, _ := r.json(t)["error"].(string)
	return s
}

// seeded users, by email and clinic order.
func (e *env) user(email string, clinic int) User {
	e.t.Helper()
	info := e.sb.Info()
	for _, u := range info.Clinics[clinic].Users {
		if u.Email == email {
			return User{ID: u.ID, ClinicID: info.Clinics[clinic].ID, Type: u.Type}
		}
	}
	e.t.Fatalf("no seeded user %s in clinic %d", email, clinic)
	return User{}
}
