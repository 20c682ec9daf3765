package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

func TestSignInEndToEnd(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	br := newBrowser(t)
	leaks := goroutineBaseline(t, br.client, f.tokenHTTP)

	var auth authParams
	tok, err := SignIn(context.Background(), f.cfg, SignInOptions{
		Timeout:     5 * time.Second,
		OnAuthURL:   func(u string) { auth = parseAuthURL(t, u) },
		OpenBrowser: br.open,
	})
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}

	// The authorization request x/oauth2 built.
	q := auth.query
	for k, want := range map[string]string{
		"client_id": f.info.ClientID, "response_type": "code", "code_challenge_method": "S256",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("authorize %s = %q, want %q", k, got, want)
		}
	}
	if n := len(q.Get("state")); n != 43 { // 32 bytes, base64url without padding
		t.Errorf("state is %d characters, want 43", n)
	}
	if auth.redirectURI.Hostname() != "127.0.0.1" || auth.redirectURI.Port() == "" || auth.redirectURI.Port() == "0" {
		t.Errorf("redirect_uri = %s, want 127.0.0.1 with the bound port", auth.redirectURI)
	}

	// The token.
	owner := f.user(t, "Practitioner")
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.TokenType != "Bearer" || tok.Scope == "" {
		t.Errorf("token is missing fields: %s", tok)
	}
	if tok.ResourceOwnerID != owner.ID || tok.ResourceOwnerType != "Practitioner" {
		t.Errorf("resource owner = %s/%s, want Practitioner/%s", tok.ResourceOwnerType, tok.ResourceOwnerID, owner.ID)
	}
	if got := tok.Expiry.Sub(tok.CreatedAt); got != 2*time.Hour {
		t.Errorf("expiry - created_at = %s, want 2h", got)
	}
	if d := time.Since(tok.CreatedAt); d < -time.Minute || d > time.Minute {
		t.Errorf("created_at = %s, not now", tok.CreatedAt)
	}

	// The browser's last page.
	status, body := br.page()
	if status != http.StatusOK || !strings.Contains(body, "you can close this tab") {
		t.Errorf("browser got %d %q, want the success page", status, body)
	}

	// What the sandbox saw: the code used once, PKCE recorded, one live pair.
	st := f.sb.Snapshot()
	if len(st.Codes) != 1 {
		t.Fatalf("sandbox issued %d codes, want 1", len(st.Codes))
	}
	c := st.Codes[0]
	if c.UsedAt == nil || c.CodeChallenge == "" || c.ChallengeMethod != "S256" || c.CodeChallenge != q.Get("code_challenge") {
		t.Errorf("code: used_at=%v challenge=%q method=%q, want used, S256 challenge from the URL", c.UsedAt, c.CodeChallenge, c.ChallengeMethod)
	}
	if c.RedirectURI != auth.redirectURI.String() {
		t.Errorf("code redirect_uri = %q, want %q", c.RedirectURI, auth.redirectURI)
	}
	if len(st.Tokens) != 1 || st.Tokens[0].AccessToken != tok.AccessToken || st.Tokens[0].Status != "live" {
		t.Errorf("sandbox tokens = %+v, want the one live pair SignIn returned", st.Tokens)
	}

	assertClosed(t, auth.redirectURI.Host)
	leaks()
}

