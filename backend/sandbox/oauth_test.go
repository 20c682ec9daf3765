package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAuthorizeChecksClientAndRedirect(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	tests := []struct {
		name     string
		change   url.Values
		status   int
		contains string // in the 404 page, or the redirect's error
	}{
		{name: "unknown client is a 404", change: url.Values{"client_id": {"nope"}}, status: 404, contains: "not registered"},
		{name: "other path is a 404", change: url.Values{"redirect_uri": {"http://127.0.0.1:5000/other"}}, status: 404, contains: "does not match"},
		{name: "localhost is not a loopback IP", change: url.Values{"redirect_uri": {"http://localhost:5000/callback"}}, status: 404, contains: "does not match"},
		{name: "https is another URI", change: url.Values{"redirect_uri": {"https://127.0.0.1:5000/callback"}}, status: 404},
		{name: "a query makes it another URI", change: url.Values{"redirect_uri": {"http://127.0.0.1:5000/callback?x=1"}}, status: 404},
		{name: "any loopback port is fine", change: url.Values{"redirect_uri": {"http://127.0.0.1:61234/callback"}}, status: 302},
		{name: "the registered URI itself", change: url.Values{"redirect_uri": {DefaultRedirectURI}}, status: 302},
		{name: "wrong response_type goes back with an error", change: url.Values{"response_type": {"token"}}, status: 302, contains: "unsupported_response_type"},
		{name: "unknown PKCE method goes back with an error", change: url.Values{"code_challenge": {"abc"}, "code_challenge_method": {"S512"}}, status: 302, contains: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get("/api/oauth/authorize?"+e.authorizeQuery(tt.change).Encode(), "")
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d\n%s", r.status, tt.status, r.body)
			}
			if tt.status == 404 {
				if !strings.Contains(string(r.body), tt.contains) {
					t.Errorf("404 page lacks %q", tt.contains)
				}
				if got := r.header.Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors 'none'") {
					t.Errorf("page CSP = %q", got)
				}
				return
			}
			p := e.redirectParams(r)
			if p.Get("state") != "st-123" {
				t.Errorf("state = %q, want it back unchanged", p.Get("state"))
			}
			if tt.contains != "" && p.Get("error") != tt.contains {
				t.Errorf("error = %q, want %q", p.Get("error"), tt.contains)
			}
			if tt.contains == "" && p.Get("code") == "" {
				t.Errorf("no code: %v", p)
			}
		})
	}
}

func TestStrictRedirectNeedsThePort(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true, StrictRedirect: true, RedirectURIs: []string{"http://127.0.0.1:8400/callback"}})
	if r := e.get("/api/oauth/authorize?"+e.authorizeQuery(url.Values{"redirect_uri": {"http://127.0.0.1:8401/callback"}}).Encode(), ""); r.status != 404 {
		t.Errorf("other port: status %d, want 404", r.status)
	}
	if r := e.get("/api/oauth/authorize?"+e.authorizeQuery(url.Values{"redirect_uri": {"http://127.0.0.1:8400/callback"}}).Encode(), ""); r.status != 302 {
		t.Errorf("registered port: status %d, want 302", r.status)
	}
}

func TestAuthorizeWithoutStateSendsNone(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	q := e.authorizeQuery(nil)
	q.Del("state")
	p := e.redirectParams(e.get("/oauth/authorize?"+q.Encode(), "")) // the older path works too
	if _, has := p["state"]; has {
		t.Errorf("state appeared from nowhere: %v", p)
	}
}

func TestAutoApproveLoginHint(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	adaNorth := e.user("ada.moss@example.com", 1)
	tests := []struct {
		hint     string
		wantUser string
	}{
		{hint: "", wantUser: e.user("ada.moss@example.com", 0).ID},
		{hint: adaNorth.ID, wantUser: adaNorth.ID},
		{hint: "sam.rivera@example.com", wantUser: e.user("sam.rivera@example.com", 0).ID},
	}
	for _, tt := range tests {
		if got := e.signIn(tt.hint); got.userID != tt.wantUser {
			t.Errorf("hint %q signed in %s, want %s", tt.hint, got.userID, tt.wantUser)
		}
	}
	p := e.redirectParams(e.get("/api/oauth/authorize?"+e.authorizeQuery(url.Values{"login_hint": {"nobody@example.com"}}).Encode(), ""))
	if p.Get("error") != "access_denied" {
		t.Errorf("unknown hint: %v, want access_denied", p)
	}
}

