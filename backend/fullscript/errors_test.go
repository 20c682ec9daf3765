package fullscript

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

// errorBodies are the shapes reference 3.1 says to expect, and worse.
var errorBodies = []struct {
	name     string
	body     string
	wantMsgs []string
	wantCode string
}{
	{"error string", `{"error":"Something broke"}`, []string{"Something broke"}, ""},
	{"error code only", `{"error":"invalid_token"}`, []string{"invalid_token"}, "invalid_token"},
	{"error object", `{"error":{"message":"Clinic is suspended","code":"clinic_suspended"}}`, []string{"Clinic is suspended"}, "clinic_suspended"},
	{"oauth error", `{"error":"invalid_scope","error_description":"Missing patients:write"}`, []string{"Missing patients:write"}, "invalid_scope"},
	{"errors strings", `{"errors":["a","b"]}`, []string{"a", "b"}, ""},
	{"errors objects", `{"errors":[{"code":"taken","message":"Email is taken"},{"code":"blank","message":"Name is blank"}]}`, []string{"Email is taken", "Name is blank"}, "taken"},
	{"errors by field", `{"errors":{"email":["has already been taken"],"date_of_birth":["is invalid","is in the future"]}}`,
		[]string{"Date of birth is invalid", "Date of birth is in the future", "Email has already been taken"}, ""},
	{"errors base and string", `{"errors":{"base":"Clinic is closed","first_name":"can't be blank"}}`, []string{"Clinic is closed", "First name can't be blank"}, ""},
	{"errors string", `{"errors":"Nope"}`, []string{"Nope"}, ""},
	{"status and error", `{"status":404,"error":"Not Found"}`, []string{"Not Found"}, ""},
	{"message and code", `{"message":"Slow down","code":"rate_limited"}`, []string{"Slow down"}, "rate_limited"},
	{"unknown JSON shape", `{"oops":true}`, []string{`{"oops":true}`}, ""},
	{"empty object", `{}`, nil, ""},
	{"plain text", "  upstream connect error\n or disconnect  ", []string{"upstream connect error or disconnect"}, ""},
	{"HTML page", `<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>`, []string{"502 Bad Gateway"}, ""},
	{"HTML without title", `<html><body><p>Maintenance</p> <p>back soon</p></body></html>`, []string{"Maintenance back soon"}, ""},
	{"long text", strings.Repeat("x", 500), []string{strings.Repeat("x", maxSnippet) + "…"}, ""},
	{"empty", ``, nil, ""},
}

func TestParseErrorBody(t *testing.T) {
	for _, tt := range errorBodies {
		t.Run(tt.name, func(t *testing.T) {
			msgs, code := parseErrorBody([]byte(tt.body))
			if !slices.Equal(msgs, tt.wantMsgs) || code != tt.wantCode {
				t.Fatalf("got %q, %q; want %q, %q", msgs, code, tt.wantMsgs, tt.wantCode)
			}
		})
	}
}

