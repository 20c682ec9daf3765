package companion

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// accountLocks serialises work on one account's tokens within the process
// (one mutex per account) and across processes (a lock file per account,
// as kubelogin does: a separate file, never the database itself). The
// window and a CLI command refreshing at once then spend the refresh token
// once.
type accountLocks struct {
	mu sync.Mutex
	m  map[string]*sync.Mutex
}

func (l *accountLocks) mutex(id string) *sync.Mutex {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*sync.Mutex{}
	}
	m, ok := l.m[id]
	if !ok {
		m = &sync.Mutex{}
		l.m[id] = m
	}
	return m
}

// lockWait bounds how long a process waits for another one's refresh.
const lockWait = 60 * time.Second

// withAccountLock runs fn holding both locks for the account.
func (s *Service) withAccountLock(ctx context.Context, accountID string, fn func() error) error {
	m := s.locks.mutex(accountID)
	m.Lock()
	defer m.Unlock()

	dir := filepath.Join(s.dataDirPath(), "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create lock folder: %w", err)
	}
	fl := flock.New(filepath.Join(dir, accountID+".lock"))
	waitCtx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	ok, err := fl.TryLockContext(waitCtx, 20*time.Millisecond)
	if err != nil || !ok {
		return fmt.Errorf("wait for another Fullscript Companion to finish with this account: %w", err)
	}
	defer func() {
		if err := fl.Unlock(); err != nil {
			s.log.Warn("release account lock", "err", err)
		}
	}()
	return fn()
}

func (s *Service) dataDirPath() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dataDir
}

// holdFolderLock waits until the vault opens and this process holds the
// data folder's lock file name (one keeper, one poller per folder, across
// processes); false when ctx ends first. A vault that cannot be opened now
// may be restored or started over from the window: it waits for that
// rather than give up.
func (s *Service) holdFolderLock(ctx context.Context, name string, nap time.Duration, who string) (release func(), ok bool) {
	for {
		if _, err := s.ready(ctx); err == nil {
			break
		} else if errors.Is(err, errShutDown) || !sleepCtx(ctx, nap) {
			return nil, false
		}
	}
	lock := flock.New(filepath.Join(s.dataDirPath(), name), flock.SetPermissions(0o600))
	for {
		got, err := lock.TryLockContext(ctx, nap/4)
		if ctx.Err() != nil {
			_ = lock.Close()
			return nil, false
		}
		if err == nil && got {
			return func() { _ = lock.Unlock(); _ = lock.Close() }, true
		}
		if err != nil {
			// The lock file cannot be opened (a folder in its place, say):
			// not a reason to spin, nor to go on without it.
			s.log.Warn(who+": cannot take its lock; trying again later", "err", err)
			if !sleepCtx(ctx, nap) {
				_ = lock.Close()
				return nil, false
			}
		}
	}
}

// sleepCtx sleeps d; false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
