package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// DefaultSignInTimeout is how long SignIn waits for the browser.
const DefaultSignInTimeout = 5 * time.Minute

// shutdownGrace bounds the wait for the listener's open connections; a
// browser may hold a pre-opened one that net/http would wait 5 s for.
const shutdownGrace = 2 * time.Second

// SignInOptions are per attempt.
type SignInOptions struct {
	// Timeout is how long to wait for the browser to come back
	// (DefaultSignInTimeout when 0).
	Timeout time.Duration
	// OpenBrowser opens the authorization URL. nil: do not open it (the
	// CLI's --no-browser). An error is logged, not fatal: the URL is shown
	// through OnAuthURL anyway. It is called synchronously and should
	// return once the browser is asked to open.
	OpenBrowser func(url string) error
	// OnAuthURL gets the authorization URL once the listener is up, to
	// show it. The URL carries this attempt's state: show it, don't log it.
	OnAuthURL func(url string)
	// Logger: nil uses Config.Logger, then slog.Default().
	Logger *slog.Logger
	// Finish, when set, runs once the code is exchanged and before the
	// browser's page is written: the caller keeps the sign-in (names the
	// clinic, stores the account) and returns who signed in where, for the
	// page to say. Its error fails the sign-in, and the page says so.
	Finish func(tok *Token) (who string, err error)
	// LingerAfterCancel keeps the listener for this long after the caller
	// cancels, answering a late callback (the person authorized after
	// Cancel in the app) with a page saying the sign-in was cancelled,
	// never exchanging its code. 0 closes at once.
	LingerAfterCancel time.Duration
}

// SignIn runs one authorization code flow: it listens on the redirect URI's
// loopback address, sends the person to Fullscript, accepts the one
// callback carrying this attempt's state, and exchanges its code.
//
// It returns a *CallbackError (errors.Is ErrDenied when the person said no),
// ErrTimeout, ErrCancelled, a *TokenError from the exchange, or a config
// error. The listener is closed when it returns, whatever the outcome.
func SignIn(ctx context.Context, cfg Config, opts SignInOptions) (*Token, error) {
	log := cfg.logger(opts.Logger)
	if err := checkSignIn(cfg); err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}
	redirect, err := parseRedirect(cfg.RedirectURI)
	if err != nil {
		return nil, fmt.Errorf("sign-in: %w: %w", ErrRedirectURI, err)
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultSignInTimeout
	}
	if timeout < 0 {
		return nil, fmt.Errorf("sign-in: the timeout must be positive, got %s", timeout)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sign-in: %w: %w", ErrCancelled, context.Cause(ctx))
	}

	state := newState()
	verifier := oauth2.GenerateVerifier()
	ln, err := redirect.listen(ctx)
	if err != nil {
		// This computer, not Fullscript: never "cannot be reached".
		return nil, fmt.Errorf("sign-in: %w: %w", ErrListen, err)
	}
	redirectURI := redirect.withPort(ln.Addr().(*net.TCPAddr).Port)
	conf := cfg.oauth2Config(redirectURI)
	authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))

	attempt, cancel := context.WithTimeoutCause(ctx, timeout, ErrTimeout)
	cb := newCallback(redirect.uri.Path, state, log, func(code string) (*Token, error) {
		return exchangeCode(attempt, cfg, conf, code, verifier)
	})
	cb.finishHook = opts.Finish
	if u, err := url.Parse(redirectURI); err == nil {
		cb.host = u.Host
	}
	srv := &http.Server{
		Handler:           cb,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	var serving sync.WaitGroup
	serving.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("sign-in listener stopped", "err", err)
		}
	})
	defer func() {
		cancel() // first, so an exchange still running gives up
		if opts.LingerAfterCancel > 0 && ctx.Err() != nil && cb.cancel() {
			// The caller cancelled before any callback: answer a late one
			// for a while, off this call (the caller moves on now).
			lingerThenStop(srv, &serving, log, ln.Addr().String(), opts.LingerAfterCancel)
			return
		}
		stopListener(srv, &serving, log)
	}()

	if !redirect.fixedPort() && redirect.uri.Hostname() != redirect.bindHost {
		// RFC 8252's any-port rule is for IP literals; a "localhost" URI is
		// matched exactly, port included, so an ephemeral one will not match.
		log.Warn("sign-in: the redirect URI uses localhost without a port; Fullscript may refuse the port picked, register and configure a fixed one",
			"redirect_uri", redirectURI)
	}
	log.Info("sign-in: waiting for the browser", "listen", ln.Addr().String(), "redirect_uri", redirectURI,
		"authorize_endpoint", cfg.AuthorizeURL, "timeout", timeout, "pkce", "S256")
	if opts.OnAuthURL != nil {
		opts.OnAuthURL(authURL)
	}
	if opts.OpenBrowser != nil {
		if err := opts.OpenBrowser(authURL); err != nil {
			log.Warn("sign-in: could not open the browser; open the sign-in link by hand",
				"err", redact(err.Error(), authURL, state))
		}
	}

	select {
	case res := <-cb.results:
		if res.err != nil && attempt.Err() != nil &&
			(errors.Is(res.err, context.Canceled) || errors.Is(res.err, context.DeadlineExceeded)) {
			// The exchange failed because the attempt ended: say why it ended.
			return nil, attemptEnded(attempt, timeout)
		}
		return finishSignIn(res, log)
	case <-attempt.Done():
		// A completed exchange that raced the deadline still counts.
		select {
		case res := <-cb.results:
			if res.err == nil {
				return finishSignIn(res, log)
			}
		default:
		}
		err := attemptEnded(attempt, timeout)
		log.Info("sign-in: ended without a callback", "err", err)
		return nil, err
	}
}