func TestSignInConsent(t *testing.T) {
	tests := []struct {
		name       string
		decision   string
		userType   string
		wantErr    error
		wantStatus int
		wantPage   string
	}{
		{name: "deny", decision: "deny", userType: "Practitioner", wantErr: ErrDenied, wantStatus: http.StatusForbidden, wantPage: "Sign-in cancelled"},
		{name: "approve as staff", decision: "approve", userType: "Staff", wantStatus: http.StatusOK, wantPage: "You are signed in"},
	}
	requestField := regexp.MustCompile(`name="request" value="([^"]+)"`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, sandbox.Config{})
			br := newBrowser(t)
			user := f.user(t, tt.userType)
			consent := func(authURL string) error {
				resp, err := br.client.Get(authURL)
				if err != nil {
					return err
				}
				page, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				m := requestField.FindSubmatch(page)
				if m == nil {
					return fmt.Errorf("no consent form in %d %s", resp.StatusCode, page)
				}
				resp, err = br.client.PostForm(authURL, url.Values{
					"request": {string(m[1])}, "user_id": {user.ID}, "decision": {tt.decision},
				})
				if err != nil {
					return err
				}
				return br.keep(resp)
			}
			var auth authParams
			tok, err := SignIn(context.Background(), f.cfg, SignInOptions{
				Timeout:     5 * time.Second,
				OnAuthURL:   func(u string) { auth = parseAuthURL(t, u) },
				OpenBrowser: consent,
			})
			status, body := br.page()
			if status != tt.wantStatus || !strings.Contains(body, tt.wantPage) {
				t.Errorf("browser got %d %q, want %d with %q", status, body, tt.wantStatus, tt.wantPage)
			}
			assertClosed(t, auth.redirectURI.Host)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("SignIn err = %v, want %v", err, tt.wantErr)
				}
				var ce *CallbackError
				if !errors.As(err, &ce) || ce.Code != "access_denied" {
					t.Errorf("SignIn err = %#v, want a *CallbackError access_denied", err)
				}
				if len(f.sb.Snapshot().Tokens) != 0 {
					t.Error("a denied sign-in got tokens")
				}
				return
			}
			if err != nil {
				t.Fatalf("SignIn: %v", err)
			}
			if tok.ResourceOwnerID != user.ID || tok.ResourceOwnerType != tt.userType {
				t.Errorf("resource owner = %s/%s, want %s/%s", tok.ResourceOwnerType, tok.ResourceOwnerID, tt.userType, user.ID)
			}
		})
	}
}

