package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// factKeyCheck is the check value of the data key that seals the file's
// secrets (vault.Vault.KeyCheck): the file itself says which key it needs.
const factKeyCheck = "key_check"

// KeyCheck returns the recorded check value of the data key, "" if none
// is recorded yet (a file from before v4).
func (s *Store) KeyCheck(ctx context.Context) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM vault_facts WHERE key = ?`, factKeyCheck).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the data key's check value: %w", damaged(err))
	}
	return v, nil
}

// RecordKeyCheck records the check value of the key that seals the file.
// It never replaces another one: that would hide which key the existing
// secrets need.
func (s *Store) RecordKeyCheck(ctx context.Context, check string) error {
	if check == "" {
		return errors.New("record the data key's check value: empty")
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var have string
		err := tx.QueryRowContext(ctx, `SELECT value FROM vault_facts WHERE key = ?`, factKeyCheck).Scan(&have)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO vault_facts (key, value) VALUES (?, ?)`, factKeyCheck, check)
			return err
		case err != nil:
			return fmt.Errorf("read the data key's check value: %w", err)
		case have != check:
			return fmt.Errorf("the file is sealed with the key whose check value is %s, not %s", have, check)
		}
		return nil
	})
}

// FileInfo is what a database file says about itself before it is opened
// for use, read without a key and without writing to it.
type FileInfo struct {
	// Exists: the file is there with the app's schema. False for a missing
	// or empty file (a first run, or a lost one).
	Exists bool
	// KeyCheck is the recorded check value of the key sealing it, "" if none.
	KeyCheck string
	// Sealed: it holds sealed secrets (tokens, queued sign-outs, secret
	// settings), so it needs the key that sealed them.
	Sealed bool
	// Accounts is how many accounts it holds.
	Accounts int
}

// Inspect reads a database file's FileInfo, read-only. A damaged file is
// ErrDamaged; a file of another program or a newer version is an error
// too, as Open would say.
func Inspect(ctx context.Context, path string) (FileInfo, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return FileInfo{}, nil
	}
	if err != nil {
		return FileInfo{}, fmt.Errorf("inspect %s: %w", path, err)
	}
	if fi.Size() == 0 {
		return FileInfo{}, nil
	}
	if err := checkHeader(path, len(migrations)); err != nil {
		return FileInfo{}, fmt.Errorf("inspect %s: %w", path, damaged(err))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return FileInfo{}, fmt.Errorf("inspect %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", readOnlyDSN(abs))
	if err != nil {
		return FileInfo{}, fmt.Errorf("inspect %s: %w", path, err)
	}
	defer db.Close()
	info, err := inspect(ctx, db)
	if err != nil {
		return FileInfo{}, fmt.Errorf("inspect %s: %w", path, damaged(err))
	}
	return info, nil
}

func inspect(ctx context.Context, db *sql.DB) (FileInfo, error) {
	var info FileInfo
	version, err := userVersion(ctx, db)
	if err != nil || version == 0 {
		return info, err
	}
	info.Exists = true
	tables := map[string]bool{}
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table'`)
	if err != nil {
		return info, err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return info, err
		}
		tables[n] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return info, err
	}
	if tables["vault_facts"] {
		err := db.QueryRowContext(ctx, `SELECT value FROM vault_facts WHERE key = ?`, factKeyCheck).Scan(&info.KeyCheck)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return info, err
		}
	}
	err = db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM accounts),
		EXISTS (SELECT 1 FROM tokens) OR EXISTS (SELECT 1 FROM pending_revocations) OR EXISTS (SELECT 1 FROM settings WHERE sealed = 1)`).
		Scan(&info.Accounts, &info.Sealed)
	return info, err
}

// readOnlyDSN opens a file without writing to it (no migration, no WAL
// switch), for Inspect and for checking a backup.
func readOnlyDSN(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}
	return u.String()
}
