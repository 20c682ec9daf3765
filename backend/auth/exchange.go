package auth

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// exchangeCode trades the callback's code (and the PKCE verifier) for
// tokens through x/oauth2, with Fullscript's envelope unwrapped on the way.
func exchangeCode(ctx context.Context, cfg Config, conf *oauth2.Config, code, verifier string) (*Token, error) {
	ot, err := conf.Exchange(cfg.tokenContext(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("code exchange at the token endpoint: %w", tokenEndpointError(err))
	}
	return fromOAuth2(ot, time.Now()), nil
}