// Requests that are not this attempt's callback get a page and leave the
// attempt running; the real callback still succeeds afterwards.
func TestSignInStrayRequestsDoNotEndTheAttempt(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	br := newBrowser(t)
	var auth authParams
	stray := func(authURL string) error {
		base, state := auth.listenerBase(), auth.query.Get("state")
		tests := []struct {
			name, method, target string
			wantStatus           int
			wantText             string
		}{
			{"wrong path", http.MethodGet, base + "/favicon.ico", http.StatusNotFound, "Nothing here"},
			{"redirect on a wrong path", http.MethodGet, base + "/oauth/callback?code=x&state=y", http.StatusNotFound, "the app listens on /callback"},
			{"missing state", http.MethodGet, base + "/callback?code=stolen", http.StatusBadRequest, "this sign-in link is not the one the app is waiting for"},
			{"wrong state", http.MethodGet, base + "/callback?code=stolen&state=" + strings.Repeat("A", 43), http.StatusBadRequest, "this sign-in link is not the one the app is waiting for"},
			{"wrong state with an error", http.MethodGet, base + "/callback?error=access_denied&state=nope", http.StatusBadRequest, "not the one the app is waiting for"},
			{"POST with the right state", http.MethodPost, base + "/callback?code=x&state=" + state, http.StatusMethodNotAllowed, "Unexpected request"},
		}
		for _, tt := range tests {
			req, _ := http.NewRequest(tt.method, tt.target, nil)
			resp, err := br.client.Do(req)
			if err != nil {
				return fmt.Errorf("%s: %w", tt.name, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || !strings.Contains(strings.ToLower(string(body)), strings.ToLower(tt.wantText)) {
				t.Errorf("%s: got %d %q, want %d with %q", tt.name, resp.StatusCode, body, tt.wantStatus, tt.wantText)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("%s: Content-Type %q, want text/html", tt.name, ct)
			}
		}
		return br.open(authURL)
	}
	tok, err := SignIn(context.Background(), f.cfg, SignInOptions{
		Timeout:     5 * time.Second,
		OnAuthURL:   func(u string) { auth = parseAuthURL(t, u) },
		OpenBrowser: stray,
	})
	if err != nil {
		t.Fatalf("SignIn after stray requests: %v", err)
	}
	if tok.AccessToken == "" {
		t.Error("no access token")
	}
	if status, _ := br.page(); status != http.StatusOK {
		t.Errorf("real callback got %d, want 200", status)
	}
}

// After success the listener is gone: replaying the callback URL finds
// nothing to talk to.
func TestSignInReplayedCallbackIsRefused(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	br := newBrowser(t)
	if _, err := SignIn(context.Background(), f.cfg, SignInOptions{Timeout: 5 * time.Second, OpenBrowser: br.open}); err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	cb := br.lastVisited()
	if cb == nil || cb.Query().Get("code") == "" {
		t.Fatalf("the browser never visited the callback (last: %v)", cb)
	}
	replay := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := replay.Get(cb.String())
	if err == nil {
		resp.Body.Close()
		t.Fatalf("replayed callback got %d, want connection refused", resp.StatusCode)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("replayed callback: %v, want connection refused", err)
	}
	assertClosed(t, cb.Host)
}

func TestSignInEndsWithoutABrowser(t *testing.T) {
	tests := []struct {
		name     string
		timeout  time.Duration
		ctx      func() (context.Context, context.CancelFunc)
		cancelOn bool // cancel once the URL is known
		want     []error
		notWant  error
	}{
		{name: "timeout", timeout: 300 * time.Millisecond, ctx: func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, want: []error{ErrTimeout}, notWant: ErrCancelled},
		{name: "cancel", timeout: 5 * time.Second, ctx: func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, cancelOn: true, want: []error{ErrCancelled, context.Canceled}, notWant: ErrTimeout},
		{name: "caller's deadline", timeout: 5 * time.Second, ctx: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, want: []error{ErrCancelled, context.DeadlineExceeded}, notWant: ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, sandbox.Config{AutoApprove: true})
			leaks := goroutineBaseline(t, f.tokenHTTP)
			ctx, cancel := tt.ctx()
			defer cancel()
			var auth authParams
			start := time.Now()
			_, err := SignIn(ctx, f.cfg, SignInOptions{
				Timeout: tt.timeout,
				OnAuthURL: func(u string) {
					auth = parseAuthURL(t, u)
					if tt.cancelOn {
						cancel()
					}
				},
			})
			elapsed := time.Since(start)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want errors.Is %v", err, w)
				}
			}
			if errors.Is(err, tt.notWant) {
				t.Errorf("err = %v, must not be %v", err, tt.notWant)
			}
			if elapsed > 2*time.Second {
				t.Errorf("SignIn took %s to give up", elapsed)
			}
			assertClosed(t, auth.redirectURI.Host)
			leaks()
		})
	}
}

func TestSignInAlreadyCancelled(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	_, err := SignIn(ctx, f.cfg, SignInOptions{OnAuthURL: func(string) { called = true }})
	if !errors.Is(err, ErrCancelled) {
		t.Errorf("err = %v, want ErrCancelled", err)
	}
	if called {
		t.Error("OnAuthURL was called for a cancelled context")
	}
}

