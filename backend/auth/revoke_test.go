package auth

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"fullscript-companion/backend/sandbox"
)

func TestRevoke(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	tok := signIn(t, f)
	if err := Revoke(context.Background(), f.cfg, tok.AccessToken); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if got := pairStatus(f, tok.AccessToken); got != "revoked" {
		t.Errorf("pair is %s after Revoke, want revoked", got)
	}
	// Revoking again is harmless (RFC 7009: unknown or dead tokens get 200).
	if err := Revoke(context.Background(), f.cfg, tok.AccessToken); err != nil {
		t.Errorf("second Revoke: %v", err)
	}
}

func TestRevokeFailures(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	tok := signIn(t, f)
	closed := "http://" + closedAddr(t) + "/api/oauth/revoke"
	tests := []struct {
		name       string
		change     func(*Config)
		fault      *sandbox.Fault
		token      string
		wantStatus int // of a *TokenError; 0: none
		wantCode   string
		wantText   string
	}{
		{name: "wrong secret", change: func(c *Config) { c.ClientSecret = "not-the-secret" }, token: tok.AccessToken,
			wantStatus: 401, wantCode: "invalid_client", wantText: "HTTP 401 invalid_client"},
		{name: "server error", fault: &sandbox.Fault{Path: "/api/oauth/revoke", Kind: "status", Status: 503, Count: 1}, token: tok.AccessToken,
			wantStatus: 503, wantText: "HTTP 503"},
		{name: "nobody listening", change: func(c *Config) { c.RevokeURL = closed }, token: tok.AccessToken, wantText: "connection refused"},
		{name: "empty token", token: "", wantText: "token is empty"},
		{name: "no revoke URL", change: func(c *Config) { c.RevokeURL = "" }, token: tok.AccessToken, wantText: "revoke URL is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := f.cfg
			if tt.change != nil {
				tt.change(&cfg)
			}
			if tt.fault != nil {
				if _, err := f.sb.AddFault(*tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			err := Revoke(context.Background(), cfg, tt.token)
			if err == nil {
				t.Fatal("Revoke succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), "revoke: ") || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %q, want revoke: ... %q", err, tt.wantText)
			}
			var te *TokenError
			if tt.wantStatus == 0 && errors.As(err, &te) {
				t.Errorf("err = %v, want no *TokenError", err)
			}
			if tt.wantStatus != 0 && (!errors.As(err, &te) || te.Status != tt.wantStatus || te.Code != tt.wantCode && tt.wantCode != "" || te.RequestID == "") {
				t.Errorf("err = %#v, want *TokenError %d %s with a request id", err, tt.wantStatus, tt.wantCode)
			}
			mustNotContain(t, "error text", err.Error(), map[string]string{
				"access token": tok.AccessToken, "client secret": f.info.ClientSecret, "wrong secret": "not-the-secret",
			})
		})
	}
	if got := pairStatus(f, tok.AccessToken); got != "live" {
		t.Errorf("failed revocations changed the pair to %s", got)
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// A captive portal answers 200 with its own page: nothing was revoked, so
// it is an error (the sign-out stays queued), never "revoked". Fullscript's
// {} and an empty 200 are (issue 13, failure 5).
func TestRevokeNeedsFullscriptsReply(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		wantErr                 bool
	}{
		{"Fullscript's {}", "application/json", "{}", false},
		{"an empty 200", "", "", false},
		{"a captive portal's page", "text/html", "<html><body>Sign in to the hotel Wi-Fi</body></html>", true},
		{"plain text", "text/plain", "OK", true},
		{"a JSON array", "application/json", "[]", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			cfg := Config{ClientID: "id", ClientSecret: "secret", RevokeURL: srv.URL + "/api/oauth/revoke", TokenURL: srv.URL + "/t", AuthorizeURL: srv.URL + "/a"}
			err := Revoke(context.Background(), cfg, "a-token")
			if (err != nil) != tt.wantErr || (tt.wantErr && !errors.Is(err, ErrUnexpectedReply)) {
				t.Errorf("err = %v, want error %v (ErrUnexpectedReply)", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "hotel") {
				t.Errorf("the portal's page is quoted: %v", err)
			}
		})
	}
}
