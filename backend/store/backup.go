package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/gofrs/flock"
)

// Backups are whole copies of the database taken while it is in use
// (VACUUM INTO: a consistent snapshot, compacted), kept in a folder of
// their own with the newest few. Sealed columns are copied as they are, so
// a backup needs the same data key and is no easier to read than the file.

// backupLayout is a backup's file name: the UTC time it was taken.
const backupLayout = "companion-20060102T150405.000Z.db"

// ErrInUse reports that another process has the database open, so it
// cannot be replaced under it.
var ErrInUse = errors.New("the database is in use by another Fullscript Companion")

// Backup describes one backup file.
type Backup struct {
	Name     string    `json:"name"`
	Path     string    `json:"path"`
	TakenAt  time.Time `json:"takenAt"`
	Size     int64     `json:"size"`
	Accounts int       `json:"accounts"`
	// Future: dated after now (taken while the clock was wrong). Listed
	// after every other one: it is not "the newest".
	Future bool `json:"future,omitempty"`
}

// Backup writes a copy of the database into dir (created 0700) and keeps
// the newest keep copies there, removing older ones. The copy is checked
// (quick_check) before it counts: a damaged database fails here, loudly,
// instead of replacing a good backup.
func (s *Store) Backup(ctx context.Context, dir string, keep int) (Backup, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Backup{}, fmt.Errorf("back up: %w", err)
	}
	at := s.now().UTC()
	name := at.Format(backupLayout)
	final := filepath.Join(dir, name)
	tmp := filepath.Join(dir, "."+name+".tmp")
	_ = os.Remove(tmp) // a crash's leftover; VACUUM INTO needs a new or empty file
	if err := createPrivate(tmp); err != nil {
		return Backup{}, fmt.Errorf("back up: %w", err)
	}
	fail := func(err error) (Backup, error) {
		_ = os.Remove(tmp)
		return Backup{}, fmt.Errorf("back up to %s: %w", final, err)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return fail(damaged(err))
	}
	info, err := checkCopy(ctx, tmp)
	if err != nil {
		return fail(err)
	}
	if err := syncFile(tmp); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fail(err)
	}
	if err := syncDirOf(final); err != nil {
		return fail(err)
	}
	fi, err := os.Stat(final)
	if err != nil {
		return Backup{}, fmt.Errorf("back up: %w", err)
	}
	if err := prune(dir, keep); err != nil {
		s.log.Warn("remove old backups", "dir", dir, "err", err)
	}
	return Backup{Name: name, Path: final, TakenAt: at, Size: fi.Size(), Accounts: info.Accounts}, nil
}

// checkCopy opens a copy read-only and checks every page.
func checkCopy(ctx context.Context, path string) (FileInfo, error) {
	info, err := Inspect(ctx, path)
	if err != nil {
		return FileInfo{}, err
	}
	if !info.Exists {
		return FileInfo{}, fmt.Errorf("%w: %s has no Fullscript Companion data", ErrDamaged, filepath.Base(path))
	}
	db, err := sql.Open("sqlite", readOnlyDSN(path))
	if err != nil {
		return FileInfo{}, err
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&result); err != nil {
		return FileInfo{}, damaged(err)
	}
	if result != "ok" {
		return FileInfo{}, fmt.Errorf("%w: %s", ErrDamaged, result)
	}
	return info, nil
}

// Backups lists the backups in dir, newest first, each checked for what
// it holds. A file that is not a readable backup is left out.
func Backups(ctx context.Context, dir string) ([]Backup, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	var out []Backup
	for _, e := range entries {
		at, err := time.Parse(backupLayout, e.Name())
		if err != nil || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		info, err := Inspect(ctx, path)
		if err != nil || !info.Exists {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, Backup{Name: e.Name(), Path: path, TakenAt: at, Size: fi.Size(), Accounts: info.Accounts,
			Future: at.After(time.Now().Add(time.Minute))})
	}
	slices.SortFunc(out, func(a, b Backup) int {
		if a.Future != b.Future {
			if a.Future {
				return 1
			}
			return -1
		}
		return b.TakenAt.Compare(a.TakenAt)
	})
	return out, nil
}

// prune keeps the newest keep backups in dir.
func prune(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		// One dated in the future (a wrong clock) would outlive every real
		// one by its name: it is never counted among the kept, so the
		// oldest real ones are not pruned for it, and it goes first.
		if at, err := time.Parse(backupLayout, e.Name()); err == nil {
			if at.After(time.Now().Add(time.Minute)) {
				names = append([]string{e.Name()}, names...)
				continue
			}
			names = append(names, e.Name())
		}
	}
	future := 0
	for future < len(names) {
		if at, _ := time.Parse(backupLayout, names[future]); !at.After(time.Now().Add(time.Minute)) {
			break
		}
		future++
	}
	slices.Sort(names[future:]) // the layout sorts by time
	var errs []error
	for len(names) > max(keep, 1) {
		errs = append(errs, os.Remove(filepath.Join(dir, names[0])))
		names = names[1:]
	}
	return errors.Join(errs...)
}