func TestConsentApproveAndDeny(t *testing.T) {
	e := newEnv(t, Config{})
	priya := e.user("priya.nair@example.com", 1)
	page := e.get("/api/oauth/authorize?"+e.authorizeQuery(url.Values{"login_hint": {priya.ID}}).Encode(), "")
	if page.status != 200 {
		t.Fatalf("consent page: %d", page.status)
	}
	html := string(page.body)
	for _, want := range []string{"Authorize Fullscript Companion", "Riverside Wellness Clinic", "Northside Integrative Health", `value="` + priya.ID + `" checked`} {
		if !strings.Contains(html, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	request := between(html, `name="request" value="`, `"`)

	deny := e.postForm("/api/oauth/authorize", url.Values{"request": {request}, "decision": {"deny"}})
	p := e.redirectParams(deny)
	if p.Get("error") != "access_denied" || p.Get("state") != "st-123" || p.Get("code") != "" {
		t.Errorf("deny redirect = %v", p)
	}
	// The form is single use: approving after denying gets no code.
	again := e.postForm("/api/oauth/authorize", url.Values{"request": {request}, "decision": {"approve"}, "user_id": {priya.ID}})
	if again.status != 404 || !strings.Contains(string(again.body), "expired") {
		t.Errorf("reused consent form: %d %s", again.status, again.body)
	}

	page = e.get("/api/oauth/authorize?"+e.authorizeQuery(nil).Encode(), "")
	request = between(string(page.body), `name="request" value="`, `"`)
	p = e.redirectParams(e.postForm("/oauth/authorize", url.Values{"request": {request}, "decision": {"approve"}, "user_id": {priya.ID}}))
	got := tokensOf(t, e.exchange(p.Get("code"), nil))
	if got.userID != priya.ID || got.userType != "Staff" {
		t.Errorf("signed in %s (%s), want Priya (Staff)", got.userID, got.userType)
	}
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}

func TestTokenExchange(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	r := e.exchange(e.code(nil), nil)
	if r.status != 200 {
		t.Fatalf("exchange: %d %s", r.status, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	o := r.json(t)["oauth"].(map[string]any)
	if o["token_type"] != "Bearer" || o["expires_in"] != float64(7200) || len(o["access_token"].(string)) != 64 || o["refresh_token"] == o["access_token"] {
		t.Errorf("token body = %v", o)
	}
	created, err := time.Parse(fullscriptTime, o["created_at"].(string))
	if err != nil || !created.Equal(e.clock.Now()) {
		t.Errorf("created_at = %v (%v), want %v", o["created_at"], err, e.clock.Now())
	}
	if !strings.Contains(o["scope"].(string), "clinic:read") {
		t.Errorf("scope = %v", o["scope"])
	}
}

func TestTokenExchangeAcceptsFormAndBasicAuth(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	form := url.Values{"grant_type": {"authorization_code"}, "code": {e.code(nil)}, "redirect_uri": {testRedirect}}
	req, _ := http.NewRequest(http.MethodPost, e.base+"/api/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(e.sb.ClientID(), e.sb.ClientSecret())
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("form + basic auth: %d", res.StatusCode)
	}
	form.Set("code", e.code(nil))
	form.Set("client_id", e.sb.ClientID())
	form.Set("client_secret", e.sb.ClientSecret())
	if r := e.postForm("/api/oauth/token", form); r.status != 200 {
		t.Errorf("form body credentials: %d %s", r.status, r.body)
	}
}

func TestTokenErrors(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	tests := []struct {
		name   string
		code   func() string
		extra  map[string]string
		status int
		err    string
	}{
		{name: "wrong secret", code: func() string { return e.code(nil) }, extra: map[string]string{"client_secret": "guess"}, status: 401, err: "invalid_client"},
		{name: "unknown client", code: func() string { return e.code(nil) }, extra: map[string]string{"client_id": "other"}, status: 401, err: "invalid_client"},
		{name: "made-up code", code: func() string { return "made-up" }, status: 400, err: "invalid_grant"},
		{name: "redirect differs from the authorize step", code: func() string { return e.code(nil) }, extra: map[string]string{"redirect_uri": "http://127.0.0.1:1/callback"}, status: 400, err: "invalid_grant"},
		{name: "no redirect_uri", code: func() string { return e.code(nil) }, extra: map[string]string{"redirect_uri": ""}, status: 400, err: "invalid_request"},
		{name: "no code", code: func() string { return "" }, status: 400, err: "invalid_request"},
		{name: "unknown grant type", code: func() string { return e.code(nil) }, extra: map[string]string{"grant_type": "password"}, status: 400, err: "unsupported_grant_type"},
		{name: "no grant type", code: func() string { return e.code(nil) }, extra: map[string]string{"grant_type": ""}, status: 400, err: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.exchange(tt.code(), tt.extra)
			if r.status != tt.status || oauthErrorOf(t, r) != tt.err {
				t.Errorf("got %d %s, want %d %s", r.status, r.body, tt.status, tt.err)
			}
			if desc, _ := r.json(t)["error_description"].(string); desc == "" {
				t.Error("no error_description")
			}
		})
	}
	bad := e.do(http.MethodPost, "/api/oauth/token", strings.NewReader("{not json"), map[string]string{"Content-Type": "application/json"})
	if bad.status != 400 || oauthErrorOf(t, bad) != "invalid_request" {
		t.Errorf("malformed JSON body: %d %s", bad.status, bad.body)
	}
}

func TestCodeIsSingleUseAndReplayRevokes(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	code := e.code(nil)
	first := tokensOf(t, e.exchange(code, nil))
	second := e.exchange(code, nil)
	if second.status != 400 || oauthErrorOf(t, second) != "invalid_grant" {
		t.Fatalf("replayed code: %d %s", second.status, second.body)
	}
	if r := e.get("/api/clinic", first.access); r.status != 401 {
		t.Errorf("tokens from a replayed code still work: %d", r.status)
	}
	if got := e.pairStatus(first.access); got != statusRevoked {
		t.Errorf("pair status = %s, want revoked", got)
	}
}

func TestCodeExpiresAfterTenMinutes(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	fresh, stale := e.code(nil), e.code(nil)
	e.clock.Advance(CodeTTL - time.Second)
	if r := e.exchange(fresh, nil); r.status != 200 {
		t.Errorf("code at 9:59: %d %s", r.status, r.body)
	}
	e.clock.Advance(time.Second)
	if r := e.exchange(stale, nil); r.status != 400 || !strings.Contains(string(r.body), "expired") {
		t.Errorf("code at 10:00: %d %s", r.status, r.body)
	}
}

func TestPKCE(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-long-enough-verifier"
	sum := sha256.Sum256([]byte(verifier))
	s256 := base64.RawURLEncoding.EncodeToString(sum[:])
	withChallenge := func(method, challenge string) string {
		return e.code(url.Values{"code_challenge": {challenge}, "code_challenge_method": {method}})
	}
	tests := []struct {
		name     string
		code     string
		verifier string
		status   int
	}{
		{name: "S256 match", code: withChallenge("S256", s256), verifier: verifier, status: 200},
		{name: "S256 mismatch", code: withChallenge("S256", s256), verifier: verifier + "x", status: 400},
		{name: "S256 verifier missing", code: withChallenge("S256", s256), verifier: "", status: 400},
		{name: "plain match", code: withChallenge("plain", "plain-verifier-value"), verifier: "plain-verifier-value", status: 200},
		{name: "no challenge, verifier ignored", code: e.code(nil), verifier: "anything", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := map[string]string{}
			if tt.verifier != "" {
				extra["code_verifier"] = tt.verifier
			}
			r := e.exchange(tt.code, extra)
			if r.status != tt.status {
				t.Errorf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status == 400 && oauthErrorOf(t, r) != "invalid_grant" {
				t.Errorf("error = %s, want invalid_grant", r.body)
			}
		})
	}
}

// Fullscript's rule: the used refresh token keeps working until the new
// access token is first used; then only the new refresh token does.
func TestRefreshRotationAndGrace(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	orig := e.signIn("")
	first := tokensOf(t, e.refresh(orig.refresh))
	if first.refresh == orig.refresh || first.access == orig.access {
		t.Fatal("refresh did not rotate the pair")
	}
	if got := e.pairStatus(orig.access); got != statusRotated {
		t.Errorf("old pair status = %s, want rotated", got)
	}
	// The reply was "lost": the old refresh token still works.
	second := tokensOf(t, e.refresh(orig.refresh))
	// The old access token too, until a new one is used.
	if r := e.get("/api/clinic", orig.access); r.status != 200 {
		t.Errorf("old access token during grace: %d", r.status)
	}
	// First use of a new access token ends the grace.
	if r := e.get("/api/clinic", second.access); r.status != 200 {
		t.Fatalf("new access token: %d %s", r.status, r.body)
	}
	if r := e.refresh(orig.refresh); r.status != 400 || oauthErrorOf(t, r) != "invalid_grant" {
		t.Errorf("old refresh token after the new access token was used: %d %s", r.status, r.body)
	}
	if r := e.get("/api/clinic", orig.access); r.status != 401 {
		t.Errorf("old access token after grace: %d", r.status)
	}
	if got := e.pairStatus(orig.access); got != statusRevoked {
		t.Errorf("old pair status = %s, want revoked", got)
	}
	// The other reply from the grace period is still a working pair.
	if r := e.refresh(first.refresh); r.status != 200 {
		t.Errorf("sibling refresh token: %d %s", r.status, r.body)
	}
	if r := e.refresh("not-a-token"); r.status != 400 || oauthErrorOf(t, r) != "invalid_grant" {
		t.Errorf("unknown refresh token: %d %s", r.status, r.body)
	}
}

func TestAccessTokenExpiresButRefreshes(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true, AccessTTL: time.Hour})
	tok := e.signIn("")
	e.clock.Advance(time.Hour)
	r := e.get("/api/clinic", tok.access)
	if r.status != 401 || !strings.Contains(string(r.body), "expired") || !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("expired token: %d %s %v", r.status, r.body, r.header)
	}
	if got := e.pairStatus(tok.access); got != statusExpired {
		t.Errorf("status = %s, want expired", got)
	}
	next := tokensOf(t, e.refresh(tok.refresh))
	if r := e.get("/api/clinic", next.access); r.status != 200 {
		t.Errorf("refreshed token: %d", r.status)
	}
}

