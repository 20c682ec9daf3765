// Package companion holds the use cases that the desktop window (app.go) and
// the headless CLI (backend/cli) share. It owns no UI and no transport: both
// front doors call the same methods, so they cannot drift apart.
package companion

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"fullscript-companion/backend/store"
	"fullscript-companion/backend/vault"
)

// DBFileName is the vault's SQLite file in the data folder.
const DBFileName = "companion.db"

// KeyringEnv set to "off" keeps the data key in a file instead of the OS
// keyring (machines whose keyring misbehaves); read by the front doors.
const KeyringEnv = "FSC_KEYRING"

// DefaultEnvironment is the built-in Fullscript sandbox, so the app runs and
// can be tried with no Fullscript account at all.
const DefaultEnvironment = "local"

// Options configures a Service. The zero value is the app as a user runs it.
type Options struct {
	// DataDir is where the vault and history live. Empty means the platform's
	// usual place, resolved from Platform when the app starts.
	DataDir string
	// Platform is read to find the data folder; empty means this process's OS
	// and environment.
	Platform Platform
	// Environment is the Fullscript environment new sign-ins use.
	Environment string
	Logger      *slog.Logger
	// Now is the clock; tests pin it.
	Now func() time.Time
	// KeyringOff keeps a new data key in a file, not the OS keyring.
	KeyringOff bool
	// Keyring replaces the OS keyring (tests); nil means the real one.
	Keyring vault.Keyring
	// HTTPClient calls Fullscript; nil means one with a 30 s timeout.
	HTTPClient *http.Client
	// EmbeddedSandbox runs the local Fullscript sandbox inside the app (the
	// window's default), its state kept in the data folder, unless
	// FULLSCRIPT_SANDBOX_URL names another one.
	EmbeddedSandbox bool
	// KeepBackups: the window keeps backups of the vault (daily, and after
	// each sign-in and sign-out). Commands do not: they are short and many.
	KeepBackups bool
}

// Service is the app's core. It is safe for concurrent use: Wails calls bound
// methods from several goroutines.
type Service struct {
	platform     Platform
	environment  string
	log          *slog.Logger
	now          func() time.Time
	http         *http.Client
	keyringOff   bool
	keyring      vault.Keyring
	hook         string // FULLSCRIPT_COMPANION_TEST_HOOK, see tokens.go
	embedSandbox bool
	keepBackups  bool
	locks        accountLocks
	flight       singleflight.Group
	stats        keeperStats
	budget       *rateBudget // Fullscript's rate limit, for the whole app
	events       eventPolling
	keeperTimes  keeperTimes // zero: keeperNap, keeperBackoffMin
	afterKeyHook func()      // tests: runs between opening the key and the database

	mu            sync.Mutex
	dataDir       string
	started       time.Time
	startErr      error
	frontendReady bool
	webviewOrigin string
	sandbox       *embeddedSandbox
	frameChecks   map[frameKey]string   // Embed frame checks of this run (open_mode.go)
	checkedTokens map[string]tokenCheck // accounts.go: which pairs unseal
	vault         *vault.Vault
	store         *store.Store
	closed        bool // Shutdown ran: nothing reopens the vault
}

// New builds a Service. It has no side effects: Wails runs main() during
// binding generation, so anything that touches the disk waits for Start.
func New(opts Options) *Service {
	s := &Service{
		dataDir:      opts.DataDir,
		platform:     opts.Platform,
		environment:  opts.Environment,
		log:          opts.Logger,
		now:          opts.Now,
		http:         opts.HTTPClient,
		keyringOff:   opts.KeyringOff,
		keyring:      opts.Keyring,
		embedSandbox: opts.EmbeddedSandbox,
		keepBackups:  opts.KeepBackups,
	}
	if s.environment == "" {
		s.environment = DefaultEnvironment
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.platform.Getenv == nil {
		s.platform = HostPlatform()
	}
	if s.http == nil {
		// Go's default keeps 2 idle connections per host: the window's calls
		// overlap (a grant, a search, the plans), and each new connection to
		// Fullscript is a TLS handshake.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 16
		s.http = &http.Client{Timeout: 30 * time.Second, Transport: t}
	}
	// Every request counts against Fullscript's rate limit, whoever sends it.
	s.budget = newRateBudget()
	hc := *s.http
	hc.Transport = s.budget.transport(hc.Transport)
	s.http = &hc
	s.hook = s.platform.Getenv(TestHookEnv)
	return s
}

// Start prepares the data directory and opens the vault. A failure does not stop the window from
// opening: it is kept and reported by Overview, where the practitioner sees it
// with what to do, instead of a window that never appears.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started = s.now()
	s.startErr = s.prepareLocked(ctx)
	if s.startErr != nil {
		s.log.ErrorContext(ctx, "start", "err", s.startErr)
		return s.startErr
	}
	s.log.InfoContext(ctx, "started", "version", Version(), "data_dir", s.dataDir, "environment", s.environment)
	return nil
}

