package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
)

// secretForms are the shapes a leaked secret could take on disk.
func secretForms(s string) []string {
	b := []byte(s)
	return []string{
		s,
		base64.StdEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
		hex.EncodeToString(b),
		strings.ToUpper(hex.EncodeToString(b)),
	}
}

func TestNoPlaintextOnDisk(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	ctx := ctxT(t)
	const clinic = "Distinctive-Clinic-Name-7f3a"
	secrets := []string{
		"ACCESS-TOKEN-9b1c7e5d2f4a6b8c", "REFRESH-TOKEN-3e8f1a7c5b9d2e4f",
		"ACCESS-TOKEN-second-account-77", "REFRESH-TOKEN-second-account-77",
		"CLIENT-SECRET-5a5a5a5a5a5a5a5a", "REVOKE-ME-TOKEN-0c0c0c0c0c0c0c",
	}
	// Patient data written through History, recent patients and plans.
	patientData := []string{
		"Zebulon-Quincy-Historypatient", "zebulon.q.4e1f@history.example",
		"Marguerite-Ottoline-Recentpatient", "m.ottoline.8c1d@recent.example",
		"Removed-Account-Patient-Ysolde", "ysolde.2b7a@removed.example",
		"Ashwagandha-Plan-Product-Q7", "Plan-Prescriber-Dr-Theodora",
	}
	secrets = append(secrets, patientData...)
	a := f.signIn(t, acct("us", "c1", "u1", clinic, "Ann"), toks(secrets[0], secrets[1]))
	b := f.signIn(t, acct("us", "c2", "u1", "Other", "Ann"), toks(secrets[2], secrets[3]))
	if err := f.s.SetSetting(ctx, "client_secret.us", secrets[4], true); err != nil {
		t.Fatal(err)
	}
	person := func(name, email string) []byte {
		return []byte(`{"patient":{"name":"` + name + `","email":"` + email + `"},"plan":"Magnesium 200mg for ` + name + `"}`)
	}
	for _, e := range []HistoryEntry{
		{AccountID: a.ID, Kind: HistoryPatientSelected, EventID: "ev-1", PatientID: "pat-1", Details: person(patientData[0], patientData[1])},
		{AccountID: a.ID, Kind: HistoryTreatmentPlanActivated, EventID: "ev-2", PatientID: "pat-1", PlanID: "plan-1", Details: person(patientData[0], patientData[1])},
		{AccountID: b.ID, Kind: HistoryPatientSelected, EventID: "ev-3", PatientID: "pat-3", Details: person(patientData[4], patientData[5])},
	} {
		if _, _, err := f.s.AddHistory(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []RecentPatient{
		{AccountID: a.ID, Key: "pat-1", Data: person(patientData[0], patientData[1])},
		{AccountID: a.ID, Key: "typed-2", Data: person(patientData[2], patientData[3])},
		{AccountID: b.ID, Key: "pat-3", Data: person(patientData[4], patientData[5])},
	} {
		if err := f.s.TouchRecentPatient(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.SavePatientPlans(ctx, PatientPlans{AccountID: a.ID, PatientID: "pat-1",
		Data: []byte(`[{"products":["` + patientData[6] + `"],"prescriber":"` + patientData[7] + `"}]`)}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RemoveAccount(ctx, b.ID, &Revocation{Token: secrets[5]}); err != nil {
		t.Fatal(err)
	}

	scan := func(t *testing.T, file string, wantClinic bool) {
		t.Helper()
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			for _, form := range secretForms(s) {
				if bytes.Contains(raw, []byte(form)) {
					t.Errorf("%s holds %q in the clear", file, form)
				}
			}
		}
		if wantClinic && !bytes.Contains(raw, []byte(clinic)) {
			t.Errorf("%s (%d bytes) lacks the clinic name: the scan is not reading real content", file, len(raw))
		}
	}
	// Before a checkpoint the new pages are in the WAL only.
	scan(t, f.path+"-wal", true)
	scan(t, f.path, false)
	if _, err := f.s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	scan(t, f.path, true)
	if err := f.s.Close(); err != nil {
		t.Fatal(err)
	}
	scan(t, f.path, true)
}

// A sealed blob moved to another row, column, revocation, setting, history
// entry or recent patient must fail to open, never pass as the other place's
// secret or as another patient's data.
func TestAADBinding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tamper []string // SQL run with args a.ID, b.ID
		read   func(ctx context.Context, f fixture, a, b Account) error
	}{
		{
			name: "access tokens swapped between accounts",
			tamper: []string{
				`CREATE TEMP TABLE saved AS SELECT account_id, access_sealed FROM tokens`,
				`UPDATE tokens SET access_sealed = (SELECT access_sealed FROM saved WHERE account_id = ?2) WHERE account_id = ?1`,
				`UPDATE tokens SET access_sealed = (SELECT access_sealed FROM saved WHERE account_id = ?1) WHERE account_id = ?2`,
			},
			read: func(ctx context.Context, f fixture, a, b Account) error {
				_, _, errA := f.s.Tokens(ctx, a.ID)
				_, _, errB := f.s.Tokens(ctx, b.ID)
				if errA == nil || errB == nil {
					return nil
				}
				return errA
			},
		},
		{
			name:   "access blob copied into the refresh column",
			tamper: []string{`UPDATE tokens SET refresh_sealed = access_sealed WHERE account_id = ?1 OR ?2 = ''`},
			read: func(ctx context.Context, f fixture, a, b Account) error {
				_, _, err := f.s.Tokens(ctx, a.ID)
				return err
			},
		},
		{
			name: "revocation blob moved to another revocation",
			tamper: []string{
				`INSERT INTO pending_revocations (id, environment, account_id, token_sealed, queued_at, next_attempt_at)
				 SELECT 'forged', environment, ?1, token_sealed, queued_at, next_attempt_at FROM pending_revocations WHERE ?2 <> ''`,
				`DELETE FROM pending_revocations WHERE id <> 'forged'`,
			},
			// A revocation that cannot be opened is skipped (the others
			// still go out), never returned.
			read: func(ctx context.Context, f fixture, a, b Account) error {
				revs, err := f.s.PendingRevocations(ctx)
				if err == nil && len(revs) == 0 {
					err = errors.New("the forged revocation was skipped")
				}
				return err
			},
		},
		{
			name: "secret setting copied to another key",
			tamper: []string{
				`INSERT INTO settings (key, value, sealed) SELECT 'other', value, sealed FROM settings
				 WHERE key = 'client_secret' AND ?1 <> ?2`,
			},
			read: func(ctx context.Context, f fixture, a, b Account) error {
				_, _, err := f.s.Setting(ctx, "other")
				return err
			},
		},
		{
			name: "history details swapped between accounts' entries",
			tamper: []string{
				`CREATE TEMP TABLE saved AS SELECT account_id, details_sealed FROM history`,
				`UPDATE history SET details_sealed = (SELECT details_sealed FROM saved WHERE account_id = ?2) WHERE account_id = ?1`,
				`UPDATE history SET details_sealed = (SELECT details_sealed FROM saved WHERE account_id = ?1) WHERE account_id = ?2`,
			},
			read: func(ctx context.Context, f fixture, a, b Account) error {
				_, errA := f.s.History(ctx, a.ID, 0)
				_, errB := f.s.History(ctx, b.ID, 0)
				_, errAll := f.s.History(ctx, "", 0)
				if errA == nil || errB == nil || errAll == nil {
					return nil
				}
				return errA
			},
		},
		{
			name: "history details copied to a forged entry",
			tamper: []string{
				`INSERT INTO history (id, account_id, at, kind, details_sealed)
				 SELECT 'forged', account_id, at, kind, details_sealed FROM history WHERE account_id = ?1 AND ?2 <> ''`,
				`DELETE FROM history WHERE id <> 'forged'`,
			},
			read: func(ctx context.Context, f fixture, a, b Account) error {
				_, err := f.s.History(ctx, a.ID, 0)
				return err
			},
		},
		{
			name: "recent data swapped between an account's patients",
			tamper: []string{
				`CREATE TEMP TABLE saved AS SELECT patient_key, data_sealed FROM recent_patients WHERE account_id = ?1 AND ?2 <> ''`,
				`UPDATE recent_patients SET data_sealed = (SELECT data_sealed FROM saved WHERE patient_key = 'pat-2')
				 WHERE account_id = ?1 AND patient_key = 'pat-1' AND ?2 <> ''`,
				`UPDATE recent_patients SET data_sealed = (SELECT data_sealed FROM saved WHERE patient_key = 'pat-1')
				 WHERE account_id = ?1 AND patient_key = 'pat-2' AND ?2 <> ''`,
			},
			read: func(ctx context.Context, f fixture, a, b Account) error {
				_, err := f.s.RecentPatients(ctx, a.ID)
				return err
			},
		},
		{
			name: "plans moved to another patient of the account",
			tamper: []string{
				`UPDATE patient_plans SET data_sealed = (SELECT data_sealed FROM patient_plans
				 WHERE account_id = ?1 AND patient_id = 'pat-2') WHERE account_id = ?1 AND patient_id = 'pat-1' AND ?2 <> ''`,
			},
			read: func(ctx context.Context, f fixture, a, b Account) error {
				_, _, err := f.s.SavedPatientPlans(ctx, a.ID, "pat-1")
				return err
			},
		},
		{
			name: "plans moved to the same patient of another account",
			tamper: []string{
				`UPDATE patient_plans SET data_sealed = (SELECT data_sealed FROM patient_plans
				 WHERE account_id = ?1 AND patient_id = 'pat-1') WHERE account_id = ?2 AND patient_id = 'pat-1'`,
			},
			read: func(ctx context.Context, f fixture, a, b Account) error {
				_, _, err := f.s.SavedPatientPlans(ctx, b.ID, "pat-1")
				return err
			},
		},
		{
			name: "recent data moved to the same patient key of another account",
			tamper: []string{
				`UPDATE recent_patients SET data_sealed = (SELECT data_sealed FROM recent_patients
				 WHERE account_id = ?1 AND patient_key = 'pat-1') WHERE account_id = ?2 AND patient_key = 'pat-1'`,
			},
			read: func(ctx context.Context, f fixture, a, b Account) error {
				_, err := f.s.RecentPatients(ctx, b.ID)
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFixture(t)
			ctx := ctxT(t)
			a := f.signIn(t, acct("us", "c1", "u1", "A", "U"), toks("access-of-A", "refresh-of-A"))
			b := f.signIn(t, acct("us", "c2", "u1", "B", "U"), toks("access-of-B", "refresh-of-B"))
			c := f.signIn(t, acct("us", "c3", "u1", "C", "U"), toks("x", "y"))
			if err := f.s.RemoveAccount(ctx, c.ID, &Revocation{Token: "revoke-of-C"}); err != nil {
				t.Fatal(err)
			}
			if err := f.s.SetSetting(ctx, "client_secret", "the-secret", true); err != nil {
				t.Fatal(err)
			}
			for _, x := range []struct {
				acc  Account
				name string
			}{{a, "A"}, {b, "B"}} {
				data := func(what string) []byte { return []byte(`{"name":"` + what + `-of-` + x.name + `"}`) }
				if _, _, err := f.s.AddHistory(ctx, HistoryEntry{AccountID: x.acc.ID, Kind: HistoryPatientSelected,
					EventID: "ev-1", Details: data("history")}); err != nil {
					t.Fatal(err)
				}
				for _, key := range []string{"pat-1", "pat-2"} {
					if err := f.s.TouchRecentPatient(ctx, RecentPatient{AccountID: x.acc.ID, Key: key,
						Data: data("recent-" + key)}); err != nil {
						t.Fatal(err)
					}
					if err := f.s.SavePatientPlans(ctx, PatientPlans{AccountID: x.acc.ID, PatientID: key, Data: data("plans-" + key)}); err != nil {
						t.Fatal(err)
					}
				}
			}
			conn, err := f.s.db.Conn(ctx) // one connection: the TEMP table lives there
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range tt.tamper {
				if _, err := conn.ExecContext(ctx, q, a.ID, b.ID); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			conn.Close()
			err = tt.read(ctx, f, a, b)
			if err == nil {
				t.Fatal("tampered value opened without error")
			}
			for _, s := range []string{"access-of-A", "access-of-B", "refresh-of-A", "refresh-of-B", "revoke-of-C", "the-secret",
				"history-of-", "recent-pat-1-of-", "recent-pat-2-of-", "plans-pat-", "pat-1", "pat-2"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q holds a secret", err)
				}
			}
		})
	}
}
