package fullscript

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

func TestCreateSessionGrant(t *testing.T) {
	e := newTestEnv(t)
	s := e.signIn("ben.okafor@example.com")

	before := time.Now()
	g1, err := e.client.CreateSessionGrant(ctxT(t), s.access)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	if g1.ID == "" || g1.SecretToken == "" {
		t.Fatalf("grant lacks id or secret token: %v", g1)
	}
	// The sandbox writes milliseconds; allow for the truncation.
	if lo, hi := before.Add(GrantTTL-time.Second), after.Add(GrantTTL+time.Second); g1.ExpiresAt.Before(lo) || g1.ExpiresAt.After(hi) {
		t.Errorf("ExpiresAt = %s, want within [%s, %s]", g1.ExpiresAt, lo, hi)
	}
	if g1.ClaimedAt != nil {
		t.Errorf("ClaimedAt = %v, want nil for a fresh grant", g1.ClaimedAt)
	}
	if g1.UserID != s.userID || g1.UserType != "Practitioner" {
		t.Errorf("grant user = %s %s, want %s Practitioner", g1.UserType, g1.UserID, s.userID)
	}

	g2, err := e.client.CreateSessionGrant(ctxT(t), s.access)
	if err != nil {
		t.Fatal(err)
	}
	if g2.ID == g1.ID || g2.SecretToken == g1.SecretToken {
		t.Errorf("two grants share an id or a secret token")
	}
	for _, out := range []string{fmt.Sprint(g1), fmt.Sprintf("%+v", g1)} {
		if strings.Contains(out, g1.SecretToken) {
			t.Errorf("formatting a grant shows its secret token: %s", out)
		}
	}
}

// Fullscript's success status and envelope are unconfirmed: any 2xx, bare
// or wrapped, must work, and a grant without a secret token must not.
func TestCreateSessionGrantShapes(t *testing.T) {
	const grant = `{"id":"g-1","secret_token":"tok-abc","claimed_at":null,"expires_at":"2030-01-02T03:04:05.000Z","user":{"id":"u-1","type":"Staff"}}`
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	claimed := time.Date(2030, 1, 2, 3, 3, 0, 0, time.UTC)
	tests := []struct {
		name      string
		status    int
		body      string
		want      SessionGrant
		malformed bool
	}{
		{"200 bare", 200, grant, SessionGrant{ID: "g-1", SecretToken: "tok-abc", ExpiresAt: expires, UserID: "u-1", UserType: "Staff"}, false},
		{"201 bare", 201, grant, SessionGrant{ID: "g-1", SecretToken: "tok-abc", ExpiresAt: expires, UserID: "u-1", UserType: "Staff"}, false},
		{"200 wrapped", 200, `{"session_grant":` + grant + `}`, SessionGrant{ID: "g-1", SecretToken: "tok-abc", ExpiresAt: expires, UserID: "u-1", UserType: "Staff"}, false},
		{"202 wrapped, flat user, numeric id, claimed", 202,
			`{"session_grant":{"id":42,"secret_token":"tok-abc","expires_at":"2030-01-02T03:04:05Z","claimed_at":"2030-01-02T03:03:00Z","user_id":"u-2","user_type":"Practitioner"}}`,
			SessionGrant{ID: "42", SecretToken: "tok-abc", ExpiresAt: expires, ClaimedAt: &claimed, UserID: "u-2", UserType: "Practitioner"}, false},
		{"no secret token", 200, `{"id":"g-1","expires_at":"2030-01-02T03:04:05Z"}`, SessionGrant{}, true},
		{"wrapped but empty", 201, `{"session_grant":{}}`, SessionGrant{}, true},
		{"wrapped in a non-object", 200, `{"session_grant":"tok-abc"}`, SessionGrant{}, true},
		{"bad timestamp", 200, `{"secret_token":"tok-abc","expires_at":"soon"}`, SessionGrant{}, true},
		{"no body", 204, ``, SessionGrant{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			s := e.signIn("")
			e.fault(sandbox.Fault{Path: "/api/clinic/embeddable/session_grants", Kind: "status", Status: tt.status, Body: tt.body, Count: 1})
			got, err := e.client.CreateSessionGrant(ctxT(t), s.access)
			if tt.malformed {
				if !errors.Is(err, ErrMalformedReply) {
					t.Fatalf("want ErrMalformedReply, got %v", err)
				}
				if strings.Contains(err.Error(), "tok-abc") {
					t.Errorf("the error quotes the secret token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tt.want.ID || got.SecretToken != tt.want.SecretToken || !got.ExpiresAt.Equal(tt.want.ExpiresAt) ||
				got.UserID != tt.want.UserID || got.UserType != tt.want.UserType ||
				(got.ClaimedAt == nil) != (tt.want.ClaimedAt == nil) || (got.ClaimedAt != nil && !got.ClaimedAt.Equal(*tt.want.ClaimedAt)) {
				t.Fatalf("got %+v (claimed %v), want %+v (claimed %v)", got, got.ClaimedAt, tt.want, tt.want.ClaimedAt)
			}
		})
	}
}