// RestoreFile puts the backup at from in place of the database at path.
// The database in place (with its -wal and -shm) is moved into aside, not
// deleted, and its new name is returned. Nobody may have the database open
// (ErrInUse): each Store holds a shared lock on it while open. The backup
// is checked first; the caller checks it is sealed with its key.
func RestoreFile(ctx context.Context, from, path, aside string, now time.Time) (string, error) {
	if _, err := checkCopy(ctx, from); err != nil {
		return "", fmt.Errorf("restore %s: %w", filepath.Base(from), err)
	}
	unlock, err := lockExclusive(path)
	if err != nil {
		return "", err
	}
	defer unlock()
	if err := os.MkdirAll(aside, 0o700); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	// The copy first: a full disk or a read error then leaves the current
	// database where it was.
	tmp := path + ".restoring"
	if err := copyPrivate(from, tmp); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("restore: %w", err)
	}
	moved := ""
	base := "replaced-" + now.UTC().Format("20060102T150405.000Z") + "-" + filepath.Base(path)
	var done []string
	putBack := func() {
		for _, suffix := range done {
			_ = os.Rename(filepath.Join(aside, base+suffix), path+suffix)
		}
		_ = os.Remove(tmp)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		err := os.Rename(path+suffix, filepath.Join(aside, base+suffix))
		switch {
		case err == nil:
			done = append(done, suffix)
			if suffix == "" {
				moved = filepath.Join(aside, base)
			}
		case !errors.Is(err, fs.ErrNotExist):
			putBack()
			return "", fmt.Errorf("restore: set the current database aside: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		putBack()
		return "", fmt.Errorf("restore: %w", err)
	}
	if err := syncDirOf(path); err != nil {
		return moved, fmt.Errorf("restore: %w", err)
	}
	return moved, nil
}

// lockPath is the lock file beside the database that Stores hold shared
// and RestoreFile exclusive.
func lockPath(path string) string { return path + ".lock" }

// LockShared takes the database's shared lock for as long as a caller
// needs the file to stay what it looked at (from Inspect until Open):
// a restore or a start-over, which take it exclusive, refuse meanwhile.
func LockShared(ctx context.Context, path string) (release func(), err error) {
	l, err := lockShared(ctx, path)
	if err != nil {
		return nil, err
	}
	return func() { _ = l.Close() }, nil
}

// lockShared is held by an open Store: a restore waits for none of them,
// it refuses while any is open.
func lockShared(ctx context.Context, path string) (*flock.Flock, error) {
	l := flock.New(lockPath(path), flock.SetPermissions(privateMode))
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ok, err := l.TryRLockContext(lctx, 20*time.Millisecond)
	if err == nil && !ok {
		err = errors.New("not acquired")
	}
	if err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("lock %s (is a restore running?): %w", lockPath(path), err)
	}
	return l, nil
}

func lockExclusive(path string) (func(), error) {
	l := flock.New(lockPath(path), flock.SetPermissions(privateMode))
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", lockPath(path), err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: close the window and any running command first", ErrInUse)
	}
	return func() { _ = l.Unlock() }, nil
}

func copyPrivate(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, privateMode)
	if err != nil {
		return err
	}
	_, cerr := io.Copy(out, in)
	return errors.Join(cerr, out.Sync(), out.Close())
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

func syncDirOf(path string) error {
	if runtime.GOOS == "windows" {
		return nil // a directory cannot be opened for syncing there
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}

// SetAside moves the database at path (with its -wal and -shm) and the
// named files beside it into dest (created 0700), under the same lock as
// RestoreFile, and returns what it moved. Nothing is deleted.
func SetAside(ctx context.Context, path, dest string, others []string) ([]string, error) {
	unlock, err := lockExclusive(path)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return nil, fmt.Errorf("set aside: %w", err)
	}
	names := []string{filepath.Base(path), filepath.Base(path) + "-wal", filepath.Base(path) + "-shm"}
	names = append(names, others...)
	var moved []string
	for _, n := range names {
		err := os.Rename(filepath.Join(filepath.Dir(path), n), filepath.Join(dest, n))
		switch {
		case err == nil:
			moved = append(moved, n)
		case !errors.Is(err, fs.ErrNotExist):
			return moved, fmt.Errorf("set aside %s: %w", n, err)
		}
	}
	return moved, syncDirOf(path)
}
