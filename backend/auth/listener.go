package auth

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// loopbackRedirect is a redirect URI the app can receive itself: http, on a
// loopback host, with the port to bind ("" or "0": any free port).
type loopbackRedirect struct {
	uri      *url.URL
	bindHost string // 127.0.0.1 or ::1: never a name to resolve, never 0.0.0.0
	port     string
}

// parseRedirect checks the configured redirect URI. Every refusal says why,
// because a wrong URI otherwise shows up as a browser error page or a
// sign-in that never comes back.
func parseRedirect(raw string) (*loopbackRedirect, error) {
	const example = "e.g. http://127.0.0.1:8765/callback"
	if raw == "" {
		return nil, fmt.Errorf("the redirect URI is empty: set the one registered for the app with Fullscript, %s", example)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the redirect URI %q is not a URL (%s): %w", raw, example, err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("the redirect URI %q must start with http:// (%s): the app receives the redirect on a loopback listener, which has no TLS certificate", raw, example)
	}
	host := u.Hostname()
	var bind string
	switch {
	case host == "127.0.0.1":
		bind = "127.0.0.1"
	case host == "::1":
		bind = "::1"
	case strings.EqualFold(host, "localhost"):
		// Bind the IP: resolving "localhost" could pick another interface.
		bind = "127.0.0.1"
	default:
		return nil, fmt.Errorf("the redirect URI %q must be on 127.0.0.1, [::1] or localhost (%s): the app can only receive the redirect on this computer's loopback interface, not on %q", raw, example, host)
	}
	if u.User != nil {
		return nil, fmt.Errorf("the redirect URI %q must not contain a user name or password", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("the redirect URI %q must not have a #fragment (RFC 6749 3.1.2)", raw)
	}
	if u.Path == "" {
		return nil, fmt.Errorf("the redirect URI %q has no path: add the path registered with Fullscript, %s", raw, example)
	}
	port := u.Port()
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			return nil, fmt.Errorf("the redirect URI %q has an invalid port %q", raw, port)
		}
	}
	if strings.HasSuffix(u.Host, ":") {
		return nil, fmt.Errorf("the redirect URI %q has an empty port: drop the colon for any free port", raw)
	}
	return &loopbackRedirect{uri: u, bindHost: bind, port: port}, nil
}

// fixedPort says whether the URI names a port (the registered one).
func (r *loopbackRedirect) fixedPort() bool { return r.port != "" && r.port != "0" }

// listen binds the loopback IP only.
func (r *loopbackRedirect) listen(ctx context.Context) (net.Listener, error) {
	port := r.port
	if !r.fixedPort() {
		port = "0"
	}
	addr := net.JoinHostPort(r.bindHost, port)
	if r.fixedPort() {
		stopLingering(addr) // a cancelled sign-in's listener gives way to this one
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		if r.fixedPort() {
			return nil, fmt.Errorf("cannot listen on %s for the sign-in redirect: port %s may be in use by another program or another sign-in; close it, or register a redirect URI with another port and set it in the app: %w", addr, port, err)
		}
		return nil, fmt.Errorf("cannot listen on a free port of %s for the sign-in redirect: %w", r.bindHost, err)
	}
	return ln, nil
}

// withPort is the configured URI with the port actually bound, host kept
// as written ("localhost" stays "localhost").
func (r *loopbackRedirect) withPort(port int) string {
	u := *r.uri
	u.Host = net.JoinHostPort(r.uri.Hostname(), strconv.Itoa(port))
	return u.String()
}

// result is how the single accepted callback ends the attempt.
type result struct {
	tok *Token
	err error
}

// callback serves the listener: it accepts one callback that carries this
// attempt's state and answers everything else with a page, leaving the
// attempt running.
type callback struct {
	path     string
	state    string
	log      *slog.Logger
	exchange func(code string) (*Token, error)
	results  chan result // buffered: the one accepted callback never blocks on it

	// host is the redirect URI's host:port, the only Host served.
	host string
	// finishHook: SignInOptions.Finish.
	finishHook func(tok *Token) (string, error)

	mu        sync.Mutex
	done      bool
	cancelled bool // the caller gave up: a late callback is told so, not exchanged
}