// A browser opener that fails is not fatal: the person can open the URL
// printed by OnAuthURL.
func TestSignInOpenBrowserErrorIsNotFatal(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	br := newBrowser(t)
	var authURL string
	done := make(chan error, 1)
	tok, err := SignIn(context.Background(), f.cfg, SignInOptions{
		Timeout: 5 * time.Second,
		OnAuthURL: func(u string) {
			authURL = u
			go func() { done <- br.open(u) }() // the person opens the link by hand
		},
		OpenBrowser: func(u string) error { return fmt.Errorf("xdg-open %s: not found", u) },
	})
	if err != nil || tok == nil {
		t.Fatalf("SignIn: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("browser: %v", err)
	}
	if authURL == "" {
		t.Error("OnAuthURL not called")
	}
}

// The listener is on 127.0.0.1 only: reachable there, refused on this
// machine's other addresses.
func TestSignInListensOnLoopbackOnly(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	others := nonLoopbackIPs(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := SignIn(ctx, f.cfg, SignInOptions{
		Timeout: 5 * time.Second,
		OnAuthURL: func(u string) {
			defer cancel()
			auth := parseAuthURL(t, u)
			if h := auth.redirectURI.Hostname(); h != "127.0.0.1" {
				t.Errorf("redirect_uri host = %q, want 127.0.0.1", h)
			}
			port := auth.redirectURI.Port()
			conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), time.Second)
			if err != nil {
				t.Errorf("listener not reachable on 127.0.0.1:%s: %v", port, err)
			} else {
				conn.Close()
			}
			if len(others) == 0 {
				t.Log("no non-loopback address on this machine; only the loopback side was checked")
			}
			for _, ip := range others {
				addr := net.JoinHostPort(ip.String(), port)
				if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
					conn.Close()
					t.Errorf("listener reachable on %s: it must bind 127.0.0.1 only", addr)
				}
			}
		},
	})
	if !errors.Is(err, ErrCancelled) {
		t.Errorf("err = %v, want ErrCancelled", err)
	}
}

func nonLoopbackIPs(t *testing.T) []net.IP {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Logf("interface addresses: %v", err)
		return nil
	}
	var ips []net.IP
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.IsLoopback() || n.IP.IsLinkLocalUnicast() {
			continue
		}
		ips = append(ips, n.IP)
	}
	return ips
}

