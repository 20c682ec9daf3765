// Package sandbox is a local stand-in for Fullscript's sandbox: OAuth
// (authorize with a consent page, token, revoke), the bearer-checked REST
// routes the companion uses, session grants, and the Embed pages that
// @fullscript/fullscript-js loads in an iframe. It keeps its state in memory,
// and in a file too when Config.StatePath is set (persist.go), and can inject
// faults per route.
//
// It plays Fullscript's side, so it imports nothing from the client side
// (backend/auth, backend/fullscript): two independent implementations of the
// protocol keep each other honest. What it does is written from
// shared/reference/fullscript-api.md; where that reference says
// [UNCONFIRMED], the choice made here is named in docs/sandbox.md.
package sandbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults, from the reference: access tokens live 2 h, codes 10 min, grants 120 s.
const (
	DefaultAddr      = "127.0.0.1:8787"
	DefaultAccessTTL = 2 * time.Hour
	CodeTTL          = 10 * time.Minute
	GrantTTL         = 120 * time.Second
	// DefaultRedirectURI is the built-in client's registered redirect URI.
	// As a loopback IP literal it matches on any port (RFC 8252) unless
	// StrictRedirect is set.
	DefaultRedirectURI = "http://127.0.0.1/callback"
)

// DefaultAllowedOrigins are the webview origins the Embed pages may be
// framed by: a Wails build and `wails dev` (reference 5.11).
var DefaultAllowedOrigins = []string{"wails://wails", "wails://wails.localhost:34115"}

// Config says how the sandbox behaves. The zero value is usable.
type Config struct {
	// AutoApprove skips the consent page: the person named by login_hint,
	// else the first practitioner of the first clinic, approves at once.
	AutoApprove bool
	// AccessTTL is the access token lifetime (default 2 h).
	AccessTTL time.Duration
	// AllowOrigins are added to DefaultAllowedOrigins.
	AllowOrigins []string
	// StrictRedirect turns off the RFC 8252 loopback rule: the port must match too.
	StrictRedirect bool
	// ProductionOrigins frames the Embed pages as production Fullscript
	// does: for https origins on the allow-list only (reference 5.9), so a
	// webview's wails://wails is refused and the app must use Redirect links.
	ProductionOrigins bool
	// Scopes granted to new sign-ins (space-separated); default GrantedScopes.
	// Tokens keep the scopes they were issued with, as at Fullscript.
	Scopes string
	// RedirectURIs registered for the built-in client (default DefaultRedirectURI).
	RedirectURIs []string
	// Client credentials; from the state file, else random, when empty.
	// A value given here wins over the state file's, silently, and is
	// saved in its place.
	ClientID, ClientSecret, PublicKey string
	// StatePath, when set, is a JSON file that keeps the state across
	// restarts (accounts, tokens, patients, grants, plans, events; see
	// docs/sandbox.md). New loads it, or seeds and writes it when it does
	// not exist; every request that changed the state saves it before its
	// reply goes out; Close saves it once more. A file that cannot be read
	// or parsed, or comes from a newer format version, makes New fail: it
	// is never reseeded over. Empty: memory only, nothing is written.
	StatePath string
	// StateReadOnly loads StatePath (it must exist) and never writes it:
	// a load test's users come from a file, and the file is not its subject.
	StateReadOnly bool
	// Now is the clock (tests move it); time.Now when nil.
	Now func() time.Time
	// Logger gets one line per request (never a query string or a body).
	Logger *slog.Logger
}

// Sandbox is one emulated Fullscript environment.
type Sandbox struct {
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	origins []string
	faults  *faultTable
	reqLog  requestLog

	mu      sync.Mutex
	baseURL string
	st      *state

	store *stateStore // nil without Config.StatePath

	srv     *http.Server
	ln      net.Listener
	stopped atomic.Bool // Close has shut srv down
}

