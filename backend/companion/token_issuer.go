package companion

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"fullscript-companion/backend/fullscript"
	"fullscript-companion/backend/store"
)

// issuer is who a connection's tokens come from: they are sent to no one else.
func (c Connection) issuer() store.Issuer {
	return store.Issuer{ClientID: c.ClientID, TokenURL: c.Env.TokenURL}
}

// checkIssuer refuses to send an account's tokens (and with a refresh, the
// client secret) anywhere but where they were issued: a changed setting, or
// whatever answers at the sandbox's address naming another token endpoint,
// must not receive them. The built-in sandbox may come back on another port
// (its default one was taken), so there its client id, unique to each
// sandbox, is what names it; FetchSandboxInfo already refuses a sandbox
// whose endpoints are not its own. A pair stored before issuers were kept
// (empty) is bound at its next refresh.
func checkIssuer(name, env string, have store.Issuer, conn Connection) error {
	if have == (store.Issuer{}) {
		return nil
	}
	now := conn.issuer()
	if sameIssuer(env, have, conn) {
		return nil
	}
	return &Problem{
		What: name + " signed in with another Fullscript server or app than the one now set, so the app does not send its sign-in there.",
		Fix: fmt.Sprintf("Set the %s environment back as it was when you signed in (client %s at %s) in Settings, or sign in again to use the new settings.",
			env, have.ClientID, hostOf(have.TokenURL)),
		Err: fmt.Errorf("%w: %w: issued to client %q by %s; the settings now name client %q at %s",
			ErrUsage, errForeignIssuer, have.ClientID, have.TokenURL, now.ClientID, now.TokenURL),
	}
}

// sameIssuer: the connection reaches the server and client that issued the
// pair. The client id must match. The app's own, in-process sandbox may
// come back on another port (its default was taken), so there the client
// id, random per sandbox, names it; a sandbox reached over HTTP is pinned
// to the token endpoint like any server. And every address the pair is
// sent to (the API, the revoke endpoint) must be on the token endpoint's
// own server: a setting that moves only the API must not carry the access
// token, nor a moved revoke endpoint the refresh token and client secret.
func sameIssuer(env string, have store.Issuer, conn Connection) bool {
	if have.ClientID != conn.ClientID {
		return false
	}
	if env == fullscript.EnvLocal && conn.ownSandbox {
		return true
	}
	if have.TokenURL != conn.Env.TokenURL {
		return false
	}
	for _, u := range []string{conn.Env.APIBase, conn.Env.RevokeURL} {
		if u != "" && !sameOrigin(u, have.TokenURL) {
			return false
		}
	}
	return true
}

// sameOrigin: a and b are on one scheme, host and port.
func sameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && strings.EqualFold(ua.Host, ub.Host)
}

// errForeignIssuer: the settings name another server than the one that
// issued an account's tokens.
var errForeignIssuer = errors.New("the tokens belong to another server")

// checkAccountIssuer reads the account's issuer (no unsealing) and checks it
// against conn. An account with no tokens is left to the token path, which
// says it needs sign-in.
func (s *Service) checkAccountIssuer(ctx context.Context, a AccountInfo, conn Connection) error {
	st, err := s.ready(ctx)
	if err != nil {
		return err
	}
	have, err := st.TokenIssuer(ctx, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the account's token issuer: %w", err)
	}
	return checkIssuer(a.Name(), a.Env, have, conn)
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}
