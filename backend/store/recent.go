package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// MaxRecentPatients is how many recent patients an account keeps; touching
// one more deletes the least recently used.
const MaxRecentPatients = 20

// RecentPatient is a patient a practitioner opened a plan for, kept so they
// can be picked again offline. Data is the caller's JSON (names, email, date
// of birth…): in the clear in memory, sealed in the file.
type RecentPatient struct {
	AccountID string    // required; the account must exist
	Key       string    // required: Fullscript's patient id, or the caller's stable key for a patient typed by hand
	UsedAt    time.Time // now when zero
	Data      []byte    // plaintext JSON, at most MaxDataLen bytes
}

// LogValue keeps the patient data out of logs when a caller logs the struct.
func (p RecentPatient) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("account_id", p.AccountID),
		slog.Time("used_at", p.UsedAt),
		slog.Int("data_len", len(p.Data)),
	)
}

// String keeps the patient data out of fmt's %v and %s.
func (p RecentPatient) String() string {
	return fmt.Sprintf("RecentPatient{account %s, used %s, key and %d bytes of data redacted}",
		p.AccountID, p.UsedAt.Format(time.RFC3339), len(p.Data))
}

// GoString keeps the patient data out of fmt's %#v.
func (p RecentPatient) GoString() string { return p.String() }

// recentAAD binds sealed data to its account and patient, so data moved to
// another patient or account fails to open instead of showing as theirs.
func recentAAD(accountID, key string) []byte {
	return []byte("recent:" + accountID + ":" + key)
}

// recentName names a recent patient in errors without its key, which a
// caller might have built from a typed-in name.
func recentName(accountID string) string {
	return "recent patient of account " + accountID
}

// recentOrder is most recently used first; RecentPatients lists and
// TouchRecentPatient keeps the same MaxRecentPatients.
const recentOrder = ` ORDER BY used_at DESC, patient_key DESC`

// TouchRecentPatient stores the patient as used at p.UsedAt (now when zero),
// replacing its time and data when the account already has p.Key, then
// deletes the account's least recently used beyond MaxRecentPatients, in one
// transaction (this may be p itself, when p.UsedAt is older than them all).
// The account must exist: ErrNotFound otherwise. p.Key must not hold patient
// data in readable form (it is stored in the clear): use Fullscript's id, or
// a random or hashed key.
func (s *Store) TouchRecentPatient(ctx context.Context, p RecentPatient) error {
	if p.AccountID == "" || p.Key == "" {
		return errors.New("touch recent patient: account id and key are required")
	}
	if len(p.Data) > MaxDataLen {
		return fmt.Errorf("touch recent patient of account %s: data is %d bytes, more than %d",
			p.AccountID, len(p.Data), MaxDataLen)
	}
	if p.UsedAt.IsZero() {
		p.UsedAt = s.now()
	}
	// Seal before the transaction, so the write lock is held for SQL only.
	sealed, err := s.sealData(p.Data, recentAAD(p.AccountID, p.Key), recentName(p.AccountID))
	if err != nil {
		return fmt.Errorf("touch recent patient of account %s: %w", p.AccountID, err)
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := getAccount(ctx, tx, p.AccountID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO recent_patients (account_id, patient_key, used_at, data_sealed)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, patient_key) DO UPDATE SET
				used_at = excluded.used_at, data_sealed = excluded.data_sealed`,
			p.AccountID, p.Key, formatTime(p.UsedAt), sealed)
		if err != nil {
			return fmt.Errorf("store recent patient: %w", err)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM recent_patients WHERE account_id = ? AND patient_key NOT IN (
			SELECT patient_key FROM recent_patients WHERE account_id = ?`+recentOrder+` LIMIT ?)`,
			p.AccountID, p.AccountID, MaxRecentPatients)
		if err != nil {
			return fmt.Errorf("trim recent patients: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("touch recent patient of account %s: %w", p.AccountID, err)
	}
	return nil
}

// RecentPatients returns the account's recent patients, data unsealed, most
// recently used first; none for an unknown or removed account.
func (s *Store) RecentPatients(ctx context.Context, accountID string) ([]RecentPatient, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT account_id, patient_key, used_at, data_sealed
		FROM recent_patients WHERE account_id = ?`+recentOrder, accountID)
	if err != nil {
		return nil, fmt.Errorf("list recent patients of account %s: %w", accountID, err)
	}
	defer rows.Close()
	var out []RecentPatient
	for rows.Next() {
		var (
			p      RecentPatient
			used   string
			sealed []byte
		)
		if err := rows.Scan(&p.AccountID, &p.Key, &used, &sealed); err != nil {
			return nil, fmt.Errorf("list recent patients of account %s: %w", accountID, err)
		}
		if p.UsedAt, err = parseTime(used); err != nil {
			return nil, fmt.Errorf("list recent patients of account %s: %w", accountID, err)
		}
		if p.Data, err = s.unsealData(sealed, recentAAD(p.AccountID, p.Key), recentName(p.AccountID)); err != nil {
			return nil, fmt.Errorf("list recent patients of account %s: %w", accountID, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list recent patients of account %s: %w", accountID, err)
	}
	return out, nil
}