func TestSignInRedirectHosts(t *testing.T) {
	ipv6 := true
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		ipv6 = false
	} else {
		ln.Close()
	}
	free := freePort(t)
	tests := []struct {
		name       string
		registered string // what the sandbox has on file
		configured string // what the app uses
		wantHost   string // redirect_uri host:port sent (port "*": any non-zero)
		needsIPv6  bool
	}{
		{name: "127.0.0.1, ephemeral", registered: "http://127.0.0.1/callback", configured: "http://127.0.0.1/callback", wantHost: "127.0.0.1:*"},
		{name: "127.0.0.1, port 0", registered: "http://127.0.0.1/callback", configured: "http://127.0.0.1:0/callback", wantHost: "127.0.0.1:*"},
		{name: "127.0.0.1, fixed port", registered: "http://127.0.0.1:" + free + "/callback", configured: "http://127.0.0.1:" + free + "/callback", wantHost: "127.0.0.1:" + free},
		{name: "localhost, fixed port", registered: "http://localhost:" + free + "/oauth/cb", configured: "http://localhost:" + free + "/oauth/cb", wantHost: "localhost:" + free},
		{name: "[::1], ephemeral", registered: "http://[::1]/callback", configured: "http://[::1]/callback", wantHost: "[::1]:*", needsIPv6: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needsIPv6 && !ipv6 {
				t.Skip("no IPv6 loopback here")
			}
			f := newFixture(t, sandbox.Config{AutoApprove: true, RedirectURIs: []string{tt.registered}})
			cfg := f.cfg
			cfg.RedirectURI = tt.configured
			br := newBrowser(t)
			var auth authParams
			tok, err := SignIn(context.Background(), cfg, SignInOptions{
				Timeout:     5 * time.Second,
				OnAuthURL:   func(u string) { auth = parseAuthURL(t, u) },
				OpenBrowser: br.open,
			})
			if err != nil {
				t.Fatalf("SignIn: %v", err)
			}
			if tok.AccessToken == "" {
				t.Error("no access token")
			}
			host, port, _ := net.SplitHostPort(auth.redirectURI.Host)
			wantHost, wantPort, _ := net.SplitHostPort(tt.wantHost)
			if host != wantHost || (wantPort == "*" && (port == "" || port == "0")) || (wantPort != "*" && port != wantPort) {
				t.Errorf("redirect_uri = %s, want host %s", auth.redirectURI, tt.wantHost)
			}
		})
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func TestSignInConfigErrors(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, busyPort, _ := net.SplitHostPort(busy.Addr().String())

	tests := []struct {
		name   string
		change func(*Config)
		want   []string
	}{
		{"https elsewhere", func(c *Config) { c.RedirectURI = "https://example.com/cb" }, []string{"must start with http://", "https://example.com/cb"}},
		{"https on loopback", func(c *Config) { c.RedirectURI = "https://127.0.0.1:8765/cb" }, []string{"must start with http://", "no TLS"}},
		{"ftp", func(c *Config) { c.RedirectURI = "ftp://127.0.0.1/cb" }, []string{"must start with http://"}},
		{"remote host", func(c *Config) { c.RedirectURI = "http://example.com/cb" }, []string{"127.0.0.1, [::1] or localhost", `"example.com"`}},
		{"all interfaces", func(c *Config) { c.RedirectURI = "http://0.0.0.0:8765/cb" }, []string{"127.0.0.1, [::1] or localhost", `"0.0.0.0"`}},
		{"LAN address", func(c *Config) { c.RedirectURI = "http://192.168.1.10/cb" }, []string{"loopback"}},
		{"no path", func(c *Config) { c.RedirectURI = "http://127.0.0.1:8765" }, []string{"has no path", "/callback"}},
		{"fragment", func(c *Config) { c.RedirectURI = "http://127.0.0.1/cb#x" }, []string{"fragment"}},
		{"user info", func(c *Config) { c.RedirectURI = "http://me@127.0.0.1/cb" }, []string{"user name"}},
		{"port out of range", func(c *Config) { c.RedirectURI = "http://127.0.0.1:70000/cb" }, []string{"invalid port"}},
		{"empty port", func(c *Config) { c.RedirectURI = "http://127.0.0.1:/cb" }, []string{"empty port"}},
		{"not a URL", func(c *Config) { c.RedirectURI = "http://127.0.0.1:port/cb" }, []string{"not a URL"}},
		{"empty", func(c *Config) { c.RedirectURI = "" }, []string{"redirect URI is empty"}},
		{"port in use", func(c *Config) { c.RedirectURI = "http://127.0.0.1:" + busyPort + "/callback" }, []string{"port " + busyPort, "in use", "127.0.0.1:" + busyPort}},
		{"no client id", func(c *Config) { c.ClientID = "" }, []string{"client id is empty"}},
		{"no client secret", func(c *Config) { c.ClientSecret = "" }, []string{"client secret is empty"}},
		{"no authorize URL", func(c *Config) { c.AuthorizeURL = "" }, []string{"authorize URL is empty"}},
		{"relative token URL", func(c *Config) { c.TokenURL = "/api/oauth/token" }, []string{"token URL", "absolute"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := f.cfg
			tt.change(&cfg)
			called := false
			_, err := SignIn(context.Background(), cfg, SignInOptions{
				Timeout:   time.Second,
				OnAuthURL: func(string) { called = true },
			})
			if err == nil {
				t.Fatal("SignIn succeeded, want a config error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %q, want it to mention %q", err, w)
				}
			}
			if called {
				t.Error("the sign-in started despite the config error")
			}
			mustNotContain(t, "config error", err.Error(), map[string]string{"client secret": f.info.ClientSecret})
		})
	}
}

