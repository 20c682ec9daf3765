package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// History kinds: what happened in one of Fullscript's embedded screens.
const (
	// HistoryPatientSelected: the practitioner picked a patient.
	HistoryPatientSelected = "patient.selected"
	// HistoryTreatmentPlanActivated: a treatment plan was activated (sent).
	HistoryTreatmentPlanActivated = "treatmentPlan.activated"
	// HistoryOpenedInBrowser: the app opened a Fullscript screen in the
	// browser (a Redirect link); what happens there is Fullscript's.
	HistoryOpenedInBrowser = "browser.opened"
)

// DefaultHistoryLimit is how many entries History returns when asked for
// none or fewer.
const DefaultHistoryLimit = 200

// MaxDataLen is the largest HistoryEntry.Details or RecentPatient.Data the
// store accepts, in bytes, so a huge payload cannot bloat the file.
const MaxDataLen = 64 << 10

// HistoryEntry is one event of an account's History view. Details is the
// caller's JSON (patient name, email, plan summary…): in the clear in memory,
// sealed in the file. The store never reads Details; it only keeps it.
type HistoryEntry struct {
	ID          string    // AddHistory fills in a random ID when empty
	AccountID   string    // required; the account must exist when added
	Environment string    // filled from the account when empty
	ClinicID    string    // filled from the account when empty
	At          time.Time // now when zero
	Kind        string    // one of the History kinds above
	EventID     string    // Fullscript's event id: a second entry with it is dropped; "" never is
	PatientID   string    // Fullscript's patient id, if any
	PlanID      string    // Fullscript's treatment plan id, if any
	Details     []byte    // plaintext JSON, at most MaxDataLen bytes
}

// LogValue keeps the patient data out of logs when a caller logs the entry.
func (e HistoryEntry) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", e.ID),
		slog.String("account_id", e.AccountID),
		slog.String("kind", e.Kind),
		slog.String("event_id", e.EventID),
		slog.Time("at", e.At),
		slog.Int("details_len", len(e.Details)),
	)
}

// String keeps the patient data out of fmt's %v and %s.
func (e HistoryEntry) String() string {
	return fmt.Sprintf("HistoryEntry{id %s, account %s, kind %s, event %s, at %s, %d bytes of details redacted}",
		e.ID, e.AccountID, e.Kind, e.EventID, e.At.Format(time.RFC3339), len(e.Details))
}

// GoString keeps the patient data out of fmt's %#v.
func (e HistoryEntry) GoString() string { return e.String() }

// historyAAD binds sealed details to their entry, so details moved to another
// entry fail to open instead of showing under the wrong event.
func historyAAD(id string) []byte {
	return []byte("history:" + id)
}

func validHistoryKind(kind string) bool {
	switch kind {
	case HistoryPatientSelected, HistoryTreatmentPlanActivated, HistoryOpenedInBrowser:
		return true
	}
	return false
}

// AddHistory records an event of the account's embedded screens and returns
// it as stored, with true. When the account already has an entry with the
// same non-empty EventID, it stores nothing and returns that earlier entry,
// with false. The account must exist (ErrNotFound otherwise): events of a
// removed account are not recorded, though its earlier history is kept.
func (s *Store) AddHistory(ctx context.Context, e HistoryEntry) (HistoryEntry, bool, error) {
	if e.AccountID == "" {
		return HistoryEntry{}, false, errors.New("add history: no account id")
	}
	if !validHistoryKind(e.Kind) {
		return HistoryEntry{}, false, fmt.Errorf("add history for account %s: unknown kind %q", e.AccountID, truncate(e.Kind, 40))
	}
	if len(e.Details) > MaxDataLen {
		return HistoryEntry{}, false, fmt.Errorf("add history for account %s: details are %d bytes, more than %d",
			e.AccountID, len(e.Details), MaxDataLen)
	}
	if e.ID == "" {
		id, err := newID()
		if err != nil {
			return HistoryEntry{}, false, fmt.Errorf("add history for account %s: %w", e.AccountID, err)
		}
		e.ID = id
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = e.At.UTC() // as it reads back
	e.Details = append([]byte(nil), e.Details...)
	// Seal before the transaction, so the write lock is held for SQL only.
	sealed, err := s.sealData(e.Details, historyAAD(e.ID), "history entry "+e.ID)
	if err != nil {
		return HistoryEntry{}, false, fmt.Errorf("add history for account %s: %w", e.AccountID, err)
	}
	var (
		out   HistoryEntry
		added bool
	)
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		a, err := getAccount(ctx, tx, e.AccountID)
		if err != nil {
			return err
		}
		if e.Environment == "" {
			e.Environment = a.Environment
		}
		if e.ClinicID == "" {
			e.ClinicID = a.ClinicID
		}
		// Only the event id may conflict quietly: a reused entry id is an error.
		res, err := tx.ExecContext(ctx, `INSERT INTO history (id, account_id, environment, clinic_id, at, kind,
			event_id, patient_id, plan_id, details_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, event_id) WHERE event_id <> '' DO NOTHING`,
			e.ID, e.AccountID, e.Environment, e.ClinicID, formatTime(e.At), e.Kind, e.EventID, e.PatientID,
			e.PlanID, sealed)
		if err != nil {
			return fmt.Errorf("insert history entry: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("insert history entry: %w", err)
		}
		if n > 0 {
			out, added = e, true
			return nil
		}
		out, err = s.scanHistory(tx.QueryRowContext(ctx, historySelect+` WHERE account_id = ? AND event_id = ?`,
			e.AccountID, e.EventID))
		if err != nil {
			return fmt.Errorf("read recorded event: %w", err)
		}
		return nil
	})
	if err != nil {
		return HistoryEntry{}, false, fmt.Errorf("add history for account %s: %w", e.AccountID, err)
	}
	return out, added, nil
}

const historySelect = `SELECT id, account_id, environment, clinic_id, at, kind, event_id, patient_id, plan_id,
	details_sealed FROM history`

// historyOrder is newest first; entries with the same time, newest added first.
const historyOrder = ` ORDER BY at DESC, rowid DESC LIMIT ?`

func (s *Store) scanHistory(r rowScanner) (HistoryEntry, error) {
	var (
		e      HistoryEntry
		at     string
		sealed []byte
	)
	if err := r.Scan(&e.ID, &e.AccountID, &e.Environment, &e.ClinicID, &at, &e.Kind, &e.EventID,
		&e.PatientID, &e.PlanID, &sealed); err != nil {
		return HistoryEntry{}, err
	}
	var err error
	if e.At, err = parseTime(at); err != nil {
		return HistoryEntry{}, err
	}
	if e.Details, err = s.unsealData(sealed, historyAAD(e.ID), "history entry "+e.ID); err != nil {
		return HistoryEntry{}, err
	}
	return e, nil
}

// History returns an account's entries, or every account's when accountID is
// "", newest first (by At), at most limit of them; limit <= 0 means
// DefaultHistoryLimit. A removed account's history is kept and listed.
func (s *Store) History(ctx context.Context, accountID string, limit int) ([]HistoryEntry, error) {
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	var (
		rows *sql.Rows
		err  error
	)
	if accountID == "" {
		rows, err = s.db.QueryContext(ctx, historySelect+historyOrder, limit)
	} else {
		rows, err = s.db.QueryContext(ctx, historySelect+` WHERE account_id = ?`+historyOrder, accountID, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		e, err := s.scanHistory(rows)
		if err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	return out, nil
}
