package store

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
)

// privateMode is the only mode the database and its -wal/-shm files may have:
// they hold sealed tokens and the account list.
const privateMode fs.FileMode = 0o600

// createPrivate creates the database file 0600 (so SQLite never creates it
// with the umask's mode) and tightens an existing one that is wider.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, privateMode)
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat database file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("database path is not a regular file (%s)", fi.Mode().Type())
	}
	return nil
}

// keepPrivate chmods the database, -wal and -shm files to 0600 when they are
// wider, then checks that they are. SQLite gives -wal and -shm the main
// file's mode, but a file left by an older run or a copy may differ.
func keepPrivate(path string, log *slog.Logger) error {
	if runtime.GOOS == "windows" {
		return nil // Unix modes mean nothing there; the profile folder's ACL protects the file
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("stat %s: %w", p, err)
		}
		if fi.Mode().Perm()&^privateMode == 0 {
			continue
		}
		log.Warn("tightening database file permissions", "path", p, "mode", fi.Mode().Perm().String())
		if err := os.Chmod(p, privateMode); err != nil {
			return fmt.Errorf("make %s private: %w", p, err)
		}
		if fi, err = os.Stat(p); err != nil {
			return fmt.Errorf("stat %s: %w", p, err)
		}
		if fi.Mode().Perm()&^privateMode != 0 {
			return fmt.Errorf("%s is still %s after chmod 0600", p, fi.Mode().Perm())
		}
	}
	return nil
}
