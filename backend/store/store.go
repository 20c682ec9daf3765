// Package store keeps the app's accounts, sealed tokens, pending revocations,
// settings, audit trail, History of Fullscript's embedded screens and recent
// patients in one local SQLite file (modernc.org/sqlite, pure Go). Secrets
// and patient data are sealed by a Sealer before they reach the file; the
// store never sees a key and never logs or returns a secret or patient data
// in an error.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Sealer seals secrets before they reach the file. backend/vault implements
// it; the store does not import vault so each can be tested alone. aad binds
// a sealed blob to where it is stored, so a blob moved elsewhere fails to open.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Unseal(sealed, aad []byte) ([]byte, error)
}

// ErrNotFound reports that the account, tokens, revocation or setting asked
// for (or the account a history entry or recent patient is for) does not
// exist. Test for it with errors.Is.
var ErrNotFound = errors.New("not found")

// ErrConflict reports that SaveRefreshed lost a race: another process (or
// goroutine) saved the account's tokens since the caller read them, so the
// caller must reload the tokens instead of overwriting the newer pair.
var ErrConflict = errors.New("tokens were changed by another process")

// ErrSchemaTooNew reports a database file written by a newer version of the
// app; it is left untouched so that version can still read it.
var ErrSchemaTooNew = errors.New("database was created by a newer version of Fullscript Companion")

// busyTimeout is how long a statement waits for another connection's lock
// (another process refreshing, for instance) before failing.
const busyTimeout = 5 * time.Second

// Store is an open database file. It is safe for concurrent use, and several
// Stores (in one or several processes) may share one file.
type Store struct {
	db     *sql.DB
	lock   *flock.Flock // shared, see RestoreFile
	sealer Sealer
	path   string
	log    *slog.Logger
	now    func() time.Time // tests pin the clock
}

// Option tunes Open.
type Option func(*options)

type options struct{ log *slog.Logger }

// WithLogger sends the store's few log lines (migrations, permission
// fixes) to l instead of slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// Open opens (creating if needed) the database at path and migrates it to the
// current schema. The file is created 0600 before SQLite touches it; its
// directory belongs to the caller and must already exist (0700). A file from
// a newer app version returns ErrSchemaTooNew and is left as it was.
func Open(ctx context.Context, path string, sealer Sealer, opts ...Option) (*Store, error) {
	return open(ctx, path, sealer, migrations, opts...)
}

// open is Open migrating to version len(steps); tests pass a prefix of
// migrations to write a file as an older app version would.
func open(ctx context.Context, path string, sealer Sealer, steps []string, opts ...Option) (*Store, error) {
	o := options{log: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	if sealer == nil {
		return nil, errors.New("open store: no sealer")
	}
	if path == "" {
		return nil, errors.New("open store: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	log := o.log.With("component", "store")
	lock, err := lockShared(ctx, abs)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	s, err := openLocked(ctx, abs, sealer, steps, log)
	if err != nil {
		_ = lock.Close()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

func openLocked(ctx context.Context, abs string, sealer Sealer, steps []string, log *slog.Logger) (*Store, error) {
	if err := createPrivate(abs); err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	// Before SQLite opens them: a stale -wal/-shm may be wider than 0600.
	if err := keepPrivate(abs, log); err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	// Read the header ourselves first: SQLite would switch a rollback-journal
	// file to WAL (a write) before we could look at its version.
	if err := checkHeader(abs, len(steps)); err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, damaged(err))
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	s := &Store{
		db:     db,
		sealer: sealer,
		path:   abs,
		log:    log,
		now:    func() time.Time { return time.Now().UTC() },
	}
	if err := s.init(ctx, steps); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", abs, damaged(err))
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, steps []string) error {
	if err := s.migrateTo(ctx, steps); err != nil {
		return err
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		// Some network file systems cannot do WAL; SQLite then keeps the old
		// mode silently. It still works, only with less concurrency.
		s.log.Warn("database is not in WAL mode", "journal_mode", mode, "path", s.path)
	}
	// The migration's reads created -wal and -shm; make sure they are private
	// even if the process umask was not.
	return keepPrivate(s.path, s.log)
}

// dsn builds a file: URI whose _pragma parameters the driver runs on every
// pooled connection, so none of them misses busy_timeout or foreign_keys.
// _txlock=immediate takes the write lock at BEGIN: a deferred transaction
// that later upgrades can fail with SQLITE_BUSY without waiting.
func dsn(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive path: file:///C:/...
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// 16 MiB of page cache per connection (SQLite's default is 2 MiB): a
	// vault of thousands of accounts is listed from memory, not from a
	// pread per page.
	q.Add("_pragma", "cache_size(-16384)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}
	return u.String()
}

// Close closes the database. The last connection to close checkpoints the
// WAL into the main file.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.lock != nil {
		_ = s.lock.Close() // after the last connection: a restore may start now
	}
	if err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// withTx runs fn in one write transaction (BEGIN IMMEDIATE, see dsn) and
// commits it when fn returns nil.
func (s *Store) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