// cancel marks the attempt cancelled unless a callback was already taken;
// it reports whether it did.
func (c *callback) cancel() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return false
	}
	c.cancelled = true
	return true
}

func newCallback(path, state string, log *slog.Logger, exchange func(string) (*Token, error)) *callback {
	return &callback{path: path, state: state, log: log, exchange: exchange, results: make(chan result, 1)}
}

func (c *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The browser comes back to the redirect URI's own host and port; any
	// other Host is a page whose name was rebound to this loopback address.
	if c.host != "" && !strings.EqualFold(r.Host, c.host) {
		c.log.Warn("sign-in listener: refused a request for another host")
		writePage(w, http.StatusMisdirectedRequest, wrongHostPage)
		return
	}
	q := r.URL.Query()
	if r.URL.Path != c.path {
		// Paths are logged, never queries: those are where codes travel.
		looksLikeRedirect := q.Has("code") || q.Has("state") || q.Has("error")
		c.log.Info("sign-in listener: request on a path it does not serve", "path", r.URL.Path, "expected_path", c.path, "looks_like_redirect", looksLikeRedirect)
		writePage(w, http.StatusNotFound, notFoundPage(c.path, looksLikeRedirect))
		return
	}
	if r.Method != http.MethodGet {
		c.log.Info("sign-in listener: wrong method on the callback", "method", r.Method)
		w.Header().Set("Allow", http.MethodGet)
		writePage(w, http.StatusMethodNotAllowed, methodPage)
		return
	}

	c.mu.Lock()
	if c.cancelled {
		c.mu.Unlock()
		c.log.Info("sign-in listener: callback after the sign-in was cancelled in the app; its code is not used")
		writePage(w, http.StatusGone, cancelledPage)
		return
	}
	if c.done {
		c.mu.Unlock()
		c.log.Info("sign-in listener: callback after the sign-in finished")
		writePage(w, http.StatusGone, finishedPage)
		return
	}
	got := q.Get("state")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(c.state)) != 1 {
		c.mu.Unlock()
		reason := "wrong state"
		if got == "" {
			reason = "no state"
		}
		c.log.Warn("sign-in listener: callback refused, it does not belong to this sign-in", "reason", reason)
		writePage(w, http.StatusBadRequest, wrongStatePage)
		return
	}
	c.done = true // the state is single use, even if the exchange fails
	c.mu.Unlock()

	if code := q.Get("error"); code != "" {
		err := &CallbackError{Code: clip(code), Description: clip(q.Get("error_description"))}
		c.log.Warn("sign-in listener: Fullscript returned an error", "error_code", err.Code, "description", err.Description)
		writePage(w, callbackErrorStatus(err), callbackErrorPage(err))
		c.finish(nil, err)
		return
	}
	code := q.Get("code")
	if code == "" {
		err := &CallbackError{Code: "invalid_request", Description: "the redirect carried neither a code nor an error"}
		c.log.Warn("sign-in listener: callback without a code")
		writePage(w, http.StatusBadRequest, callbackErrorPage(err))
		c.finish(nil, err)
		return
	}
	c.log.Debug("sign-in listener: callback accepted, exchanging the code")
	tok, err := c.exchange(code)
	if err != nil {
		writePage(w, http.StatusBadGateway, exchangeFailedPage(err))
		c.finish(nil, err)
		return
	}
	who := ""
	if c.finishHook != nil {
		if who, err = c.finishHook(tok); err != nil {
			writePage(w, http.StatusBadGateway, keepFailedPage())
			c.finish(nil, err)
			return
		}
	}
	writePage(w, http.StatusOK, successPageFor(who))
	c.finish(tok, nil)
}

func (c *callback) finish(tok *Token, err error) {
	c.results <- result{tok: tok, err: err}
}

func callbackErrorStatus(err *CallbackError) int {
	if err.Code == "access_denied" {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// CheckRedirectURI says whether sign-in can receive its redirect at raw
// (a loopback http address with a path, a valid port, no user or
// fragment), so a settings form never saves one the listener refuses.
func CheckRedirectURI(raw string) error {
	_, err := parseRedirect(raw)
	return err
}
