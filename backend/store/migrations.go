package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// applicationID marks the file as ours in the SQLite header ("FSCP"), so the
// store refuses to add its tables to some other program's database.
const applicationID = 0x46534350

// errForeignDB refuses a database that has tables but none of ours.
var errForeignDB = errors.New("the file is an SQLite database of another program (it has tables but no Fullscript Companion schema)")

// migrations are the schema steps, in order: step i takes user_version from
// i to i+1. Append only; never edit a released step.
var migrations = []string{
	// v1: accounts, tokens, revocation queue, settings, audit trail.
	// Times are UTC RFC 3339 text with fixed nanoseconds, so text order is
	// time order. Enumerations are checked in Go, not with CHECK, because
	// SQLite cannot alter a CHECK without rebuilding the table.
	fmt.Sprintf(`
PRAGMA application_id = %d;

CREATE TABLE accounts (
	id            TEXT PRIMARY KEY,
	environment   TEXT NOT NULL,
	clinic_id     TEXT NOT NULL,
	clinic_name   TEXT NOT NULL DEFAULT '',
	user_id       TEXT NOT NULL,
	user_type     TEXT NOT NULL DEFAULT '',
	user_name     TEXT NOT NULL DEFAULT '',
	label         TEXT NOT NULL DEFAULT '',
	is_default    INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
	status        TEXT NOT NULL DEFAULT 'active',
	status_reason TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	UNIQUE (environment, clinic_id, user_id)
) STRICT;

-- At most one default, enforced by the file, not only by the code.
CREATE UNIQUE INDEX accounts_one_default ON accounts (is_default) WHERE is_default = 1;

CREATE TABLE tokens (
	account_id        TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	access_sealed     BLOB NOT NULL,
	refresh_sealed    BLOB NOT NULL,
	token_type        TEXT NOT NULL DEFAULT '',
	scope             TEXT NOT NULL DEFAULT '',
	access_expires_at TEXT NOT NULL,
	issued_at         TEXT NOT NULL,
	last_refreshed_at TEXT,
	generation        INTEGER NOT NULL DEFAULT 1
) STRICT;

-- No foreign key: the account is deleted when its revocation is queued.
CREATE TABLE pending_revocations (
	id              TEXT PRIMARY KEY,
	environment     TEXT NOT NULL,
	account_id      TEXT NOT NULL,
	label           TEXT NOT NULL DEFAULT '',
	token_sealed    BLOB NOT NULL,
	queued_at       TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	next_attempt_at TEXT NOT NULL
) STRICT;

CREATE INDEX pending_revocations_queued ON pending_revocations (queued_at, id);

CREATE TABLE settings (
	key    TEXT PRIMARY KEY,
	value  BLOB NOT NULL,
	sealed INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1))
) STRICT;

-- No foreign key: the history outlives a removed account.
CREATE TABLE audit (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	at          TEXT NOT NULL,
	account_id  TEXT NOT NULL DEFAULT '',
	environment TEXT NOT NULL DEFAULT '',
	clinic_id   TEXT NOT NULL DEFAULT '',
	user_id     TEXT NOT NULL DEFAULT '',
	event       TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX audit_account ON audit (account_id, id);
`, applicationID),

	// v2: what happened in Fullscript's embedded screens (the History view)
	// and the patients a practitioner opened a plan for, both per account and
	// readable offline. Patient data is sealed; ids stay in the clear so rows
	// can be found, ordered and de-duplicated without unsealing.
	`
-- No foreign key: the history outlives a removed account, like audit.
CREATE TABLE history (
	id             TEXT PRIMARY KEY,
	account_id     TEXT NOT NULL,
	environment    TEXT NOT NULL DEFAULT '',
	clinic_id      TEXT NOT NULL DEFAULT '',
	at             TEXT NOT NULL,
	kind           TEXT NOT NULL,
	event_id       TEXT NOT NULL DEFAULT '',
	patient_id     TEXT NOT NULL DEFAULT '',
	plan_id        TEXT NOT NULL DEFAULT '',
	details_sealed BLOB NOT NULL
) STRICT;

-- Fullscript may deliver an event twice; an empty event id is never a duplicate.
CREATE UNIQUE INDEX history_event ON history (account_id, event_id) WHERE event_id <> '';
CREATE INDEX history_account_at ON history (account_id, at);
CREATE INDEX history_at ON history (at);

-- Deleted with the account (RemoveAccount does it explicitly too).
CREATE TABLE recent_patients (
	account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	patient_key TEXT NOT NULL,
	used_at     TEXT NOT NULL,
	data_sealed BLOB NOT NULL,
	PRIMARY KEY (account_id, patient_key)
) STRICT;
`,

	// v3: a patient's treatment plans as last fetched from Fullscript, so
	// the patient's view shows them offline, with their date. The plans are
	// patient data: sealed. Deleted with the account.
	`
CREATE TABLE patient_plans (
	account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	patient_id  TEXT NOT NULL,
	fetched_at  TEXT NOT NULL,
	data_sealed BLOB NOT NULL,
	PRIMARY KEY (account_id, patient_id)
) STRICT;
`,

	// v4: who issued each token pair (the OAuth client id and the token
	// endpoint), so a pair is never sent to another server; and the vault's
	// own facts (the data key's check value), so the file itself says which
	// key seals it. Empty issuer: a pair from before v4, bound at its next
	// refresh.
	`
ALTER TABLE tokens ADD COLUMN client_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN token_url TEXT NOT NULL DEFAULT '';
ALTER TABLE pending_revocations ADD COLUMN client_id TEXT NOT NULL DEFAULT '';
ALTER TABLE pending_revocations ADD COLUMN token_url TEXT NOT NULL DEFAULT '';

CREATE TABLE vault_facts (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;
`,

	// v5: what happened at each clinic, from Fullscript's Events API, kept
	// per clinic (one poll serves every account of it) and de-duplicated by
	// Fullscript's event id; ids stay in the clear, the event's data is
	// sealed. And the names of the people and clinics History mentions, so
	// an entry still says who after its account is signed out.
	`
CREATE TABLE clinic_events (
	environment    TEXT NOT NULL,
	clinic_id      TEXT NOT NULL,
	event_id       TEXT NOT NULL,
	account_id     TEXT NOT NULL,
	category       TEXT NOT NULL,
	type           TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	fetched_at     TEXT NOT NULL,
	patient_id     TEXT NOT NULL DEFAULT '',
	plan_id        TEXT NOT NULL DEFAULT '',
	backfill       INTEGER NOT NULL DEFAULT 0,
	details_sealed BLOB NOT NULL,
	PRIMARY KEY (environment, clinic_id, event_id)
) STRICT;
CREATE INDEX clinic_events_created ON clinic_events (created_at);

CREATE TABLE known_people (
	environment TEXT NOT NULL,
	clinic_id   TEXT NOT NULL,
	user_id     TEXT NOT NULL,
	account_id  TEXT NOT NULL,
	clinic_name TEXT NOT NULL DEFAULT '',
	user_name   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (environment, clinic_id, user_id)
) STRICT;
INSERT INTO known_people (environment, clinic_id, user_id, account_id, clinic_name, user_name)
	SELECT environment, clinic_id, user_id, id, clinic_name, user_name FROM accounts;
`,
}