func checkSignIn(cfg Config) error {
	if err := cfg.checkCredentials(); err != nil {
		return err
	}
	if err := checkEndpoint("authorize URL", cfg.AuthorizeURL); err != nil {
		return err
	}
	return checkEndpoint("token URL", cfg.TokenURL)
}

func finishSignIn(res result, log *slog.Logger) (*Token, error) {
	if res.err != nil {
		log.Warn("sign-in failed", "err", res.err)
		return nil, fmt.Errorf("sign-in: %w", res.err)
	}
	log.Info("sign-in: signed in", "token", res.tok)
	return res.tok, nil
}

// attemptEnded tells our timeout from the caller's cancellation (which
// includes the caller's own deadline).
func attemptEnded(attempt context.Context, timeout time.Duration) error {
	cause := context.Cause(attempt)
	if errors.Is(cause, ErrTimeout) {
		return fmt.Errorf("sign-in: no answer from the browser within %s: %w", timeout, ErrTimeout)
	}
	return fmt.Errorf("sign-in: %w: %w", ErrCancelled, cause)
}

// stopListener closes the listener and waits for its goroutines, so no
// port or goroutine outlives SignIn.
func stopListener(srv *http.Server, serving *sync.WaitGroup, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Debug("sign-in listener: forcing connections closed", "err", err)
		_ = srv.Close()
	}
	serving.Wait()
}

// lingering are the listeners kept after a cancel, by address: a new
// sign-in on the same fixed port stops its lingering one first.
var (
	lingerMu  sync.Mutex
	lingering = map[string]func(){}
)

func lingerThenStop(srv *http.Server, serving *sync.WaitGroup, log *slog.Logger, addr string, d time.Duration) {
	var once sync.Once
	stop := func() {
		once.Do(func() {
			lingerMu.Lock()
			delete(lingering, addr)
			lingerMu.Unlock()
			stopListener(srv, serving, log)
		})
	}
	lingerMu.Lock()
	lingering[addr] = stop
	lingerMu.Unlock()
	log.Debug("sign-in listener: kept after the cancel, for a late callback", "listen", addr, "for", d)
	time.AfterFunc(d, stop)
}

// stopLingering stops a listener kept after a cancel on addr, if any.
func stopLingering(addr string) {
	lingerMu.Lock()
	stop := lingering[addr]
	lingerMu.Unlock()
	if stop != nil {
		stop()
	}
}

// newState is 32 random bytes, base64url: unguessable and URL-safe.
func newState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// redact removes the authorization URL and state from text we did not
// write (an opener's error may quote the URL).
func redact(text, authURL, state string) string {
	text = strings.ReplaceAll(text, authURL, "<authorization URL>")
	return strings.ReplaceAll(text, state, "<state>")
}
