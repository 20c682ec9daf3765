package auth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

// signIn runs a whole AutoApprove sign-in against f.
func signIn(t *testing.T, f *fixture) *Token {
	t.Helper()
	br := newBrowser(t)
	tok, err := SignIn(context.Background(), f.cfg, SignInOptions{Timeout: 5 * time.Second, OpenBrowser: br.open})
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	return tok
}

func pairStatus(f *fixture, access string) string {
	for _, p := range f.sb.Snapshot().Tokens {
		if p.AccessToken == access {
			return p.Status
		}
	}
	return "unknown"
}

func TestRefreshRotates(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	first := signIn(t, f)

	second, err := Refresh(context.Background(), f.cfg, first.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if second.AccessToken == first.AccessToken || second.RefreshToken == first.RefreshToken || second.RefreshToken == "" {
		t.Error("Refresh did not rotate the pair")
	}
	if second.ResourceOwnerID != first.ResourceOwnerID || second.Expiry.Sub(second.CreatedAt) != 2*time.Hour {
		t.Errorf("refreshed token: %s", second)
	}
	if got := pairStatus(f, first.AccessToken); got != "rotated" {
		t.Errorf("old pair is %s, want rotated", got)
	}
	if got := pairStatus(f, second.AccessToken); got != "live" {
		t.Errorf("new pair is %s, want live", got)
	}
	third, err := Refresh(context.Background(), f.cfg, second.RefreshToken)
	if err != nil {
		t.Fatalf("second Refresh: %v", err)
	}
	if third.AccessToken == second.AccessToken {
		t.Error("second Refresh did not rotate")
	}
}

func TestRefreshFailures(t *testing.T) {
	tests := []struct {
		name         string
		fault        *sandbox.Fault
		revokeFirst  bool
		wantInvalid  bool
		wantStatus   int // of a *TokenError; 0: not a TokenError
		wantInText   string
		wantRetry    time.Duration
		wantTimeout  bool // a net.Error with Timeout()
		accountLives bool // the refresh token still works afterwards
	}{
		{name: "revoked", revokeFirst: true, wantInvalid: true, wantStatus: 400, wantInText: "invalid_grant"},
		{name: "invalid_grant fault", fault: &sandbox.Fault{Kind: "invalid_grant"}, wantInvalid: true, wantStatus: 400, wantInText: "invalid_grant", accountLives: true},
		{name: "503", fault: &sandbox.Fault{Kind: "status", Status: 503}, wantStatus: 503, wantInText: "503", accountLives: true},
		{name: "500 quoting the token", fault: &sandbox.Fault{Kind: "status", Status: 500, Body: "BODY"}, wantStatus: 500, wantInText: "500", accountLives: true},
		{name: "429", fault: &sandbox.Fault{Kind: "rate_limit", RetryAfter: 7}, wantStatus: 429, wantInText: "429", wantRetry: 7 * time.Second, accountLives: true},
		{name: "malformed", fault: &sandbox.Fault{Kind: "malformed"}, wantInText: "parse json", accountLives: true},
		{name: "dropped connection", fault: &sandbox.Fault{Kind: "drop"}, wantInText: "EOF", accountLives: true},
		{name: "slow beyond the client timeout", fault: &sandbox.Fault{Kind: "latency", LatencyMS: 500}, wantTimeout: true, accountLives: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, sandbox.Config{AutoApprove: true})
			tok := signIn(t, f)
			cfg := f.cfg
			if tt.revokeFirst {
				if err := Revoke(context.Background(), cfg, tok.AccessToken); err != nil {
					t.Fatalf("Revoke: %v", err)
				}
			}
			if tt.fault != nil {
				fault := *tt.fault
				fault.Path, fault.Count = "/api/oauth/token", 1
				if fault.Body == "BODY" {
					fault.Body = `{"debug":"` + tok.RefreshToken + `"}`
				}
				if _, err := f.sb.AddFault(fault); err != nil {
					t.Fatal(err)
				}
				if fault.Kind == "latency" {
					cfg.HTTPClient = &http.Client{Timeout: 150 * time.Millisecond, Transport: f.tokenHTTP.Transport}
				}
			}

			_, err := Refresh(context.Background(), cfg, tok.RefreshToken)
			if err == nil {
				t.Fatal("Refresh succeeded, want an error")
			}
			if got := errors.Is(err, ErrInvalidGrant); got != tt.wantInvalid {
				t.Errorf("errors.Is(%v, ErrInvalidGrant) = %v, want %v", err, got, tt.wantInvalid)
			}
			var te *TokenError
			switch {
			case tt.wantStatus == 0 && errors.As(err, &te):
				t.Errorf("err = %v, want a transport or parse error, not a *TokenError", err)
			case tt.wantStatus != 0 && (!errors.As(err, &te) || te.Status != tt.wantStatus):
				t.Errorf("err = %#v, want a *TokenError with status %d", err, tt.wantStatus)
			case te != nil && te.RequestID == "" && tt.fault == nil:
				t.Errorf("TokenError has no request id: %v", te)
			case te != nil && te.RetryAfter != tt.wantRetry:
				t.Errorf("RetryAfter = %s, want %s", te.RetryAfter, tt.wantRetry)
			}
			var ne net.Error
			if tt.wantTimeout && (!errors.As(err, &ne) || !ne.Timeout()) {
				t.Errorf("err = %v, want a timeout", err)
			}
			if !strings.Contains(err.Error(), tt.wantInText) || !strings.HasPrefix(err.Error(), "refresh: ") {
				t.Errorf("err = %q, want it to start with refresh: and mention %q", err, tt.wantInText)
			}
			mustNotContain(t, "error text", err.Error(), map[string]string{
				"refresh token": tok.RefreshToken, "access token": tok.AccessToken, "client secret": f.info.ClientSecret,
			})
			if tt.accountLives {
				if _, err := Refresh(context.Background(), f.cfg, tok.RefreshToken); err != nil {
					t.Errorf("the refresh token no longer works after a transient failure: %v", err)
				}
			}
		})
	}
}

func TestRefreshBadInput(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	tests := []struct {
		name    string
		change  func(*Config)
		token   string
		want    string
		wantTE  int
		invalid bool
	}{
		{name: "empty token", token: "", want: "refresh token is empty"},
		{name: "unknown token", token: "rt-unknown-123", want: "invalid_grant", wantTE: 400, invalid: true},
		{name: "wrong secret", change: func(c *Config) { c.ClientSecret = "wrong" }, token: "rt-any-456", want: "invalid_client", wantTE: 401},
		{name: "no token URL", change: func(c *Config) { c.TokenURL = "" }, token: "rt-any-456", want: "token URL is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := f.cfg
			if tt.change != nil {
				tt.change(&cfg)
			}
			_, err := Refresh(context.Background(), cfg, tt.token)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			var te *TokenError
			if tt.wantTE != 0 && (!errors.As(err, &te) || te.Status != tt.wantTE) {
				t.Errorf("err = %#v, want a *TokenError %d", err, tt.wantTE)
			}
			if errors.Is(err, ErrInvalidGrant) != tt.invalid {
				t.Errorf("errors.Is(ErrInvalidGrant) = %v, want %v", !tt.invalid, tt.invalid)
			}
			if tt.token != "" {
				mustNotContain(t, "error text", err.Error(), map[string]string{"refresh token": tt.token})
			}
		})
	}
}