// The same bodies, sent by the sandbox as faults: the whole path from the
// wire to APIError.
func TestFaultBodies(t *testing.T) {
	e := newTestEnv(t)
	s := e.signIn("")
	for _, tt := range errorBodies {
		if tt.body == "" {
			continue // an empty Body means the sandbox's own body
		}
		t.Run(tt.name, func(t *testing.T) {
			e.fault(sandbox.Fault{Path: "/api/clinic", Kind: "status", Status: 422, Body: tt.body, Count: 1})
			_, err := e.client.Clinic(ctxT(t), s.access)
			ae := asAPIError(t, err)
			if ae.Status != 422 || !slices.Equal(ae.Messages, tt.wantMsgs) || ae.Code != tt.wantCode || ae.RequestID == "" {
				t.Fatalf("got %+v; want 422, %q, %q and a request id", ae, tt.wantMsgs, tt.wantCode)
			}
			if !strings.HasPrefix(err.Error(), "get clinic: fullscript: 422 Unprocessable Entity") {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	e := newTestEnv(t)
	s := e.signIn("")
	tests := []struct {
		name  string
		fault sandbox.Fault
		check func(t *testing.T, err error)
	}{
		{"503", sandbox.Fault{Kind: "status", Status: 503}, func(t *testing.T, err error) {
			ae := asAPIError(t, err)
			if ae.Status != 503 || !slices.Equal(ae.Messages, []string{"Service Unavailable"}) || ae.RequestID == "" {
				t.Fatalf("got %+v", ae)
			}
			if IsOffline(err) || IsUnauthorized(err) || IsNotFound(err) {
				t.Errorf("a 503 classified as something else")
			}
		}},
		{"403", sandbox.Fault{Kind: "status", Status: 403}, func(t *testing.T, err error) {
			if !IsForbidden(err) {
				t.Fatalf("want IsForbidden, got %v", err)
			}
		}},
		{"rate limit", sandbox.Fault{Kind: "rate_limit", RetryAfter: 7}, func(t *testing.T, err error) {
			d, ok := IsRateLimited(err)
			if !ok || d != 7*time.Second {
				t.Fatalf("IsRateLimited = %s, %v; want 7s, true (err %v)", d, ok, err)
			}
			if !strings.Contains(err.Error(), "429 Too Many Requests") || !strings.Contains(err.Error(), "retry after 7s") {
				t.Errorf("error text %q", err)
			}
		}},
		{"malformed", sandbox.Fault{Kind: "malformed"}, func(t *testing.T, err error) {
			if !errors.Is(err, ErrMalformedReply) || asAPI(err) {
				t.Fatalf("want ErrMalformedReply, got %v", err)
			}
			if !strings.Contains(err.Error(), "get clinic") || !strings.Contains(err.Error(), "(request ") || strings.Contains(err.Error(), "request unknown") {
				t.Errorf("error text lacks the call or the request id: %q", err)
			}
		}},
		{"valid JSON, no clinic id", sandbox.Fault{Kind: "malformed", Body: `{"clinic":{"name":"x"}}`}, func(t *testing.T, err error) {
			if !errors.Is(err, ErrMalformedReply) {
				t.Fatalf("want ErrMalformedReply, got %v", err)
			}
		}},
		{"JSON array", sandbox.Fault{Kind: "malformed", Body: `[]`}, func(t *testing.T, err error) {
			if !errors.Is(err, ErrMalformedReply) {
				t.Fatalf("want ErrMalformedReply, got %v", err)
			}
		}},
		{"dropped connection", sandbox.Fault{Kind: "drop"}, func(t *testing.T, err error) {
			if err == nil || asAPI(err) || errors.Is(err, ErrMalformedReply) {
				t.Fatalf("want a network error, got %v", err)
			}
			if IsOffline(err) {
				t.Errorf("a dropped connection reached the server: not offline")
			}
			if !strings.HasPrefix(err.Error(), "get clinic: ") {
				t.Errorf("error text %q", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.fault
			f.Path = "/api/clinic"
			// Count 0 (until cleared): Go's transport retries a GET once on a
			// reused connection that was dropped.
			e.fault(f)
			t.Cleanup(func() { e.clearFaults(t) })
			_, err := e.client.Clinic(ctxT(t), s.access)
			tt.check(t, err)
		})
	}
}

func TestUnauthorized(t *testing.T) {
	e := newTestEnv(t)
	revoked := e.signIn("ben.okafor@example.com").access
	e.revoke(revoked)
	tests := []struct {
		name, token, wantCode string
	}{
		{"no token", "", "invalid_request"},
		{"invalid token", "not-a-real-token-0123456789", "invalid_token"},
		{"revoked token", revoked, "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := map[string]func() error{
				"clinic":   func() error { _, err := e.client.Clinic(ctxT(t), tt.token); return err },
				"grant":    func() error { _, err := e.client.CreateSessionGrant(ctxT(t), tt.token); return err },
				"patients": func() error { _, err := e.client.SearchPatients(ctxT(t), tt.token, "kline", 1, 5); return err },
			}
			for name, call := range calls {
				err := call()
				if !IsUnauthorized(err) {
					t.Fatalf("%s: want IsUnauthorized, got %v", name, err)
				}
				if ae := asAPIError(t, err); ae.Code != tt.wantCode || len(ae.Messages) == 0 || ae.RequestID == "" {
					t.Errorf("%s: APIError = %+v", name, ae)
				}
				if tt.token != "" && strings.Contains(err.Error(), tt.token) {
					t.Errorf("%s: the error quotes the token", name)
				}
			}
		})
	}
}

func TestAPIErrorText(t *testing.T) {
	tests := []struct {
		err  APIError
		want string
	}{
		{APIError{Status: 422, Messages: []string{"Email has already been taken"}, RequestID: "1234"},
			"fullscript: 422 Unprocessable Entity: Email has already been taken (request 1234)"},
		{APIError{Status: 401, Code: "invalid_token", Messages: []string{"The access token expired"}, RequestID: "r"},
			"fullscript: 401 Unauthorized: invalid_token: The access token expired (request r)"},
		{APIError{Status: 401, Code: "invalid_token", Messages: []string{"invalid_token"}},
			"fullscript: 401 Unauthorized: invalid_token"},
		{APIError{Status: 503}, "fullscript: 503 Service Unavailable"},
		{APIError{Status: 429, RetryAfter: 7 * time.Second, Messages: []string{"a", "b"}, RequestID: "x"},
			"fullscript: 429 Too Many Requests: a; b (retry after 7s) (request x)"},
		{APIError{Status: 599}, "fullscript: 599"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"7", 7 * time.Second},
		{" 0 ", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"soon", 0},
		{"-3", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
