package auth

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestErrorSemantics(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		wantDenied  bool
		wantInvalid bool
		wantText    string
	}{
		{"access_denied", &CallbackError{Code: "access_denied", Description: "The user denied the request"}, true, false,
			"Fullscript returned an error to the sign-in redirect: access_denied: The user denied the request"},
		{"other callback error", &CallbackError{Code: "server_error"}, false, false, "redirect: server_error"},
		{"invalid_grant", &TokenError{Status: 400, Code: "invalid_grant", Description: "The refresh token is not valid", RequestID: "req-1"}, false, true,
			"HTTP 400 invalid_grant: The refresh token is not valid (X-Request-Id req-1)"},
		{"invalid_client", &TokenError{Status: 401, Code: "invalid_client"}, false, false, "HTTP 401 invalid_client"},
		{"bare 503", &TokenError{Status: 503}, false, false, "HTTP 503 Service Unavailable"},
		{"429 with retry", &TokenError{Status: 429, RetryAfter: 30 * time.Second}, false, false, "HTTP 429 Too Many Requests (retry after 30s)"},
		{"wrapped invalid_grant", fmt.Errorf("refresh: token endpoint: %w", &TokenError{Status: 400, Code: "invalid_grant"}), false, true, "refresh: token endpoint: HTTP 400 invalid_grant"},
		{"wrapped denial", fmt.Errorf("sign-in: %w", &CallbackError{Code: "access_denied"}), true, false, "sign-in: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, ErrDenied); got != tt.wantDenied {
				t.Errorf("Is(ErrDenied) = %v, want %v", got, tt.wantDenied)
			}
			if got := errors.Is(tt.err, ErrInvalidGrant); got != tt.wantInvalid {
				t.Errorf("Is(ErrInvalidGrant) = %v, want %v", got, tt.wantInvalid)
			}
			if errors.Is(tt.err, ErrCancelled) || errors.Is(tt.err, ErrTimeout) {
				t.Error("matches ErrCancelled or ErrTimeout")
			}
			if !strings.Contains(tt.err.Error(), tt.wantText) {
				t.Errorf("Error() = %q, want %q", tt.err, tt.wantText)
			}
		})
	}
}

func TestNewTokenErrorHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("X-Request-Id", "abc")
	h.Set("Retry-After", "12")
	e := newTokenError(429, h, "", strings.Repeat("é", 400))
	if e.RequestID != "abc" || e.RetryAfter != 12*time.Second {
		t.Errorf("got %+v", e)
	}
	if n := len([]rune(e.Description)); n != maxDescription+1 {
		t.Errorf("description is %d runes, want it clipped to %d + …", n, maxDescription)
	}
}

// Printing or logging a Token or Config by mistake shows no secret.
func TestSecretsStayOutOfFormatting(t *testing.T) {
	tok := &Token{AccessToken: "AT-SECRET", RefreshToken: "RT-SECRET", TokenType: "Bearer", ResourceOwnerID: "u1"}
	cfg := Config{ClientID: "id", ClientSecret: "CS-SECRET", TokenURL: "http://x/token"}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log.Info("t", "token", tok, "cfg", cfg)
	log = slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("t", "token", tok, "cfg", cfg)
	out := buf.String() + fmt.Sprintf("%v %+v %#v %s %v %+v", tok, tok, tok, tok, cfg, cfg)
	for _, s := range []string{"AT-SECRET", "RT-SECRET", "CS-SECRET"} {
		if strings.Contains(out, s) {
			t.Errorf("%s leaked into: %s", s, out)
		}
	}
	if !strings.Contains(out, "u1") || !strings.Contains(out, "has_access_token=true") {
		t.Errorf("the useful fields are missing: %s", out)
	}
}
