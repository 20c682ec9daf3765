package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func (e *env) addFault(f map[string]any) reply {
	e.t.Helper()
	return e.postJSON("/_sandbox/faults", "", f)
}

func TestFaults(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	tok := e.signIn("")
	tests := []struct {
		name  string
		fault map[string]any
		check func(t *testing.T, r reply)
	}{
		{
			name:  "status with a Fullscript-like body",
			fault: map[string]any{"path": "/api/clinic", "kind": "status", "status": 503, "count": 1},
			check: func(t *testing.T, r reply) {
				if r.status != 503 || r.json(t)["error"] != "Service Unavailable" {
					t.Errorf("%d %s", r.status, r.body)
				}
			},
		},
		{
			name:  "status with a custom body",
			fault: map[string]any{"path": "/api/clinic", "kind": "status", "status": 403, "body": `{"errors":["Missing scope: clinic:read"]}`, "count": 1},
			check: func(t *testing.T, r reply) {
				if r.status != 403 || !strings.Contains(string(r.body), "Missing scope") {
					t.Errorf("%d %s", r.status, r.body)
				}
			},
		},
		{
			name:  "rate limit",
			fault: map[string]any{"path": "/api/clinic*", "kind": "rate_limit", "retry_after": 7, "count": 1},
			check: func(t *testing.T, r reply) {
				if r.status != 429 || r.header.Get("Retry-After") != "7" {
					t.Errorf("%d %v", r.status, r.header)
				}
			},
		},
		{
			name:  "malformed JSON",
			fault: map[string]any{"path": "/api/clinic", "kind": "malformed", "count": 1},
			check: func(t *testing.T, r reply) {
				if r.status != 200 || json.Valid(r.body) {
					t.Errorf("%d %s: want a 200 with broken JSON", r.status, r.body)
				}
			},
		},
		{
			name:  "latency, then the real answer",
			fault: map[string]any{"path": "/api/clinic", "kind": "latency", "latency_ms": 150, "count": 1},
			check: func(t *testing.T, r reply) {
				if r.status != 200 || r.json(t)["clinic"] == nil {
					t.Errorf("%d %s", r.status, r.body)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := e.addFault(tt.fault); r.status != 201 || r.json(t)["id"] == "" {
				t.Fatalf("add fault: %d %s", r.status, r.body)
			}
			start := time.Now()
			tt.check(t, e.get("/api/clinic", tok.access))
			if ms, _ := tt.fault["latency_ms"].(int); time.Since(start) < time.Duration(ms)*time.Millisecond {
				t.Errorf("answered before the injected latency")
			}
			// count 1: the next request is normal again.
			if r := e.get("/api/clinic", tok.access); r.status != 200 {
				t.Errorf("after the fault: %d", r.status)
			}
		})
	}
}

func TestFaultMatchesMethodAndCountsUntilCleared(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	tok := e.signIn("")
	e.addFault(map[string]any{"method": "post", "path": "/api/clinic/patients", "kind": "status", "status": 500})
	if r := e.get("/api/clinic/patients", tok.access); r.status != 200 {
		t.Errorf("GET hit a POST fault: %d", r.status)
	}
	for i := range 3 {
		if r := e.postJSON("/api/clinic/patients", tok.access, map[string]any{}); r.status != 500 {
			t.Errorf("POST %d: %d, want 500 until cleared", i, r.status)
		}
	}
	faults := e.get("/_sandbox/faults", "").json(t)["faults"].([]any)
	if len(faults) != 1 || faults[0].(map[string]any)["hits"] != 3.0 {
		t.Errorf("fault list = %v", faults)
	}
	if r := e.do("DELETE", "/_sandbox/faults", nil, nil); r.json(t)["cleared"] != 1.0 {
		t.Errorf("clear: %s", r.body)
	}
	if r := e.postJSON("/api/clinic/patients", tok.access, map[string]any{}); r.status != 422 {
		t.Errorf("after clearing: %d, want the real 422", r.status)
	}
	// Control routes are never faulted.
	e.addFault(map[string]any{"path": "/*", "kind": "status", "status": 500})
	if r := e.get("/_sandbox/state", ""); r.status != 200 {
		t.Errorf("state under a catch-all fault: %d", r.status)
	}
	id := e.get("/_sandbox/faults", "").json(t)["faults"].([]any)[0].(map[string]any)["id"].(string)
	if r := e.do("DELETE", "/_sandbox/faults?id="+id, nil, nil); r.json(t)["cleared"] != 1.0 {
		t.Errorf("clear by id: %s", r.body)
	}
}

func TestInvalidGrantFaultHitsRefreshOnly(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	e.addFault(map[string]any{"path": "/api/oauth/token", "kind": "invalid_grant", "count": 1})
	tok := e.signIn("") // an authorization_code grant passes through
	if r := e.refresh(tok.refresh); r.status != 400 || oauthErrorOf(t, r) != "invalid_grant" {
		t.Errorf("refresh under the fault: %d %s", r.status, r.body)
	}
	if r := e.refresh(tok.refresh); r.status != 200 {
		t.Errorf("the refresh token was really spent by a fault: %d %s", r.status, r.body)
	}
}

func TestDropFaultClosesTheConnection(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	e.addFault(map[string]any{"path": "/api/oauth/token", "kind": "drop", "count": 1})
	res, err := e.client.Post(e.base+"/api/oauth/token", "application/json", strings.NewReader(`{}`))
	if err == nil {
		res.Body.Close()
		t.Fatalf("got a reply (%d), want a dropped connection", res.StatusCode)
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Errorf("error = %v, want EOF or reset", err)
	}
	if tok := e.signIn(""); tok.access == "" {
		t.Error("sign-in after the drop failed")
	}
}

func TestFaultValidation(t *testing.T) {
	e := newEnv(t, Config{})
	tests := []struct {
		fault map[string]any
		want  string
	}{
		{fault: map[string]any{"path": "/api/clinic", "kind": "boom"}, want: "unknown fault kind"},
		{fault: map[string]any{"path": "/api/clinic", "kind": "status"}, want: "status between"},
		{fault: map[string]any{"path": "api/clinic", "kind": "drop"}, want: "must start with"},
		{fault: map[string]any{"path": "/_sandbox/info", "kind": "drop"}, want: "cannot be faulted"},
		{fault: map[string]any{"path": "/api/clinic", "kind": "latency"}, want: "latency_ms"},
		{fault: map[string]any{"path": "/api/clinic", "kind": "drop", "count": -1}, want: "negative"},
		{fault: map[string]any{"path": "/api/clinic", "kind": "drop", "times": 2}, want: "unknown field"},
	}
	for _, tt := range tests {
		r := e.addFault(tt.fault)
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), tt.want) {
			t.Errorf("%v: %d %s, want 400 with %q", tt.fault, r.status, r.body, tt.want)
		}
	}
}

