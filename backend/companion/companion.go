// Package companion holds the use cases that the desktop window (app.go) and
// the headless CLI (backend/cli) share. It owns no UI and no transport: both
// front doors call the same methods, so they cannot drift apart.
package companion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"
)

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
}

// Service is the app's core. It is safe for concurrent use: Wails calls bound
// methods from several goroutines.
type Service struct {
	platform    Platform
	environment string
	log         *slog.Logger
	now         func() time.Time

	mu       sync.Mutex
	dataDir  string
	started  time.Time
	startErr error
	ready    bool
}

// New builds a Service. It has no side effects: Wails runs main() during
// binding generation, so anything that touches the disk waits for Start.
func New(opts Options) *Service {
	s := &Service{
		dataDir:     opts.DataDir,
		environment: opts.Environment,
		log:         opts.Logger,
		now:         opts.Now,
	}
	if s.environment == "" {
		s.environment = DefaultEnvironment
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.platform = opts.Platform
	if s.platform.Getenv == nil {
		s.platform = HostPlatform()
	}
	return s
}

// Start prepares the data directory. A failure does not stop the window from
// opening: it is kept and reported by Overview, where the practitioner sees it
// with what to do, instead of a window that never appears.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started = s.now()
	if s.dataDir == "" {
		s.dataDir, s.startErr = DataDir(s.platform)
	}
	if s.startErr == nil {
		s.startErr = ensurePrivateDir(s.dataDir, s.log)
	}
	if s.startErr != nil {
		s.log.ErrorContext(ctx, "start", "err", s.startErr)
		return s.startErr
	}
	s.log.InfoContext(ctx, "started", "version", Version(), "data_dir", s.dataDir, "environment", s.environment)
	return nil
}

// Shutdown is called once when the window closes or the process is asked to stop.
func (s *Service) Shutdown(ctx context.Context) {
	s.log.InfoContext(ctx, "shutdown complete")
}

// ensurePrivateDir creates dir readable by its owner only (0700) and tightens
// an existing one: the vault will hold sealed tokens, and its file names and
// sizes are nobody else's business either.
func ensurePrivateDir(dir string, log *slog.Logger) error {
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create data folder: %w", err)
		}
		info, err = os.Stat(dir)
	}
	if err != nil {
		return fmt.Errorf("check data folder: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("data folder %s is a file, not a folder: move it away and start again", dir)
	}
	// Windows has no Unix permission bits; its per-user folders are private already.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("make data folder private: %w", err)
		}
		log.Warn("data folder was readable by others; made it private", "data_dir", dir, "was", info.Mode().Perm().String())
	}
	return nil
}
