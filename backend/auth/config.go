// Package auth signs a person into Fullscript with the OAuth 2.0
// authorization code flow (system browser, loopback redirect, state and
// PKCE S256), and refreshes and revokes the tokens it gets.
//
// The protocol work is golang.org/x/oauth2's; this package adds the
// loopback listener, one adapter for Fullscript's token envelope
// (envelope.go), and errors a caller can act on (errors.go). It never puts a
// token, code, state, client secret or PKCE verifier in a log line or an
// error message.
package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// DefaultHTTPTimeout bounds each call to the token and revoke endpoints
// when Config.HTTPClient is nil.
const DefaultHTTPTimeout = 30 * time.Second

// Config is one Fullscript environment's OAuth client.
type Config struct {
	ClientID, ClientSecret            string
	AuthorizeURL, TokenURL, RevokeURL string
	// RedirectURI is the URI registered for the app, on a loopback host:
	// http://127.0.0.1/callback (no port or :0: an ephemeral port) or
	// http://127.0.0.1:8765/callback (that port). [::1] and localhost work too.
	RedirectURI string
	// HTTPClient calls the token and revoke endpoints; nil: a client with
	// DefaultHTTPTimeout.
	HTTPClient *http.Client
	// Logger gets Refresh and Revoke's lines, and SignIn's when
	// SignInOptions.Logger is nil; nil: slog.Default().
	Logger *slog.Logger
}

// LogValue keeps the client secret out of logs if a Config is logged.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("client_id", c.ClientID),
		slog.String("authorize_url", c.AuthorizeURL),
		slog.String("token_url", c.TokenURL),
		slog.String("revoke_url", c.RevokeURL),
		slog.String("redirect_uri", c.RedirectURI),
	)
}

// String keeps the client secret out of %v.
func (c Config) String() string {
	return fmt.Sprintf("auth.Config{ClientID:%q AuthorizeURL:%q TokenURL:%q RevokeURL:%q RedirectURI:%q}",
		c.ClientID, c.AuthorizeURL, c.TokenURL, c.RevokeURL, c.RedirectURI)
}

func (c Config) logger(override *slog.Logger) *slog.Logger {
	switch {
	case override != nil:
		return override
	case c.Logger != nil:
		return c.Logger
	}
	return slog.Default()
}

func (c Config) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: DefaultHTTPTimeout}
}

// checkCredentials checks what every call to Fullscript's OAuth endpoints needs.
func (c Config) checkCredentials() error {
	if c.ClientID == "" {
		return errors.New("the client id is empty: set it from the app's entry on Fullscript's API Dashboard")
	}
	if c.ClientSecret == "" {
		return errors.New("the client secret is empty: Fullscript requires it for token and revoke requests")
	}
	return nil
}

func checkEndpoint(name, raw string) error {
	if raw == "" {
		return fmt.Errorf("the %s is empty", name)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("the %s %q is not a URL: %w", name, raw, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("the %s %q must be an absolute http(s) URL", name, raw)
	}
	return nil
}

// oauth2Config is x/oauth2's view of c. Credentials go in the body, as
// Fullscript documents; AuthStyleInParams also stops x/oauth2 from probing
// with a Basic header first.
func (c Config) oauth2Config(redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.AuthorizeURL,
			TokenURL:  c.TokenURL,
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirectURI,
	}
}
