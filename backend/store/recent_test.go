package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// patients returns touches of keys prefix+"00".. for account, at the clock.
func patients(account, prefix string, n int) []RecentPatient {
	var out []RecentPatient
	for i := range n {
		key := fmt.Sprintf("%s%02d", prefix, i)
		out = append(out, RecentPatient{AccountID: account, Key: key, Data: []byte(`{"key":"` + key + `"}`)})
	}
	return out
}

// keysFrom lists keys prefix+"from" down to prefix+"to", most recent first.
func keysFrom(prefix string, from, to int) []string {
	var out []string
	for i := from; i >= to; i-- {
		out = append(out, fmt.Sprintf("%s%02d", prefix, i))
	}
	return out
}

func TestTouchRecentPatient(t *testing.T) {
	t.Parallel()
	// AccountID "A" and "B" stand for the fixture's two accounts.
	tests := []struct {
		name    string
		touches []RecentPatient
		err     error  // errors.Is target of the last touch
		errMsg  string // substring of the last touch's error
		wantA   []string
		wantB   []string
		check   func(t *testing.T, got []RecentPatient)
	}{
		{
			name:    "new patient, used now",
			touches: []RecentPatient{{AccountID: "A", Key: "pat-1", Data: []byte(`{"name":"Jane Roe"}`)}},
			wantA:   []string{"pat-1"},
			check: func(t *testing.T, got []RecentPatient) {
				if !got[0].UsedAt.After(t0) || got[0].UsedAt.Location() != time.UTC || string(got[0].Data) != `{"name":"Jane Roe"}` {
					t.Errorf("got used %v data %s", got[0].UsedAt, got[0].Data)
				}
			},
		},
		{
			name: "touched again: first, with the new data",
			touches: []RecentPatient{
				{AccountID: "A", Key: "pat-1", Data: []byte(`{"v":1}`)},
				{AccountID: "A", Key: "pat-2", Data: []byte(`{"v":1}`)},
				{AccountID: "A", Key: "pat-1", Data: []byte(`{"v":2}`)},
			},
			wantA: []string{"pat-1", "pat-2"},
			check: func(t *testing.T, got []RecentPatient) {
				if string(got[0].Data) != `{"v":2}` || string(got[1].Data) != `{"v":1}` {
					t.Errorf("data %s, %s", got[0].Data, got[1].Data)
				}
			},
		},
		{
			name: "the caller's times order the list",
			touches: []RecentPatient{
				{AccountID: "A", Key: "mid", UsedAt: t0.Add(2 * time.Minute)},
				{AccountID: "A", Key: "old", UsedAt: t0.Add(time.Minute)},
				{AccountID: "A", Key: "new", UsedAt: t0.Add(3 * time.Minute).In(time.FixedZone("X", 3600))},
			},
			wantA: []string{"new", "mid", "old"},
			check: func(t *testing.T, got []RecentPatient) {
				if !got[0].UsedAt.Equal(t0.Add(3*time.Minute)) || got[0].UsedAt.Location() != time.UTC {
					t.Errorf("used at %v", got[0].UsedAt)
				}
			},
		},
		{
			name:    "trimmed to the twenty most recent",
			touches: patients("A", "p", 25),
			wantA:   keysFrom("p", 24, 5),
		},
		{
			name:    "touching a kept patient trims nothing",
			touches: append(patients("A", "p", MaxRecentPatients), RecentPatient{AccountID: "A", Key: "p00"}),
			wantA:   append([]string{"p00"}, keysFrom("p", 19, 1)...),
		},
		{
			name: "a touch older than all twenty is dropped at once",
			touches: append(patients("A", "p", MaxRecentPatients),
				RecentPatient{AccountID: "A", Key: "ancient", UsedAt: t0.Add(-time.Hour)}),
			wantA: keysFrom("p", 19, 0),
		},
		{
			name: "trimming is per account",
			touches: append(append(patients("B", "b", 5), patients("A", "p", MaxRecentPatients+1)...),
				RecentPatient{AccountID: "B", Key: "b05"}),
			wantA: keysFrom("p", 20, 1),
			wantB: keysFrom("b", 5, 0),
		},
		{
			name:    "same key, two accounts",
			touches: []RecentPatient{{AccountID: "A", Key: "pat-1"}, {AccountID: "B", Key: "pat-1"}},
			wantA:   []string{"pat-1"},
			wantB:   []string{"pat-1"},
		},
		{
			name:    "no key",
			touches: []RecentPatient{{AccountID: "A", Data: []byte(`{"name":"Jane Roe"}`)}},
			errMsg:  "key are required",
		},
		{
			name:    "no account",
			touches: []RecentPatient{{Key: "pat-1", Data: []byte(`{"name":"Jane Roe"}`)}},
			errMsg:  "account id and key are required",
		},
		{
			name:    "unknown account",
			touches: []RecentPatient{{AccountID: "nope", Key: "Jane Roe", Data: []byte(`{"name":"Jane Roe"}`)}},
			err:     ErrNotFound,
		},
		{
			name: "data too large",
			touches: []RecentPatient{{AccountID: "A", Key: "pat-1",
				Data: bytes.Repeat([]byte("Jane Roe "), MaxDataLen/8)}},
			errMsg: "more than 65536",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFixture(t)
			ctx := ctxT(t)
			ids := map[string]string{
				"A": f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a1", "r1")).ID,
				"B": f.signIn(t, acct("us", "c2", "u2", "South", "Bob"), toks("a2", "r2")).ID,
			}
			var err error
			for i, p := range tt.touches {
				if id, ok := ids[p.AccountID]; ok {
					p.AccountID = id
				}
				err = f.s.TouchRecentPatient(ctx, p)
				if err != nil && i < len(tt.touches)-1 {
					t.Fatalf("touch %d: %v", i, err)
				}
			}
			if tt.err != nil || tt.errMsg != "" {
				if err == nil || (tt.err != nil && !errors.Is(err, tt.err)) || !strings.Contains(err.Error(), tt.errMsg) {
					t.Fatalf("error %v, want %v %q", err, tt.err, tt.errMsg)
				}
				if strings.Contains(err.Error(), "Jane Roe") {
					t.Errorf("error %q holds patient data", err)
				}
			} else if err != nil {
				t.Fatalf("TouchRecentPatient: %v", err)
			}
			for name, want := range map[string][]string{"A": tt.wantA, "B": tt.wantB} {
				got, err := f.s.RecentPatients(ctx, ids[name])
				if err != nil {
					t.Fatal(err)
				}
				var keys []string
				for i, p := range got {
					keys = append(keys, p.Key)
					if p.AccountID != ids[name] || (i > 0 && p.UsedAt.After(got[i-1].UsedAt)) {
						t.Errorf("account %s, entry %d: %s used %v", name, i, p.Key, p.UsedAt)
					}
				}
				if !slices.Equal(keys, want) {
					t.Errorf("account %s: keys %v, want %v", name, keys, want)
				}
				if name == "A" && tt.check != nil && len(got) > 0 {
					tt.check(t, got)
				}
			}
			var rows int
			if err := f.s.db.QueryRow(`SELECT count(*) FROM recent_patients`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != len(tt.wantA)+len(tt.wantB) {
				t.Errorf("%d rows, want %d", rows, len(tt.wantA)+len(tt.wantB))
			}
		})
	}
}

