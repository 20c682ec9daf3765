package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// Refresh trades a refresh token for a new pair through x/oauth2.
// Fullscript rotates refresh tokens: store the returned pair before using
// its access token (the old refresh token dies at that first use).
//
// An error that Is(ErrInvalidGrant) means the refresh token is dead
// (revoked, replaced): sign in again. Any other error (network, 5xx, 429,
// invalid_client, a broken reply) leaves the stored pair worth keeping.
func Refresh(ctx context.Context, cfg Config, refreshToken string) (*Token, error) {
	log := cfg.logger(nil)
	if err := cfg.checkCredentials(); err != nil {
		return nil, fmt.Errorf("refresh: %w", err)
	}
	if err := checkEndpoint("token URL", cfg.TokenURL); err != nil {
		return nil, fmt.Errorf("refresh: %w", err)
	}
	if refreshToken == "" {
		return nil, errors.New("refresh: the refresh token is empty")
	}
	// No access token: the token source refreshes at once. x/oauth2 keeps
	// the old refresh token if a reply omits refresh_token.
	src := cfg.oauth2Config("").TokenSource(cfg.tokenContext(ctx), &oauth2.Token{RefreshToken: refreshToken})
	log.Debug("refreshing token", "token_url", cfg.TokenURL)
	ot, err := src.Token()
	if err != nil {
		err = tokenEndpointError(err)
		log.Warn("token refresh failed", "token_url", cfg.TokenURL, "invalid_grant", errors.Is(err, ErrInvalidGrant), "err", err)
		return nil, fmt.Errorf("refresh: token endpoint: %w", err)
	}
	tok := fromOAuth2(ot, time.Now())
	log.Info("token refreshed", "token", tok)
	return tok, nil
}
