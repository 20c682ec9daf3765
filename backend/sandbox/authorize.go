package sandbox

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// consentTTL bounds how long a consent page can sit open.
const consentTTL = 30 * time.Minute

func parseRedirectURI(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme == "" || u.Host == "" {
		return nil, errors.New("a redirect URI needs a scheme and a host")
	}
	if u.Fragment != "" {
		return nil, errors.New("a redirect URI has no fragment")
	}
	return u, nil
}

// isLoopbackIP is true for 127.0.0.0/8 and ::1 written as IP literals.
// "localhost" is not one (RFC 8252 section 8.3).
func isLoopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redirectAllowed: an exact match with a registered URI, or, for loopback IP
// literals and unless strict, a match in everything but the port.
func (s *Sandbox) redirectAllowed(raw string) bool {
	got, err := parseRedirectURI(raw)
	if err != nil {
		return false
	}
	for _, reg := range s.cfg.RedirectURIs {
		if raw == reg {
			return true
		}
		if s.cfg.StrictRedirect {
			continue
		}
		want, _ := parseRedirectURI(reg)
		if isLoopbackIP(want.Hostname()) && got.Hostname() == want.Hostname() &&
			got.Scheme == want.Scheme && got.Path == want.Path && got.RawQuery == want.RawQuery && got.User == nil {
			return true
		}
	}
	return false
}

// handleAuthorize is the browser's first stop. Like Fullscript, an unknown
// client or an unregistered redirect URI is a 404 page (there is nowhere
// safe to redirect to); other problems go back to the redirect URI.
func (s *Sandbox) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirectURI := q.Get("client_id"), q.Get("redirect_uri")
	if clientID != s.cfg.ClientID {
		s.renderAuthorizeProblem(w, "This application is not registered",
			"The client_id in the sign-in link is not one this Fullscript sandbox knows. Check the client id in the app's settings.")
		return
	}
	if !s.redirectAllowed(redirectURI) {
		s.renderAuthorizeProblem(w, "The redirect URI does not match",
			fmt.Sprintf("The app asked to come back to %q, which is not the redirect URI registered for it (%v). Fullscript requires an exact match.", redirectURI, s.cfg.RedirectURIs))
		return
	}
	state, hasState := q.Get("state"), q.Has("state")
	back := func(params url.Values) {
		if hasState {
			params.Set("state", state)
		}
		http.Redirect(w, r, withQuery(redirectURI, params), http.StatusFound)
	}
	if rt := q.Get("response_type"); rt != "code" {
		back(url.Values{"error": {"unsupported_response_type"}, "error_description": {fmt.Sprintf("response_type must be code, got %q", rt)}})
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" {
		if method == "" {
			method = "plain"
		}
		if method != "S256" && method != "plain" {
			back(url.Values{"error": {"invalid_request"}, "error_description": {"code_challenge_method must be S256 or plain"}})
			return
		}
	}
	req := &consentRequest{
		ID: randomURLToken(18), ClientID: clientID, RedirectURI: redirectURI,
		State: state, HasState: hasState, Challenge: challenge, Method: method,
		ExpiresAt: s.now().Add(consentTTL),
	}
	if s.cfg.AutoApprove {
		u, ok := s.autoApproveUser(q.Get("login_hint"))
		if !ok {
			back(url.Values{"error": {"access_denied"}, "error_description": {"no sandbox user matches login_hint " + q.Get("login_hint")}})
			return
		}
		back(url.Values{"code": {s.issueCode(req, u)}})
		return
	}
	s.mu.Lock()
	s.st.consents[req.ID] = req
	s.mu.Unlock()
	s.renderConsent(w, req, q.Get("login_hint"))
}

// autoApproveUser picks the user named by hint (a user id or an email),
// else the first practitioner of the first clinic.
func (s *Sandbox) autoApproveUser(hint string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.st.users {
		if hint == "" && u.Type == practitioner {
			return u, true
		}
		if hint != "" && (u.ID == hint || u.Email == hint) {
			return u, true
		}
	}
	return User{}, false
}

// handleConsent takes the consent form: approve as the chosen user, or deny.
func (s *Sandbox) handleConsent(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderAuthorizeProblem(w, "The consent form could not be read", err.Error())
		return
	}
	s.mu.Lock()
	req, ok := s.st.consents[r.PostForm.Get("request")]
	if ok {
		delete(s.st.consents, req.ID) // single use: a resubmitted form gets no second code
	}
	s.mu.Unlock()
	if !ok || s.now().After(req.ExpiresAt) {
		s.renderAuthorizeProblem(w, "This sign-in page has expired",
			"Go back to the app and start signing in again.")
		return
	}
	params := url.Values{}
	if r.PostForm.Get("decision") == "approve" {
		s.mu.Lock()
		u, found := s.st.user(r.PostForm.Get("user_id"))
		s.mu.Unlock()
		if !found {
			s.renderAuthorizeProblem(w, "Choose who signs in", "No sandbox user was chosen. Go back to the app and start signing in again.")
			return
		}
		params.Set("code", s.issueCode(req, u))
	} else {
		params.Set("error", "access_denied")
		params.Set("error_description", "The user denied the request")
	}
	if req.HasState {
		params.Set("state", req.State)
	}
	http.Redirect(w, r, withQuery(req.RedirectURI, params), http.StatusFound)
}

func (s *Sandbox) issueCode(req *consentRequest, u User) string {
	now := s.now()
	c := &authCode{
		Code: randomURLToken(32), ClientID: req.ClientID, RedirectURI: req.RedirectURI,
		UserID: u.ID, ClinicID: u.ClinicID, CodeChallenge: req.Challenge, ChallengeMethod: req.Method,
		CreatedAt: now, ExpiresAt: now.Add(CodeTTL),
	}
	s.mu.Lock()
	s.st.prune(now)
	s.st.addCode(c)
	s.mu.Unlock()
	return c.Code
}

// withQuery adds params to a URI that may already have a query.
func withQuery(raw string, params url.Values) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}
