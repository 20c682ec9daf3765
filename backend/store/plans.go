package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// MaxSavedPlans is how many patients' plans an account keeps for offline;
// saving one more drops the least recently fetched.
const MaxSavedPlans = 50

// PatientPlans is what the app last fetched of a patient's treatment plans:
// Data is the caller's JSON, in the clear in memory, sealed in the file.
type PatientPlans struct {
	AccountID string
	PatientID string // Fullscript's id (kept in the clear, like history's)
	FetchedAt time.Time
	Data      []byte
}

// String keeps the plans out of fmt's %v.
func (p PatientPlans) String() string {
	return fmt.Sprintf("PatientPlans{account %s, fetched %s, %d bytes redacted}", p.AccountID, p.FetchedAt.Format(time.RFC3339), len(p.Data))
}

// plansAAD binds sealed plans to their account and patient, so a row moved
// to another patient fails to open instead of showing as theirs.
func plansAAD(accountID, patientID string) []byte {
	return []byte("plans:" + accountID + ":" + patientID)
}

// SavePatientPlans replaces the account's copy of the patient's plans. The
// account must exist: ErrNotFound otherwise.
func (s *Store) SavePatientPlans(ctx context.Context, p PatientPlans) error {
	if p.AccountID == "" || p.PatientID == "" {
		return errors.New("save patient plans: account id and patient id are required")
	}
	if len(p.Data) > MaxDataLen {
		return fmt.Errorf("save patient plans of account %s: %d bytes, more than %d", p.AccountID, len(p.Data), MaxDataLen)
	}
	if p.FetchedAt.IsZero() {
		p.FetchedAt = s.now()
	}
	name := "treatment plans of a patient of account " + p.AccountID
	sealed, err := s.sealData(p.Data, plansAAD(p.AccountID, p.PatientID), name)
	if err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := getAccount(ctx, tx, p.AccountID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO patient_plans (account_id, patient_id, fetched_at, data_sealed) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, patient_id) DO UPDATE SET fetched_at = excluded.fetched_at, data_sealed = excluded.data_sealed`,
			p.AccountID, p.PatientID, formatTime(p.FetchedAt), sealed)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM patient_plans WHERE account_id = ? AND patient_id NOT IN (
			SELECT patient_id FROM patient_plans WHERE account_id = ? ORDER BY fetched_at DESC, patient_id DESC LIMIT ?)`,
			p.AccountID, p.AccountID, MaxSavedPlans)
		return err
	})
	if err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	return nil
}

// SavedPatientPlans returns the account's last copy of the patient's plans,
// and false when there is none.
func (s *Store) SavedPatientPlans(ctx context.Context, accountID, patientID string) (PatientPlans, bool, error) {
	name := "treatment plans of a patient of account " + accountID
	var fetched string
	var sealed []byte
	err := s.db.QueryRowContext(ctx, `SELECT fetched_at, data_sealed FROM patient_plans WHERE account_id = ? AND patient_id = ?`,
		accountID, patientID).Scan(&fetched, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return PatientPlans{}, false, nil
	}
	if err != nil {
		return PatientPlans{}, false, fmt.Errorf("read %s: %w", name, err)
	}
	p := PatientPlans{AccountID: accountID, PatientID: patientID}
	if p.FetchedAt, err = parseTime(fetched); err != nil {
		return PatientPlans{}, false, fmt.Errorf("read %s: %w", name, err)
	}
	if p.Data, err = s.unsealData(sealed, plansAAD(accountID, patientID), name); err != nil {
		return PatientPlans{}, false, fmt.Errorf("read %s: %w", name, err)
	}
	return p, true, nil
}