// New builds a sandbox with its seed data, or with the state saved at
// cfg.StatePath. It does not listen: call Start, or mount Handler on a
// server of your own.
func New(cfg Config) (*Sandbox, error) {
	if cfg.AccessTTL == 0 {
		cfg.AccessTTL = DefaultAccessTTL
	}
	if cfg.AccessTTL < 0 {
		return nil, fmt.Errorf("access token lifetime must be positive, got %s", cfg.AccessTTL)
	}
	if len(cfg.RedirectURIs) == 0 {
		cfg.RedirectURIs = []string{DefaultRedirectURI}
	}
	if cfg.Scopes == "" {
		cfg.Scopes = GrantedScopes
	}
	cfg.Scopes = strings.Join(strings.Fields(cfg.Scopes), " ")
	for _, u := range cfg.RedirectURIs {
		if _, err := parseRedirectURI(u); err != nil {
			return nil, fmt.Errorf("registered redirect URI %q: %w", u, err)
		}
	}
	origins := append([]string{}, DefaultAllowedOrigins...)
	for _, o := range cfg.AllowOrigins {
		norm, err := normalizeOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("allowed origin %q: %w", o, err)
		}
		origins = append(origins, norm)
	}
	st := newState(seed())
	if cfg.StatePath != "" {
		abs, err := filepath.Abs(cfg.StatePath)
		if err != nil {
			return nil, fmt.Errorf("sandbox state file %s: %w", cfg.StatePath, err)
		}
		cfg.StatePath = abs
		loaded, f, found, err := loadState(abs)
		if err != nil {
			return nil, err
		}
		if !found && cfg.StateReadOnly {
			return nil, fmt.Errorf("sandbox state file %s does not exist (StateReadOnly loads one, it makes none)", abs)
		}
		if found {
			st = loaded
			cfg.ClientID = cmp.Or(cfg.ClientID, f.ClientID)
			cfg.ClientSecret = cmp.Or(cfg.ClientSecret, f.ClientSecret)
			cfg.PublicKey = cmp.Or(cfg.PublicKey, f.PublicKey)
		}
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "sandbox-" + randomHex(12)
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = "sbx_secret_" + randomHex(24)
	}
	if cfg.PublicKey == "" {
		cfg.PublicKey = "sbx_pk_" + randomHex(16)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sandbox{
		cfg:     cfg,
		now:     func() time.Time { return now().UTC() },
		log:     log,
		origins: origins,
		faults:  newFaultTable(),
		st:      st,
	}
	if cfg.StatePath != "" && !cfg.StateReadOnly {
		// Write now, seeded or loaded: a file that cannot be written is
		// found at start, not after the first sign-in is lost.
		if err := os.MkdirAll(filepath.Dir(cfg.StatePath), 0o700); err != nil {
			return nil, fmt.Errorf("sandbox state file %s: %w", cfg.StatePath, err)
		}
		s.store = &stateStore{path: cfg.StatePath}
		if err := s.save(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// normalizeOrigin checks an origin has a scheme and no path, and drops a
// trailing slash (MessageEvent.origin never has one).
func normalizeOrigin(o string) (string, error) {
	o = strings.TrimSuffix(strings.TrimSpace(o), "/")
	scheme, rest, ok := strings.Cut(o, "://")
	if !ok || scheme == "" || rest == "" {
		return "", errors.New("an origin is scheme://host[:port], e.g. http://127.0.0.1:5173")
	}
	if strings.ContainsAny(rest, "/?#") {
		return "", errors.New("an origin has no path, query or fragment")
	}
	return o, nil
}

// Start listens on addr (a loopback IP and a port; port 0 picks one) and
// serves until Close. It returns the base URL.
func (s *Sandbox) Start(addr string) (string, error) {
	if err := checkLoopback(addr); err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", addr, err)
	}
	base := "http://" + ln.Addr().String()
	s.SetBaseURL(base)
	s.ln = ln
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sandbox stopped serving", "err", err)
		}
	}()
	return base, nil
}

// Close stops the server started by Start, then saves the state file one
// last time (with Config.StatePath; also when the sandbox was mounted with
// Handler instead of Start). Calling it again only saves.
func (s *Sandbox) Close(ctx context.Context) error {
	var errs []error
	if s.srv != nil && !s.stopped.Swap(true) {
		if err := s.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop sandbox: %w", err))
		}
		// Shutdown closes only the listeners Serve has begun with; Start's
		// goroutine may not have got there yet, and until then the kernel
		// accepts connections that Serve would then reset. Closed here, the
		// port refuses as soon as Close returns.
		if err := s.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("close the sandbox's listener: %w", err))
		}
	}
	if err := s.save(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// checkLoopback refuses to listen anywhere but a loopback IP: the sandbox
// hands out tokens and shows them on /_sandbox/state.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: want host:port, e.g. %s", addr, DefaultAddr)
	}
	if port == "" {
		return fmt.Errorf("address %q has no port; use :0 to pick a free one", addr)
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q: the sandbox listens on a loopback IP only (127.0.0.1 or [::1]), never on %q", addr, host)
	}
	return nil
}

// SetBaseURL tells a sandbox mounted on someone else's server where it is;
// Start sets it itself. Links it hands out (info, consent form) use it.
func (s *Sandbox) SetBaseURL(base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.baseURL = strings.TrimSuffix(base, "/")
}

