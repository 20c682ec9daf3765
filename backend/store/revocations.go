package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Revocation is a token waiting to be revoked at Fullscript after its account
// was removed (offline, or the server failed). Token is in the clear in
// memory and sealed in the file.
type Revocation struct {
	ID            string    // RemoveAccount fills in a random ID when empty
	Environment   string    // filled from the account when empty
	AccountID     string    // filled from the account; must match it when set
	Label         string    // how the UI names it; filled from the account when empty
	Token         string    // required
	QueuedAt      time.Time // now when zero
	Attempts      int
	LastError     string
	NextAttemptAt time.Time // QueuedAt when zero: try at once
	Issuer        Issuer    // who issued the token: it is sent nowhere else
}

// LogValue keeps the token out of logs when a caller logs the struct.
func (r Revocation) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", r.ID),
		slog.String("environment", r.Environment),
		slog.String("account_id", r.AccountID),
		slog.Int("attempts", r.Attempts),
		slog.Time("next_attempt_at", r.NextAttemptAt),
	)
}

// String keeps the token out of fmt's %v and %s.
func (r Revocation) String() string {
	return fmt.Sprintf("Revocation{id %s, environment %s, account %s, attempts %d, token redacted}",
		r.ID, r.Environment, r.AccountID, r.Attempts)
}

// GoString keeps the token out of fmt's %#v.
func (r Revocation) GoString() string { return r.String() }

func revocationAAD(id string) []byte {
	return []byte("revocation:" + id)
}

// sealedRevocation is a Revocation ready for the file.
type sealedRevocation struct {
	Revocation
	sealed []byte
}

// sealRevocation checks r, fills in what only needs the clock, and seals the
// token; fields from the account are filled in by insertRevocation.
func (s *Store) sealRevocation(r Revocation, accountID string, now time.Time) (*sealedRevocation, error) {
	if r.Token == "" {
		return nil, errors.New("revocation has no token")
	}
	if r.AccountID != "" && r.AccountID != accountID {
		return nil, fmt.Errorf("revocation is for account %s, not %s", r.AccountID, accountID)
	}
	r.AccountID = accountID
	if r.ID == "" {
		id, err := newID()
		if err != nil {
			return nil, err
		}
		r.ID = id
	}
	if r.QueuedAt.IsZero() {
		r.QueuedAt = now
	}
	if r.NextAttemptAt.IsZero() {
		r.NextAttemptAt = r.QueuedAt
	}
	sealed, err := s.seal(r.Token, revocationAAD(r.ID))
	if err != nil {
		return nil, err
	}
	r.Token = "" // only the sealed form travels further
	return &sealedRevocation{Revocation: r, sealed: sealed}, nil
}

func insertRevocation(ctx context.Context, tx *sql.Tx, r *sealedRevocation, a Account) error {
	if r.Environment == "" {
		r.Environment = a.Environment
	}
	if r.Label == "" {
		r.Label = displayName(a)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO pending_revocations (id, environment, account_id, label,
		token_sealed, queued_at, attempts, last_error, next_attempt_at, client_id, token_url)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Environment, r.AccountID, r.Label, r.sealed, formatTime(r.QueuedAt), r.Attempts,
		truncate(r.LastError, maxTextLen), formatTime(r.NextAttemptAt), r.Issuer.ClientID, r.Issuer.TokenURL)
	if err != nil {
		return fmt.Errorf("queue revocation: %w", err)
	}
	return nil
}

// PendingRevocations returns every queued revocation, tokens unsealed, oldest
// first. The caller decides which are due (NextAttemptAt).
func (s *Store) PendingRevocations(ctx context.Context) ([]Revocation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, environment, account_id, label, token_sealed, queued_at,
		attempts, last_error, next_attempt_at, client_id, token_url FROM pending_revocations ORDER BY queued_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list pending revocations: %w", err)
	}
	defer rows.Close()
	var out []Revocation
	for rows.Next() {
		var (
			r            Revocation
			sealed       []byte
			queued, next string
		)
		if err := rows.Scan(&r.ID, &r.Environment, &r.AccountID, &r.Label, &sealed, &queued,
			&r.Attempts, &r.LastError, &next, &r.Issuer.ClientID, &r.Issuer.TokenURL); err != nil {
			return nil, fmt.Errorf("list pending revocations: %w", err)
		}
		if r.QueuedAt, err = parseTime(queued); err != nil {
			return nil, fmt.Errorf("list pending revocations: %w", err)
		}
		if r.NextAttemptAt, err = parseTime(next); err != nil {
			return nil, fmt.Errorf("list pending revocations: %w", err)
		}
		if r.Token, err = s.unseal(sealed, revocationAAD(r.ID)); err != nil {
			// One token that cannot be read must not hold back the others;
			// it is counted, and can never be sent.
			s.log.Warn("pending revocation cannot be read; skipped", "id", r.ID, "err", err)
			continue
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list pending revocations: %w", err)
	}
	return out, nil
}

// RevocationSent removes a revocation that Fullscript accepted and writes a
// 'revocation_sent' entry.
func (s *Store) RevocationSent(ctx context.Context, id string) error {
	now := s.now()
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var a Account
		err := tx.QueryRowContext(ctx, `SELECT account_id, environment FROM pending_revocations WHERE id = ?`, id).
			Scan(&a.ID, &a.Environment)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending_revocations WHERE id = ?`, id); err != nil {
			return err
		}
		return writeAudit(ctx, tx, now, a, EventRevocationSent, id)
	})
	if err != nil {
		return fmt.Errorf("mark revocation %s sent: %w", id, err)
	}
	return nil
}

// RevocationFailed records a failed attempt: attempts + 1, the error text
// (stored without the revocation's token) and when to try next.
func (s *Store) RevocationFailed(ctx context.Context, id, errText string, next time.Time) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var sealed []byte
		err := tx.QueryRowContext(ctx, `SELECT token_sealed FROM pending_revocations WHERE id = ?`, id).Scan(&sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		// A token that does not open cannot leak into the text either.
		token, _ := s.unseal(sealed, revocationAAD(id))
		errText = truncate(redact(strings.TrimSpace(errText), token), maxTextLen)
		_, err = tx.ExecContext(ctx, `UPDATE pending_revocations SET attempts = attempts + 1, last_error = ?,
			next_attempt_at = ? WHERE id = ?`, errText, formatTime(next), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("record failed revocation %s: %w", id, err)
	}
	return nil
}

// CountPendingRevocations counts the queued revocations without unsealing
// them, for listings.
func (s *Store) CountPendingRevocations(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM pending_revocations`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending revocations: %w", damaged(err))
	}
	return n, nil
}
