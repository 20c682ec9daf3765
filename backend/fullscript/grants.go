package fullscript

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// GrantTTL is a session grant's documented lifetime (reference 4).
const GrantTTL = 120 * time.Second

// SessionGrant is a single-use Embed login. SecretToken is a credential:
// hand it to Fullscript.js and nowhere else (no log, no error, no store).
type SessionGrant struct {
	ID          string
	SecretToken string
	ExpiresAt   time.Time
	ClaimedAt   *time.Time
	UserID      string
	UserType    string
}

// String keeps the secret token out of %v.
func (g SessionGrant) String() string {
	return fmt.Sprintf("session grant %s for %s %s, expires %s", g.ID, g.UserType, g.UserID, g.ExpiresAt.Format(time.RFC3339))
}

// LogValue keeps the secret token out of logs.
func (g SessionGrant) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", g.ID), slog.String("user_id", g.UserID),
		slog.String("user_type", g.UserType), slog.Time("expires_at", g.ExpiresAt))
}

type wireGrant struct {
	ID          flexString `json:"id"`
	SecretToken string     `json:"secret_token"`
	ExpiresAt   flexTime   `json:"expires_at"`
	ClaimedAt   flexTime   `json:"claimed_at"`
	User        *struct {
		ID   flexString `json:"id"`
		Type string     `json:"type"`
	} `json:"user"`
	// Flat forms, in case the user is not nested.
	UserID   flexString `json:"user_id"`
	UserType string     `json:"user_type"`
}

// CreateSessionGrant is POST /clinic/embeddable/session_grants for the
// token's user (a role-based app sends {}). Its success status and envelope
// are unconfirmed, so any 2xx counts and the grant may be bare or wrapped in
// "session_grant". Never cache the result: every mount needs a fresh grant.
func (c *Client) CreateSessionGrant(ctx context.Context, accessToken string) (SessionGrant, error) {
	const op = "create session grant"
	asked := time.Now()
	raw, reqID, err := c.do(ctx, accessToken, call{op: op, method: http.MethodPost,
		path: "/clinic/embeddable/session_grants", body: struct{}{}})
	if err != nil {
		return SessionGrant{}, err
	}
	inner, err := unwrap(op, reqID, raw, "session_grant")
	if err != nil {
		return SessionGrant{}, err
	}
	var w wireGrant
	if err := decodeInto(op, reqID, inner, &w); err != nil {
		return SessionGrant{}, err
	}
	if w.SecretToken == "" {
		return SessionGrant{}, malformed(op, reqID, errors.New("the grant has no secret_token"))
	}
	g := SessionGrant{ID: string(w.ID), SecretToken: w.SecretToken, ExpiresAt: w.ExpiresAt.Time,
		UserID: string(w.UserID), UserType: w.UserType}
	if !w.ExpiresAt.Set {
		// Documented lifetime, counted from before we asked: errs early.
		g.ExpiresAt = asked.Add(GrantTTL)
	}
	if w.ClaimedAt.Set {
		t := w.ClaimedAt.Time
		g.ClaimedAt = &t
	}
	if w.User != nil {
		if w.User.ID != "" {
			g.UserID = string(w.User.ID)
		}
		if w.User.Type != "" {
			g.UserType = w.User.Type
		}
	}
	return g, nil
}