// BaseURL is where the sandbox is served, once known.
func (s *Sandbox) BaseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// ClientID, ClientSecret and PublicKey are the built-in client's credentials.
func (s *Sandbox) ClientID() string     { return s.cfg.ClientID }
func (s *Sandbox) ClientSecret() string { return s.cfg.ClientSecret }
func (s *Sandbox) PublicKey() string    { return s.cfg.PublicKey }

// Handler serves every route.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	return s.withRequestID(s.withLog(s.withGuard(s.withFaults(s.withSave(mux)))))
}

func (s *Sandbox) routes(mux *http.ServeMux) {
	// Control routes, for the app and for tests.
	mux.HandleFunc("GET /_sandbox/info", s.handleInfo)
	mux.HandleFunc("GET /_sandbox/state", s.handleState)
	mux.HandleFunc("GET /_sandbox/faults", s.handleListFaults)
	mux.HandleFunc("POST /_sandbox/faults", s.handleAddFault)
	mux.HandleFunc("DELETE /_sandbox/faults", s.handleClearFaults)
	mux.HandleFunc("POST /_sandbox/happen", s.handleHappen)
	mux.HandleFunc("GET /_sandbox/requests", s.handleRequests)
	mux.Handle("GET /_sandbox/assets/", assetHandler())

	// OAuth.
	for _, p := range []string{"/api/oauth/authorize", "/oauth/authorize"} {
		mux.HandleFunc("GET "+p, s.handleAuthorize)
		mux.HandleFunc("POST "+p, s.handleConsent)
	}
	mux.HandleFunc("POST /api/oauth/token", s.handleToken)
	mux.HandleFunc("POST /api/oauth/revoke", s.handleRevoke)

	// REST, bearer-checked.
	mux.Handle("GET /api/clinic", s.bearer(s.handleClinic))
	mux.Handle("GET /api/clinic/practitioners", s.bearer(s.handleListUsers(practitioner)))
	mux.Handle("GET /api/clinic/practitioners/{id}", s.bearer(s.handleGetUser(practitioner)))
	mux.Handle("GET /api/clinic/staff", s.bearer(s.handleListUsers(staff)))
	mux.Handle("GET /api/clinic/staff/{id}", s.bearer(s.handleGetUser(staff)))
	mux.Handle("GET /api/clinic/patients", s.bearer(s.handleListPatients))
	mux.Handle("POST /api/clinic/patients", s.bearer(s.handleCreatePatient))
	mux.Handle("GET /api/clinic/patients/{id}", s.bearer(s.handleGetPatient))
	mux.Handle("GET /api/clinic/search/patients", s.bearer(s.handleSearchPatients))
	mux.Handle("GET /api/clinic/patients/{id}/treatment_plans", s.bearer(s.handleListPatientPlans))
	mux.Handle("GET /api/clinic/treatment_plans/{id}", s.bearer(s.handleGetPlan))
	mux.Handle("POST /api/clinic/embeddable/session_grants", s.bearer(s.handleCreateGrant))
	mux.Handle("GET /api/events/{key}", s.bearer(s.handleEvents))

	// Fullscript Redirect: dynamic links, and the pages they lead to in the browser.
	mux.Handle("POST /api/clinic/dynamic_links/treatment_plans", s.bearer(s.handleCreateLink(linkDraft)))
	mux.Handle("POST /api/clinic/dynamic_links/gateway/treatment_plans", s.bearer(s.handleCreateLink(linkGateway)))
	mux.Handle("GET /api/clinic/dynamic_links/treatment_plans/{id}", s.bearer(s.handleGetLink))
	mux.HandleFunc("GET /redirect/treatment_plan", s.handleRedirectPage)
	mux.HandleFunc("POST /redirect/sign_in", s.handleRedirectSignIn)
	mux.HandleFunc("GET /invitation", s.handleInvitation)

	// Embed: what fullscript-js calls from the webview.
	mux.HandleFunc("OPTIONS /api/embeddable/tokenize", s.handleTokenizePreflight)
	mux.HandleFunc("POST /api/embeddable/tokenize", s.handleTokenize)
	mux.HandleFunc("GET /api/embeddable/session/treatment_plans/new", s.handleEmbedPage(featureTreatmentPlan))
	mux.HandleFunc("GET /api/embeddable/session/embed/entry", s.handleEmbedPage(featurePlatform))
	mux.HandleFunc("POST /api/embeddable/session/actions/{action}", s.handleEmbedAction)

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeStatusError(w, http.StatusNotFound)
	})
}