// migrateTo brings the file to version len(steps), one transaction per step,
// so a crash leaves it at a whole version. Another process may be migrating
// at the same time: each step re-reads the version under the write lock.
// Only tests pass fewer steps than migrations, to write an older file.
func (s *Store) migrateTo(ctx context.Context, steps []string) error {
	current, err := userVersion(ctx, s.db)
	if err != nil {
		return err
	}
	if current > len(steps) {
		return fmt.Errorf("schema version %d, this app knows up to %d: %w", current, len(steps), ErrSchemaTooNew)
	}
	if current == len(steps) {
		return nil // the common case: no write lock taken
	}
	for i, step := range steps {
		version := i + 1
		err := s.withTx(ctx, func(tx *sql.Tx) error {
			cur, err := userVersion(ctx, tx)
			if err != nil {
				return err
			}
			switch {
			case cur > len(steps):
				return fmt.Errorf("schema version %d, this app knows up to %d: %w", cur, len(steps), ErrSchemaTooNew)
			case cur >= version:
				return nil // already done, by an earlier Open or another process
			}
			if cur == 0 {
				if err := checkEmpty(ctx, tx); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, step); err != nil {
				return fmt.Errorf("apply: %w", err)
			}
			// PRAGMA takes no bound parameters; version is our own int.
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
				return fmt.Errorf("set user_version: %w", err)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("migrate to schema version %d: %w", version, err)
		}
	}
	s.log.Info("database schema migrated", "from", current, "to", len(steps), "path", s.path)
	return nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func userVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// checkEmpty refuses a version-0 file that already has tables: it belongs to
// something else, and v1's CREATE TABLEs would mix our tables into it.
func checkEmpty(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return fmt.Errorf("inspect schema: %w", err)
	}
	if n > 0 {
		return errForeignDB
	}
	return nil
}

// checkHeader reads the SQLite header without SQLite: an empty file is new;
// anything else must be an SQLite database that is ours (or unmarked) and not
// from a newer version. A WAL not yet checkpointed can hold a newer version
// than the header; migrateTo checks again under the lock. known is the last
// version this code can migrate to.
func checkHeader(path string, known int) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read database header: %w", err)
	}
	defer f.Close()
	var h [100]byte
	n, err := io.ReadFull(f, h[:])
	if n == 0 && errors.Is(err, io.EOF) {
		return nil // just created
	}
	if err != nil || string(h[:16]) != "SQLite format 3\x00" {
		return fmt.Errorf("%w: the file is not an SQLite database (any more)", ErrDamaged)
	}
	if id := binary.BigEndian.Uint32(h[68:72]); id != 0 && id != applicationID {
		return fmt.Errorf("the file is an SQLite database of another program (application id %#x)", id)
	}
	v := binary.BigEndian.Uint32(h[60:64])
	if int(v) > known {
		return fmt.Errorf("schema version %d, this app knows up to %d: %w", v, known, ErrSchemaTooNew)
	}
	// A schema cookie means tables were created; ours come with a version.
	if v == 0 && binary.BigEndian.Uint32(h[40:44]) != 0 {
		return errForeignDB
	}
	return nil
}
