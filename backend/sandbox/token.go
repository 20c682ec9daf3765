package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"time"
)

// Scopes granted to the built-in client: what the Embed guide asks for,
// plus reading patients.
const GrantedScopes = "catalog:read clinic:read clinic:write patients:read patients:write patients:treatment_plan_history"

// fullscriptTime is how Fullscript writes created_at: 2021-06-16T14:57:21.000Z.
const fullscriptTime = "2006-01-02T15:04:05.000Z"

// clientFromRequest authenticates the client with HTTP Basic or the body's
// client_id and client_secret (x/oauth2 may send either).
func (s *Sandbox) clientAuthenticated(r *http.Request, p url.Values) bool {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = p.Get("client_id"), p.Get("client_secret")
	}
	return subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.ClientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) == 1
}

func (s *Sandbox) handleToken(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if !s.clientAuthenticated(r, p) {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client",
			"Client authentication failed: unknown client_id or wrong client_secret")
		return
	}
	var pair *tokenPair
	var oerr *oauthErr
	switch gt := p.Get("grant_type"); gt {
	case "authorization_code":
		pair, oerr = s.exchangeCode(p)
	case "refresh_token":
		pair, oerr = s.refresh(p)
	case "":
		oerr = &oauthErr{"invalid_request", "grant_type is missing"}
	default:
		oerr = &oauthErr{"unsupported_grant_type", "grant_type must be authorization_code or refresh_token, got " + gt}
	}
	if oerr != nil {
		writeOAuthError(w, http.StatusBadRequest, oerr.code, oerr.description)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"oauth": map[string]any{
		"access_token":  pair.AccessToken,
		"token_type":    "Bearer",
		"expires_in":    int(pair.ExpiresAt.Sub(pair.CreatedAt) / time.Second),
		"refresh_token": pair.RefreshToken,
		"scope":         pair.Scope,
		"created_at":    pair.CreatedAt.Format(fullscriptTime),
		"resource_owner": map[string]string{
			"id":   pair.UserID,
			"type": pair.UserType,
		},
	}})
}

type oauthErr struct{ code, description string }

func invalidGrant(desc string) *oauthErr { return &oauthErr{"invalid_grant", desc} }

func (s *Sandbox) exchangeCode(p url.Values) (*tokenPair, *oauthErr) {
	code, redirectURI := p.Get("code"), p.Get("redirect_uri")
	if code == "" {
		return nil, &oauthErr{"invalid_request", "code is missing"}
	}
	if redirectURI == "" {
		return nil, &oauthErr{"invalid_request", "redirect_uri is missing (send the one used in the authorization request)"}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.codes[code]
	switch {
	case !ok:
		return nil, invalidGrant("The authorization code is not valid")
	case c.UsedAt != nil:
		// RFC 6749 4.1.2: a code used twice revokes what it was exchanged for.
		if prev := s.st.pairByID(c.PairID); prev != nil {
			prev.revoke(now, "code_reused")
		}
		return nil, invalidGrant("The authorization code was already used")
	case !now.Before(c.ExpiresAt):
		return nil, invalidGrant("The authorization code expired (codes last 10 minutes)")
	case c.ClientID != p.Get("client_id") && p.Get("client_id") != "":
		return nil, invalidGrant("The authorization code was issued to another client")
	case c.RedirectURI != redirectURI:
		return nil, invalidGrant("redirect_uri does not match the one in the authorization request")
	}
	if c.CodeChallenge != "" {
		verifier := p.Get("code_verifier")
		if verifier == "" {
			return nil, invalidGrant("code_verifier is missing: the authorization request sent a code_challenge")
		}
		if !pkceMatches(c.ChallengeMethod, c.CodeChallenge, verifier) {
			return nil, invalidGrant("code_verifier does not match the code_challenge")
		}
	}
	u, _ := s.st.user(c.UserID)
	pair := s.newPairLocked(u, c.ClientID, now)
	c.UsedAt = &now
	c.PairID = pair.ID
	return pair, nil
}

func pkceMatches(method, challenge, verifier string) bool {
	if method == "plain" {
		return subtle.ConstantTimeCompare([]byte(challenge), []byte(verifier)) == 1
	}
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(challenge), []byte(want)) == 1
}

// refresh rotates a pair. The old pair keeps working (refresh token and
// access token) until the new access token is first used: Fullscript's
// documented rule, which lets a client that lost the reply refresh again.
func (s *Sandbox) refresh(p url.Values) (*tokenPair, *oauthErr) {
	rt := p.Get("refresh_token")
	if rt == "" {
		return nil, &oauthErr{"invalid_request", "refresh_token is missing"}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.st.pairByRefresh(rt)
	switch {
	case old == nil:
		return nil, invalidGrant("The refresh token is not valid")
	case old.RevokedAt != nil:
		return nil, invalidGrant("The refresh token was revoked or already replaced (" + old.RevokedReason + ")")
	}
	u, _ := s.st.user(old.UserID)
	pair := s.newPairLocked(u, old.ClientID, now)
	pair.Previous = old.ID
	if old.RotatedAt == nil {
		old.RotatedAt = &now
	}
	return pair, nil
}

func (s *Sandbox) newPairLocked(u User, clientID string, now time.Time) *tokenPair {
	pair := &tokenPair{
		ID: newUUID(), AccessToken: randomHex(32), RefreshToken: randomHex(32),
		ClientID: clientID, UserID: u.ID, UserType: u.Type, ClinicID: u.ClinicID,
		Scope: s.cfg.Scopes, CreatedAt: now, ExpiresAt: now.Add(s.cfg.AccessTTL),
	}
	s.st.pairs = append(s.st.pairs, pair)
	return pair
}

// handleRevoke revokes the pair holding token (access or refresh). Unknown
// tokens get 200 too (RFC 7009), so a retry after a lost reply is harmless.
func (s *Sandbox) handleRevoke(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if !s.clientAuthenticated(r, p) {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client",
			"Client authentication failed: unknown client_id or wrong client_secret")
		return
	}
	tok := p.Get("token")
	if tok == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "token is missing")
		return
	}
	now := s.now()
	s.mu.Lock()
	pair := s.st.pairByAccess(tok)
	if pair == nil {
		pair = s.st.pairByRefresh(tok)
	}
	if pair != nil && pair.ClientID == s.cfg.ClientID {
		pair.revoke(now, "revoked")
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{})
}
