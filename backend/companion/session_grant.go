package companion

import (
	"context"
	"time"

	"fullscript-companion/backend/fullscript"
)

// SessionGrant is what the frontend needs to mount one Fullscript.js
// feature, and nothing more: no access or refresh token ever crosses.
type SessionGrant struct {
	SecretToken string    `json:"secretToken"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Env         string    `json:"env"`    // Fullscript.js env
	Domain      string    `json:"domain"` // Fullscript.js domain: the Embed host
	PublicKey   string    `json:"publicKey"`
}

// NewSessionGrant asks Fullscript for a fresh single-use grant, right
// before a mount; it is never cached. A 401 gets one refresh and one retry.
func (s *Service) NewSessionGrant(ctx context.Context, accountID string) (SessionGrant, error) {
	c, err := s.accountAPI(ctx, accountID)
	if err != nil {
		return SessionGrant{}, err
	}
	if c.conn.PublicKey == "" {
		return SessionGrant{}, missingSetting(c.acct.Env, settingPublicKey)
	}
	g, err := withAccess(ctx, s, accountID, func(access string) (fullscript.SessionGrant, error) {
		return c.api.CreateSessionGrant(ctx, access)
	})
	if err != nil {
		return SessionGrant{}, s.networkProblem("open Fullscript for "+c.acct.Name(), err)
	}
	return SessionGrant{SecretToken: g.SecretToken, ExpiresAt: g.ExpiresAt, Env: c.conn.Env.EmbedEnv, Domain: c.conn.Env.EmbedDomain, PublicKey: c.conn.PublicKey}, nil
}