func TestInfoAndState(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true, AllowOrigins: []string{hostOrigin}, AccessTTL: 90 * time.Second})
	info := e.get("/_sandbox/info", "").json(t)
	for _, k := range []string{"client_id", "client_secret", "public_key", "authorize_url", "token_url", "revoke_url", "api_base", "embed_domain"} {
		v, _ := info[k].(string)
		if v == "" {
			t.Errorf("info has no %s", k)
		}
	}
	if info["authorize_url"] != e.base+"/api/oauth/authorize" || info["api_base"] != e.base+"/api" || info["embed_domain"] != e.base ||
		info["redirect_uri"] != DefaultRedirectURI || info["access_ttl_seconds"] != 90.0 {
		t.Errorf("info = %v", info)
	}
	origins := info["allowed_origins"].([]any)
	if len(origins) != 3 || origins[0] != "wails://wails" || origins[2] != hostOrigin {
		t.Errorf("allowed_origins = %v", origins)
	}
	if n := len(info["clinics"].([]any)); n != 2 {
		t.Errorf("%d clinics", n)
	}
	tok := e.signIn("")
	e.grant(tok.access)
	st := e.get("/_sandbox/state", "").json(t)
	if len(st["codes"].([]any)) != 1 || len(st["tokens"].([]any)) != 1 || len(st["grants"].([]any)) != 1 {
		t.Errorf("state = %v", st)
	}
	pair := st["tokens"].([]any)[0].(map[string]any)
	if pair["status"] != statusLive || pair["access_token"] != tok.access {
		t.Errorf("pair = %v", pair)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{cfg: Config{AllowOrigins: []string{"127.0.0.1:5173"}}, want: "scheme://host"},
		{cfg: Config{AllowOrigins: []string{"http://127.0.0.1:5173/app"}}, want: "no path"},
		{cfg: Config{RedirectURIs: []string{"/callback"}}, want: "scheme and a host"},
		{cfg: Config{AccessTTL: -time.Second}, want: "positive"},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want an error with %q", tt.cfg, err, tt.want)
		}
	}
}

func TestStartListensOnLoopbackOnly(t *testing.T) {
	sb, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"0.0.0.0:0", ":0", "localhost:0", "192.168.1.10:0", "127.0.0.1"} {
		if _, err := sb.Start(addr); err == nil {
			t.Errorf("Start(%q) listened; want a loopback-only refusal", addr)
		}
	}
}

func TestInvalidSecretTokenFault(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true, AllowOrigins: []string{hostOrigin}})
	tok := e.signIn("")
	if r := e.addFault(map[string]any{"path": "/api/embeddable/session/*", "kind": "invalid_secret_token", "count": 1}); r.status != 201 {
		t.Fatalf("add fault: %d %s", r.status, r.body)
	}
	secret := e.grant(tok.access)
	page := e.embedURL("/api/embeddable/session/embed/entry", secret, "", hostOrigin, "")
	r := e.get(page, "")
	if r.status != 200 || !strings.Contains(string(r.body), "INVALID_SECRET_TOKEN: injected fault") || r.header.Get("Content-Security-Policy") != embedCSP(hostOrigin) {
		t.Errorf("faulted page: %d %v\n%s", r.status, r.header, r.body)
	}
	// The grant was not spent: the same one opens the page once the fault is used up.
	if r := e.get(page, ""); r.status != 200 || !strings.Contains(string(r.body), "Activate treatment plan") {
		t.Errorf("after the fault: %d", r.status)
	}
	// Tokenize and the page's buttons are not Embed pages: never faulted.
	e.addFault(map[string]any{"path": "/api/embeddable/*", "kind": "invalid_secret_token"})
	if r := e.tokenize(hostOrigin, map[string]any{"first_name": "A"}); r.status != 200 {
		t.Errorf("tokenize under the fault: %d", r.status)
	}
}

// Once Close returns, the port refuses: a client that finds the sandbox
// stopped sees "connection refused", never a connection that is reset.
func TestCloseRefusesAtOnce(t *testing.T) {
	for range 50 {
		sb, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		base, err := sb.Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if err := sb.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second)
		if err == nil {
			conn.Close()
			t.Fatalf("%s still accepts connections after Close", base)
		}
	}
}