// Cancelled in the app, authorized in the browser after: the listener is
// still there for a while and says the sign-in was cancelled, exchanging
// nothing; then it closes. A new sign-in on the same fixed port takes it over.
func TestSignInLingersAfterCancel(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	f.cfg.RedirectURI = "http://127.0.0.1:" + freePort(t) + "/callback"
	br := newBrowser(t)
	ctx, cancel := context.WithCancel(context.Background())
	var authURL string
	_, err := SignIn(ctx, f.cfg, SignInOptions{
		Timeout:           5 * time.Second,
		LingerAfterCancel: 700 * time.Millisecond,
		OnAuthURL: func(u string) {
			authURL = u
			cancel()
		},
	})
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", err)
	}
	if err := br.open(authURL); err != nil { // the person authorizes after all
		t.Fatalf("late authorization: %v", err)
	}
	status, body := br.page()
	if status != http.StatusGone || !strings.Contains(body, "This sign-in was cancelled in Fullscript Companion") {
		t.Errorf("late callback: %d %q", status, body)
	}
	if n := len(f.sb.Snapshot().Tokens); n != 0 {
		t.Errorf("the late callback's code was exchanged: %d token pairs issued", n)
	}
	// Then it closes (polled: the linger ends on a timer, not at a step of ours).
	addr := parseAuthURL(t, authURL).redirectURI.Host
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still open 5 s after a 700 ms linger", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	assertClosed(t, addr)

	// Within the linger, a new sign-in on the same port replaces the old listener.
	ctx2, cancel2 := context.WithCancel(context.Background())
	_, _ = SignIn(ctx2, f.cfg, SignInOptions{Timeout: 5 * time.Second, LingerAfterCancel: time.Minute, OnAuthURL: func(string) { cancel2() }})
	tok, err := SignIn(context.Background(), f.cfg, SignInOptions{Timeout: 5 * time.Second, OpenBrowser: br.open})
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("sign-in on the port a cancelled one kept: %v", err)
	}
	assertClosed(t, addr)
}

// Finish runs before the browser's page: the page names who signed in
// where, or says the app could not keep the sign-in.
func TestSignInFinishNamesWhoOnThePage(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	br := newBrowser(t)
	if _, err := SignIn(context.Background(), f.cfg, SignInOptions{Timeout: 5 * time.Second, OpenBrowser: br.open,
		Finish: func(tok *Token) (string, error) { return "Dr. Ada Moss at Riverside Wellness Clinic", nil }}); err != nil {
		t.Fatal(err)
	}
	if status, body := br.page(); status != http.StatusOK || !strings.Contains(body, "Signed in as Dr. Ada Moss at Riverside Wellness Clinic") {
		t.Errorf("success page: %d %q", status, body)
	}

	keep := errors.New("save the account: disk full")
	_, err := SignIn(context.Background(), f.cfg, SignInOptions{Timeout: 5 * time.Second, OpenBrowser: br.open,
		Finish: func(*Token) (string, error) { return "", keep }})
	if !errors.Is(err, keep) {
		t.Errorf("err = %v, want the Finish error", err)
	}
	if status, body := br.page(); status != http.StatusBadGateway || !strings.Contains(body, "could not keep it") || strings.Contains(body, "disk full") {
		t.Errorf("page after a failed Finish: %d %q", status, body)
	}
}

// A page whose name was rebound to 127.0.0.1 sends its own name in Host:
// the listener refuses it, even with the right state, and keeps waiting for
// the real redirect.
func TestSignInRefusesAnotherHost(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	br := newBrowser(t)
	var auth authParams
	tok, err := SignIn(context.Background(), f.cfg, SignInOptions{
		Timeout:   5 * time.Second,
		OnAuthURL: func(u string) { auth = parseAuthURL(t, u) },
		OpenBrowser: func(authURL string) error {
			req, _ := http.NewRequest(http.MethodGet, auth.listenerBase()+"/callback?code=stolen&state="+auth.query.Get("state"), nil)
			req.Host = "evil.example:" + auth.redirectURI.Port()
			resp, err := br.client.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMisdirectedRequest {
				t.Errorf("a foreign Host got %d, want 421", resp.StatusCode)
			}
			return br.open(authURL)
		},
	})
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("the real redirect after a foreign one: %v", err)
	}
}