func TestRevoke(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	creds := map[string]string{"client_id": e.sb.ClientID(), "client_secret": e.sb.ClientSecret()}
	with := func(tok string) map[string]string {
		m := map[string]string{"token": tok}
		for k, v := range creds {
			m[k] = v
		}
		return m
	}
	for _, which := range []string{"access", "refresh"} {
		t.Run("by "+which+" token", func(t *testing.T) {
			tok := e.signIn("")
			arg := tok.access
			if which == "refresh" {
				arg = tok.refresh
			}
			r := e.postJSON("/api/oauth/revoke", "", with(arg))
			if r.status != 200 || strings.TrimSpace(string(r.body)) != "{}" {
				t.Fatalf("revoke: %d %s", r.status, r.body)
			}
			if r := e.get("/api/clinic", tok.access); r.status != 401 || !strings.Contains(string(r.body), "revoked") {
				t.Errorf("access after revoke: %d %s", r.status, r.body)
			}
			if r := e.refresh(tok.refresh); r.status != 400 || oauthErrorOf(t, r) != "invalid_grant" {
				t.Errorf("refresh after revoke: %d %s", r.status, r.body)
			}
		})
	}
	if r := e.postJSON("/api/oauth/revoke", "", with("unknown")); r.status != 200 {
		t.Errorf("unknown token: %d, want 200 (RFC 7009)", r.status)
	}
	tok := e.signIn("")
	bad := with(tok.access)
	bad["client_secret"] = "guess"
	if r := e.postJSON("/api/oauth/revoke", "", bad); r.status != 401 || oauthErrorOf(t, r) != "invalid_client" {
		t.Errorf("wrong secret: %d %s", r.status, r.body)
	}
	if r := e.get("/api/clinic", tok.access); r.status != 200 {
		t.Errorf("a refused revoke revoked anyway: %d", r.status)
	}
	if r := e.postJSON("/api/oauth/revoke", "", creds); r.status != 400 {
		t.Errorf("no token: %d", r.status)
	}
}
