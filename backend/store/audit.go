package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Audit events. An entry never holds a token or secret.
const (
	EventSignedIn         = "signed_in"         // SaveSignIn; detail "new account" or "signed in again"
	EventRefreshed        = "refreshed"         // SaveRefreshed; detail the new generation
	EventRefreshFailed    = "refresh_failed"    // MarkNeedsSignIn; detail the reason
	EventRevoked          = "revoked"           // RecordRevoked: revoked online at removal
	EventRevocationQueued = "revocation_queued" // RemoveAccount with a revocation; detail its id
	EventRevocationSent   = "revocation_sent"   // RevocationSent; detail the revocation id
	EventRemoved          = "removed"           // RemoveAccount; detail the account's name
	EventRenamed          = "renamed"           // Rename; detail the new label
	EventDefaultSet       = "default_set"       // SetDefault, or automatic; detail why
)

// AuditEntry is one line of an account's history.
type AuditEntry struct {
	ID          int64
	At          time.Time
	AccountID   string
	Environment string
	ClinicID    string
	UserID      string
	Event       string // one of the Event constants
	Detail      string // human text: a label, a reason, a revocation id
}

// writeAudit appends an entry inside the caller's transaction, so the entry
// exists exactly when the change it describes does.
func writeAudit(ctx context.Context, tx *sql.Tx, at time.Time, a Account, event, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit (at, account_id, environment, clinic_id, user_id, event, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		formatTime(at), a.ID, a.Environment, a.ClinicID, a.UserID, event, truncate(detail, maxTextLen))
	if err != nil {
		return fmt.Errorf("write audit %s: %w", event, err)
	}
	return nil
}

// Audit returns the history of one account, or of all when accountID is "",
// newest first. A removed account's history is kept.
func (s *Store) Audit(ctx context.Context, accountID string) ([]AuditEntry, error) {
	const cols = `SELECT id, at, account_id, environment, clinic_id, user_id, event, detail FROM audit`
	var (
		rows *sql.Rows
		err  error
	)
	if accountID == "" {
		rows, err = s.db.QueryContext(ctx, cols+` ORDER BY id DESC`)
	} else {
		rows, err = s.db.QueryContext(ctx, cols+` WHERE account_id = ? ORDER BY id DESC`, accountID)
	}
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var (
			e  AuditEntry
			at string
		)
		if err := rows.Scan(&e.ID, &at, &e.AccountID, &e.Environment, &e.ClinicID, &e.UserID, &e.Event, &e.Detail); err != nil {
			return nil, fmt.Errorf("read audit: %w", err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("read audit: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	return out, nil
}

// RecordRevoked writes a 'revoked' entry for an account whose token the
// caller revoked at Fullscript itself (online removal). Call it before
// RemoveAccount, while the account still exists.
func (s *Store) RecordRevoked(ctx context.Context, accountID string) error {
	now := s.now()
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		a, err := getAccount(ctx, tx, accountID)
		if err != nil {
			return err
		}
		return writeAudit(ctx, tx, now, a, EventRevoked, displayName(a))
	})
	if err != nil {
		return fmt.Errorf("record revocation of account %s: %w", accountID, err)
	}
	return nil
}
