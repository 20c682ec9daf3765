package store

import (
	"errors"
	"strings"

	"modernc.org/sqlite"
)

// ErrDamaged reports a database file SQLite cannot read: corrupted pages,
// or a file that is no longer an SQLite database at all. Nothing in it is
// rewritten; the way out is a backup (Backups, RestoreBackup).
var ErrDamaged = errors.New("the database file is damaged")

// ErrUnreadable reports a sealed value that cannot be opened: sealed with
// another data key, or its bytes damaged. Test for it with errors.Is.
var ErrUnreadable = errors.New("sealed value cannot be read")

// SQLite's primary result codes for a damaged file (sqlite3.h).
const (
	sqliteCorrupt = 11
	sqliteNotADB  = 26
)

// IsDamaged is true for an error that comes from a damaged database file,
// whichever call met it first.
func IsDamaged(err error) bool {
	if errors.Is(err, ErrDamaged) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqliteCorrupt, sqliteNotADB:
			return true
		}
	}
	// The driver reports some corruption found while preparing a
	// statement with the message only.
	return err != nil && strings.Contains(err.Error(), "database disk image is malformed")
}

// damaged marks err as ErrDamaged when it is, keeping its text for support.
func damaged(err error) error {
	if err == nil || errors.Is(err, ErrDamaged) || !IsDamaged(err) {
		return err
	}
	return errors.Join(ErrDamaged, err)
}