// prepareLocked finds and readies the data folder and opens the vault.
// Overview calls it again after a failed start, so "Try again" works once
// the practitioner has fixed what was wrong, without a restart.
func (s *Service) prepareLocked(ctx context.Context) error {
	if s.dataDir == "" {
		dir, err := DataDir(s.platform)
		if err != nil {
			return &Problem{
				What: "The app cannot tell where to keep its data.",
				Fix:  "Set " + DataDirEnv + " to the full path of a folder you own (your IT support can help), then restart the app.",
				Err:  err,
			}
		}
		s.dataDir = dir
	}
	if err := ensurePrivateDir(s.dataDir, s.log); err != nil {
		return err
	}
	if err := s.openVaultLocked(ctx); err != nil {
		return err
	}
	return s.startSandboxLocked()
}

// errShutDown answers calls that arrive after Shutdown (a late background
// task): the vault stays closed.
var errShutDown = errors.New("the app is shutting down")

// ready returns the store, retrying a failed start first.
func (s *Service) ready(ctx context.Context) (*store.Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errShutDown
	}
	if s.store == nil {
		if s.startErr = s.prepareLocked(ctx); s.startErr != nil {
			return nil, s.startErr
		}
	}
	return s.store, nil
}

// Shutdown is called once when the window closes or the process is asked to stop.
func (s *Service) Shutdown(ctx context.Context) {
	s.mu.Lock()
	s.closed = true
	if s.sandbox != nil {
		s.sandbox.stop(ctx, s.log)
		s.sandbox = nil
	}
	if s.store != nil {
		if err := s.store.Close(); err != nil {
			s.log.WarnContext(ctx, "close the vault", "err", err)
		}
		s.store = nil
	}
	s.mu.Unlock()
	s.log.InfoContext(ctx, "shutdown complete")
}

// ensurePrivateDir creates dir readable by its owner only (0700) and tightens
// an existing one: the vault will hold sealed tokens, and its file names and
// sizes are nobody else's business either. It never moves or deletes
// anything it finds in the way.
func ensurePrivateDir(dir string, log *slog.Logger) error {
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return &Problem{
				What: "The app cannot create its data folder.",
				Fix:  fmt.Sprintf("Make sure your user account can write to %s, then try again.", filepath.Dir(dir)),
				Err:  fmt.Errorf("create data folder: %w", err),
			}
		}
		info, err = os.Stat(dir)
	}
	if err != nil {
		return &Problem{
			What: "The app cannot open its data folder.",
			Fix:  fmt.Sprintf("Make sure your user account can open %s, then try again.", dir),
			Err:  fmt.Errorf("check data folder: %w", err),
		}
	}
	if !info.IsDir() {
		return &Problem{
			What: "The app cannot open its data folder.",
			Fix:  fmt.Sprintf("A file is in the way at %s. Move or rename it, then try again.", dir),
			Err:  fmt.Errorf("data folder %s is a file, not a folder", dir),
		}
	}
	// Windows has no Unix permission bits; its per-user folders are private already.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return &Problem{
				What: "The app cannot make its data folder private.",
				Fix:  fmt.Sprintf("Make sure %s belongs to your user account, then try again.", dir),
				Err:  fmt.Errorf("make data folder private: %w", err),
			}
		}
		log.Warn("data folder was readable by others; made it private", "data_dir", dir, "was", info.Mode().Perm().String())
	}
	return nil
}
