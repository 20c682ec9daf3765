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
	a, err := s.account(ctx, accountID)
	if err != nil {
		return SessionGrant{}, err
	}
	conn, err := s.connection(ctx, a.Env, ConnectionOverrides{})
	if err != nil {
		return SessionGrant{}, err
	}
	if conn.PublicKey == "" {
		return SessionGrant{}, missingSetting(a.Env, "Embed public key", "--public-key", EnvVarPublicKey)
	}
	access, err := s.AccessToken(ctx, accountID)
	if err != nil {
		return SessionGrant{}, err
	}
	api := conn.api(s.http, s)
	g, err := api.CreateSessionGrant(ctx, access)
	if fullscript.IsUnauthorized(err) {
		if access, err = s.accessAfterUnauthorized(ctx, accountID, access); err != nil {
			return SessionGrant{}, err
		}
		g, err = api.CreateSessionGrant(ctx, access)
	}
	if err != nil {
		return SessionGrant{}, s.networkProblem("open Fullscript for "+a.Name(), err)
	}
	return SessionGrant{SecretToken: g.SecretToken, ExpiresAt: g.ExpiresAt, Env: conn.Env.EmbedEnv, Domain: conn.Env.EmbedDomain, PublicKey: conn.PublicKey}, nil
}