// Removing an account deletes its recent patients (and only its own) but
// keeps its history; needing sign-in keeps both.
func TestAccountEndsAndPatientData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		end         func(t *testing.T, f fixture, id string) error
		wantRecent  int
		wantAccount bool
	}{
		{name: "removed", end: func(t *testing.T, f fixture, id string) error {
			return f.s.RemoveAccount(ctxT(t), id, nil)
		}},
		{name: "removed with a revocation", end: func(t *testing.T, f fixture, id string) error {
			return f.s.RemoveAccount(ctxT(t), id, &Revocation{Token: "rev"})
		}},
		{name: "needs sign-in", wantRecent: 3, wantAccount: true, end: func(t *testing.T, f fixture, id string) error {
			return f.s.MarkNeedsSignIn(ctxT(t), id, "refused")
		}},
		{name: "account row deleted by SQL alone (foreign key cascade)", end: func(t *testing.T, f fixture, id string) error {
			_, err := f.s.db.Exec(`DELETE FROM accounts WHERE id = ?`, id)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFixture(t)
			ctx := ctxT(t)
			a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a1", "r1"))
			b := f.signIn(t, acct("us", "c2", "u2", "South", "Bob"), toks("a2", "r2"))
			for _, id := range []string{a.ID, b.ID} {
				for _, p := range patients(id, "p", 3) {
					if err := f.s.TouchRecentPatient(ctx, p); err != nil {
						t.Fatal(err)
					}
				}
				if err := f.s.SavePatientPlans(ctx, PatientPlans{AccountID: id, PatientID: "p00", Data: []byte(`[]`)}); err != nil {
					t.Fatal(err)
				}
				f.addHistory(t, HistoryEntry{AccountID: id, Kind: HistoryPatientSelected, EventID: "ev-1", Details: []byte(`{}`)})
				f.addHistory(t, HistoryEntry{AccountID: id, Kind: HistoryTreatmentPlanActivated, EventID: "ev-2", Details: []byte(`{}`)})
			}
			if err := tt.end(t, f, a.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.Account(ctx, a.ID); (err == nil) != tt.wantAccount {
				t.Errorf("account: %v", err)
			}
			for _, c := range []struct {
				id         string
				wantRecent int
			}{{a.ID, tt.wantRecent}, {b.ID, 3}} {
				got, err := f.s.RecentPatients(ctx, c.id)
				if err != nil || len(got) != c.wantRecent {
					t.Errorf("account %s: %d recent patients (%v), want %d", c.id, len(got), err, c.wantRecent)
				}
				if h := f.history(t, c.id, 0); len(h) != 2 {
					t.Errorf("account %s: %d history entries, want 2", c.id, len(h))
				}
			}
			var rows int
			if err := f.s.db.QueryRow(`SELECT count(*) FROM recent_patients WHERE account_id = ?`, a.ID).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != tt.wantRecent {
				t.Errorf("%d recent_patients rows left for the account, want %d", rows, tt.wantRecent)
			}
			// A patient's plans go with the account, as its recent patients do.
			_, kept, err := f.s.SavedPatientPlans(ctx, a.ID, "p00")
			if err != nil || kept != tt.wantAccount {
				t.Errorf("the account's saved plans kept = %v (%v), want %v", kept, err, tt.wantAccount)
			}
			if _, kept, _ := f.s.SavedPatientPlans(ctx, b.ID, "p00"); !kept {
				t.Error("the other account's saved plans are gone")
			}
		})
	}
}
