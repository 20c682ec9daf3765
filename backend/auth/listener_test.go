package auth

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseRedirect(t *testing.T) {
	tests := []struct {
		raw      string
		bind     string
		fixed    bool
		withPort string // the URI sent for port 5555
	}{
		{"http://127.0.0.1/callback", "127.0.0.1", false, "http://127.0.0.1:5555/callback"},
		{"http://127.0.0.1:0/callback", "127.0.0.1", false, "http://127.0.0.1:5555/callback"},
		{"http://127.0.0.1:8765/callback", "127.0.0.1", true, "http://127.0.0.1:5555/callback"},
		{"http://localhost:8765/fs/oauth/callback", "127.0.0.1", true, "http://localhost:5555/fs/oauth/callback"},
		{"http://LocalHost/cb", "127.0.0.1", false, "http://LocalHost:5555/cb"},
		{"http://[::1]/callback", "::1", false, "http://[::1]:5555/callback"},
		{"http://[::1]:8765/callback?app=companion", "::1", true, "http://[::1]:5555/callback?app=companion"},
		{"http://127.0.0.1:8765/", "127.0.0.1", true, "http://127.0.0.1:5555/"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			r, err := parseRedirect(tt.raw)
			if err != nil {
				t.Fatalf("parseRedirect: %v", err)
			}
			if r.bindHost != tt.bind || r.fixedPort() != tt.fixed {
				t.Errorf("bind %s fixed %v, want %s %v", r.bindHost, r.fixedPort(), tt.bind, tt.fixed)
			}
			if got := r.withPort(5555); got != tt.withPort {
				t.Errorf("withPort = %s, want %s", got, tt.withPort)
			}
		})
	}
}

// The handler accepts one callback with the right state; everything
// before and after gets a page and leaves the outcome alone.
func TestCallbackHandler(t *testing.T) {
	const state = "the-state"
	type step struct {
		method, target string
		wantStatus     int
		wantText       string
	}
	exchangeOK := func(code string) (*Token, error) { return &Token{AccessToken: "at-" + code}, nil }
	exchangeFails := func(string) (*Token, error) {
		return nil, &TokenError{Status: 400, Code: "invalid_grant", Description: "The authorization code expired"}
	}
	tests := []struct {
		name     string
		exchange func(string) (*Token, error)
		steps    []step
		wantTok  string
		wantErr  error
		wantCode string // *CallbackError code
	}{
		{
			name: "strays, then success, then a replay", exchange: exchangeOK,
			steps: []step{
				{"GET", "/", 404, "Nothing here"},
				{"GET", "/callback", 400, "not the one the app is waiting for"},
				{"GET", "/callback?code=c&state=other", 400, "not the one the app is waiting for"},
				{"GET", "/callback?code=c&state=the-stat", 400, "not the one the app is waiting for"},
				{"PUT", "/callback?code=c&state=" + state, 405, "Unexpected request"},
				{"GET", "/callback?code=c1&state=" + state, 200, "you can close this tab"},
				{"GET", "/callback?code=c2&state=" + state, 410, "already finished"},
				{"GET", "/callback?code=c2&state=other", 410, "already finished"},
			},
			wantTok: "at-c1",
		},
		{
			name: "access denied", exchange: exchangeOK,
			steps: []step{
				{"GET", "/callback?error=access_denied&error_description=The+user+denied+the+request&state=" + state, 403, "Sign-in cancelled"},
				{"GET", "/callback?code=c&state=" + state, 410, "already finished"},
			},
			wantErr: ErrDenied, wantCode: "access_denied",
		},
		{
			name: "other callback error", exchange: exchangeOK,
			steps: []step{
				{"GET", "/callback?error=unsupported_response_type&error_description=%3Cb%3Eno%3C%2Fb%3E&state=" + state, 400, "unsupported_response_type: &lt;b&gt;no&lt;/b&gt;"},
			},
			wantCode: "unsupported_response_type",
		},
		{
			name: "right state, no code", exchange: exchangeOK,
			steps:    []step{{"GET", "/callback?state=" + state, 400, "neither a code nor an error"}},
			wantCode: "invalid_request",
		},
		{
			name: "exchange fails", exchange: exchangeFails,
			steps:   []step{{"GET", "/callback?code=c&state=" + state, 502, "The authorization code expired"}},
			wantErr: ErrInvalidGrant,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb := newCallback("/callback", state, slog.New(slog.DiscardHandler), tt.exchange)
			for _, s := range tt.steps {
				rec := httptest.NewRecorder()
				cb.ServeHTTP(rec, httptest.NewRequest(s.method, "http://127.0.0.1:5555"+s.target, nil))
				if rec.Code != s.wantStatus || !strings.Contains(rec.Body.String(), s.wantText) {
					t.Errorf("%s %s: got %d %q, want %d with %q", s.method, s.target, rec.Code, rec.Body, s.wantStatus, s.wantText)
				}
				for k, want := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
					if got := rec.Header().Get(k); got != want {
						t.Errorf("%s %s: %s = %q, want %q", s.method, s.target, k, got, want)
					}
				}
				if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
					t.Errorf("CSP = %q", csp)
				}
				if b := rec.Body.String(); strings.Contains(b, "http://") || strings.Contains(b, "https://") || strings.Contains(b, "src=") {
					t.Errorf("%s %s: page refers to an external resource: %s", s.method, s.target, b)
				}
			}
			if len(cb.results) != 1 {
				t.Fatalf("%d outcomes, want exactly 1", len(cb.results))
			}
			res := <-cb.results
			if tt.wantTok != "" {
				if res.err != nil || res.tok.AccessToken != tt.wantTok {
					t.Errorf("outcome = %v, %v; want token %s", res.tok, res.err, tt.wantTok)
				}
				return
			}
			if tt.wantErr != nil && !errors.Is(res.err, tt.wantErr) {
				t.Errorf("err = %v, want %v", res.err, tt.wantErr)
			}
			if tt.wantCode != "" {
				var ce *CallbackError
				if !errors.As(res.err, &ce) || ce.Code != tt.wantCode {
					t.Errorf("err = %v, want a *CallbackError %s", res.err, tt.wantCode)
				}
				if tt.wantCode != "access_denied" && errors.Is(res.err, ErrDenied) {
					t.Errorf("%v must not be ErrDenied", res.err)
				}
			}
		})
	}
}

func TestCallbackHandlerUnreachableBeforeCallback(t *testing.T) {
	// A request that never carries the right state leaves no outcome.
	cb := newCallback("/callback", "s", slog.New(slog.DiscardHandler), func(string) (*Token, error) {
		t.Fatal("exchange called without the right state")
		return nil, nil
	})
	for _, target := range []string{"/callback?code=x", "/callback?code=x&state=S", "/x?code=x&state=s"} {
		rec := httptest.NewRecorder()
		cb.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	}
	if len(cb.results) != 0 {
		t.Errorf("%d outcomes, want none", len(cb.results))
	}
}
