package store

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

// describe prints an entry with its details, for test failures only (the
// String method redacts them).
func describe(e HistoryEntry) string {
	return fmt.Sprintf("{id %s account %s env %s clinic %s at %s kind %s event %s patient %s plan %s details %s}",
		e.ID, e.AccountID, e.Environment, e.ClinicID, e.At.Format(time.RFC3339Nano), e.Kind, e.EventID,
		e.PatientID, e.PlanID, e.Details)
}

func sameEntry(x, y HistoryEntry) bool {
	return x.ID == y.ID && x.AccountID == y.AccountID && x.Environment == y.Environment &&
		x.ClinicID == y.ClinicID && x.At.Equal(y.At) && x.Kind == y.Kind && x.EventID == y.EventID &&
		x.PatientID == y.PatientID && x.PlanID == y.PlanID && bytes.Equal(x.Details, y.Details)
}

func (f fixture) addHistory(t *testing.T, e HistoryEntry) HistoryEntry {
	t.Helper()
	got, added, err := f.s.AddHistory(ctxT(t), e)
	if err != nil || !added {
		t.Fatalf("AddHistory: added %v, %v", added, err)
	}
	return got
}

func (f fixture) history(t *testing.T, accountID string, limit int) []HistoryEntry {
	t.Helper()
	h, err := f.s.History(ctxT(t), accountID, limit)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	return h
}

func TestAddHistory(t *testing.T) {
	t.Parallel()
	details := []byte(`{"patient":{"name":"Jane Roe","email":"jane@example.com"}}`)
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.FixedZone("EST", -5*3600))
	tests := []struct {
		name      string
		setup     func(t *testing.T, f fixture, a, b Account)
		in        func(a, b Account) HistoryEntry
		wantAdded bool
		wantRows  int   // history rows afterwards
		err       error // errors.Is target
		errMsg    string
		check     func(t *testing.T, f fixture, a, b Account, got HistoryEntry)
	}{
		{
			name: "fills id, time, environment and clinic",
			in: func(a, _ Account) HistoryEntry {
				return HistoryEntry{AccountID: a.ID, Kind: HistoryPatientSelected, EventID: "ev-1",
					PatientID: "pat-1", Details: details}
			},
			wantAdded: true, wantRows: 1,
			check: func(t *testing.T, f fixture, a, _ Account, got HistoryEntry) {
				if !uuidV4.MatchString(got.ID) || got.Environment != "us" || got.ClinicID != "c1" ||
					!got.At.After(t0) || got.At.Location() != time.UTC || !bytes.Equal(got.Details, details) {
					t.Errorf("got %s", describe(got))
				}
			},
		},
		{
			name: "keeps the caller's id, time, environment and clinic",
			in: func(a, _ Account) HistoryEntry {
				return HistoryEntry{ID: "h-1", AccountID: a.ID, Environment: "us-snd", ClinicID: "other", At: at,
					Kind: HistoryTreatmentPlanActivated, EventID: "ev-1", PatientID: "pat-1", PlanID: "plan-1", Details: details}
			},
			wantAdded: true, wantRows: 1,
			check: func(t *testing.T, f fixture, a, _ Account, got HistoryEntry) {
				if got.ID != "h-1" || got.Environment != "us-snd" || got.ClinicID != "other" || !got.At.Equal(at) ||
					got.At.Location() != time.UTC || got.PlanID != "plan-1" {
					t.Errorf("got %s", describe(got))
				}
			},
		},
		{
			name: "same event id is recorded once",
			setup: func(t *testing.T, f fixture, a, _ Account) {
				f.addHistory(t, HistoryEntry{ID: "first", AccountID: a.ID, Kind: HistoryPatientSelected, EventID: "ev-1",
					Details: []byte(`{"v":1}`)})
			},
			in: func(a, _ Account) HistoryEntry {
				return HistoryEntry{AccountID: a.ID, Kind: HistoryTreatmentPlanActivated, EventID: "ev-1", Details: []byte(`{"v":2}`)}
			},
			wantAdded: false, wantRows: 1,
			check: func(t *testing.T, f fixture, a, _ Account, got HistoryEntry) {
				if got.ID != "first" || got.Kind != HistoryPatientSelected || string(got.Details) != `{"v":1}` {
					t.Errorf("returned %s, want the first entry", describe(got))
				}
			},
		},
		{
			name: "same event id for another account is another event",
			setup: func(t *testing.T, f fixture, a, _ Account) {
				f.addHistory(t, HistoryEntry{AccountID: a.ID, Kind: HistoryPatientSelected, EventID: "ev-1"})
			},
			in: func(_, b Account) HistoryEntry {
				return HistoryEntry{AccountID: b.ID, Kind: HistoryPatientSelected, EventID: "ev-1"}
			},
			wantAdded: true, wantRows: 2,
		},
		{
			name: "empty event ids are never duplicates",
			setup: func(t *testing.T, f fixture, a, _ Account) {
				f.addHistory(t, HistoryEntry{AccountID: a.ID, Kind: HistoryPatientSelected})
			},
			in: func(a, _ Account) HistoryEntry {
				return HistoryEntry{AccountID: a.ID, Kind: HistoryPatientSelected}
			},
			wantAdded: true, wantRows: 2,
		},
		{
			name: "empty details",
			in: func(a, _ Account) HistoryEntry {
				return HistoryEntry{AccountID: a.ID, Kind: HistoryPatientSelected, EventID: "ev-1"}
			},
			wantAdded: true, wantRows: 1,
		},
		{
			name: "details of the maximum size",
			in: func(a, _ Account) HistoryEntry {
				return HistoryEntry{AccountID: a.ID, Kind: HistoryPatientSelected, Details: bytes.Repeat([]byte("x"), MaxDataLen)}
			},
			wantAdded: true, wantRows: 1,
		},
		{
			name: "details too large",
			in: func(a, _ Account) HistoryEntry {
				return HistoryEntry{AccountID: a.ID, Kind: HistoryPatientSelected, Details: bytes.Repeat([]byte("Jane Roe "), MaxDataLen/8)}
			},
			errMsg: "more than 65536",
		},
		{
			name: "unknown kind",
			in: func(a, _ Account) HistoryEntry {
				return HistoryEntry{AccountID: a.ID, Kind: "patient.deleted", Details: details}
			},
			errMsg: "unknown kind",
		},
		{
			name:   "no account id",
			in:     func(Account, Account) HistoryEntry { return HistoryEntry{Kind: HistoryPatientSelected} },
			errMsg: "no account id",
		},
		{
			name: "unknown account",
			in: func(Account, Account) HistoryEntry {
				return HistoryEntry{AccountID: "nope", Kind: HistoryPatientSelected, Details: details}
			},
			err: ErrNotFound,
		},
		{
			name: "removed account records nothing new",
			setup: func(t *testing.T, f fixture, _, b Account) {
				f.addHistory(t, HistoryEntry{AccountID: b.ID, Kind: HistoryPatientSelected, EventID: "ev-0"})
				if err := f.s.RemoveAccount(ctxT(t), b.ID, nil); err != nil {
					t.Fatal(err)
				}
			},
			in: func(_, b Account) HistoryEntry {
				return HistoryEntry{AccountID: b.ID, Kind: HistoryPatientSelected, EventID: "ev-1", Details: details}
			},
			wantRows: 1, err: ErrNotFound,
		},
		{
			name: "reused entry id is an error, not a duplicate event",
			setup: func(t *testing.T, f fixture, a, _ Account) {
				f.addHistory(t, HistoryEntry{ID: "h-1", AccountID: a.ID, Kind: HistoryPatientSelected, EventID: "ev-1"})
			},
			in: func(a, _ Account) HistoryEntry {
				return HistoryEntry{ID: "h-1", AccountID: a.ID, Kind: HistoryPatientSelected, EventID: "ev-2", Details: details}
			},
			wantRows: 1, errMsg: "UNIQUE",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFixture(t)
			ctx := ctxT(t)
			a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a1", "r1"))
			b := f.signIn(t, acct("ca", "c2", "u2", "South", "Bob"), toks("a2", "r2"))
			if tt.setup != nil {
				tt.setup(t, f, a, b)
			}
			in := tt.in(a, b)
			got, added, err := f.s.AddHistory(ctx, in)
			var rows int
			if err := f.s.db.QueryRow(`SELECT count(*) FROM history`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != tt.wantRows {
				t.Errorf("%d history rows, want %d", rows, tt.wantRows)
			}
			if tt.err != nil || tt.errMsg != "" {
				if err == nil || (tt.err != nil && !errors.Is(err, tt.err)) || !strings.Contains(err.Error(), tt.errMsg) {
					t.Fatalf("error %v, want %v %q", err, tt.err, tt.errMsg)
				}
				if strings.Contains(err.Error(), "Jane Roe") || strings.Contains(err.Error(), "jane@") {
					t.Errorf("error %q holds patient data", err)
				}
				if added {
					t.Error("added with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("AddHistory: %v", err)
			}
			if added != tt.wantAdded {
				t.Errorf("added %v, want %v", added, tt.wantAdded)
			}
			// What AddHistory returned is what History reads back.
			var stored []HistoryEntry
			for _, e := range f.history(t, got.AccountID, 0) {
				if e.ID == got.ID {
					stored = append(stored, e)
				}
			}
			if len(stored) != 1 || !sameEntry(stored[0], got) {
				t.Errorf("returned %s, stored %v", describe(got), stored)
			}
			if added && (got.Kind != in.Kind || got.EventID != in.EventID || !bytes.Equal(got.Details, in.Details)) {
				t.Errorf("stored %s from %s", describe(got), describe(in))
			}
			if tt.check != nil {
				tt.check(t, f, a, b, got)
			}
		})
	}
}

func TestHistory(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a1", "r1"))
	b := f.signIn(t, acct("ca", "c2", "u2", "South", "Bob"), toks("a2", "r2"))
	for _, e := range []struct {
		account string
		event   string
		at      time.Duration
	}{
		{a.ID, "a1", time.Minute},
		{a.ID, "a2", 3 * time.Minute},
		{a.ID, "a3", 2 * time.Minute},
		{b.ID, "b1", 2 * time.Minute}, // same time as a3, added later: listed first
		{b.ID, "b2", 0},
	} {
		f.addHistory(t, HistoryEntry{AccountID: e.account, Kind: HistoryPatientSelected, EventID: e.event,
			At: t0.Add(e.at), Details: []byte(`{"event":"` + e.event + `"}`)})
	}
	if err := f.s.RemoveAccount(ctxT(t), b.ID, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		account string
		limit   int
		want    []string
	}{
		{"all, newest first", "", 0, []string{"a2", "b1", "a3", "a1", "b2"}},
		{"all, limited", "", 2, []string{"a2", "b1"}},
		{"one account", a.ID, 0, []string{"a2", "a3", "a1"}},
		{"negative limit means the default", a.ID, -1, []string{"a2", "a3", "a1"}},
		{"one account, limited", a.ID, 1, []string{"a2"}},
		{"limit above the count", a.ID, 10, []string{"a2", "a3", "a1"}},
		{"removed account's history is kept", b.ID, 0, []string{"b1", "b2"}},
		{"unknown account", "nope", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range f.history(t, tt.account, tt.limit) {
				got = append(got, e.EventID)
				if string(e.Details) != `{"event":"`+e.EventID+`"}` {
					t.Errorf("%s: details %s", e.EventID, e.Details)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("events %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHistoryDefaultLimit(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a1", "r1"))
	const n = DefaultHistoryLimit + 1
	for i := range n {
		f.addHistory(t, HistoryEntry{AccountID: a.ID, Kind: HistoryPatientSelected, EventID: fmt.Sprint(i)})
	}
	tests := []struct {
		name    string
		account string
		limit   int
		want    int
	}{
		{"zero", a.ID, 0, DefaultHistoryLimit},
		{"zero, all accounts", "", 0, DefaultHistoryLimit},
		{"negative", a.ID, -5, DefaultHistoryLimit},
		{"above the default", a.ID, 1000, n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := f.history(t, tt.account, tt.limit)
			if len(h) != tt.want {
				t.Fatalf("%d entries, want %d", len(h), tt.want)
			}
			if h[0].EventID != fmt.Sprint(n-1) || h[len(h)-1].EventID != fmt.Sprint(n-len(h)) {
				t.Errorf("entries %s..%s, want the newest", h[0].EventID, h[len(h)-1].EventID)
			}
		})
	}
}

// HistoryEntry and RecentPatient print and log without their patient data.
func TestPatientDataStaysOutOfFormatting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
	}{
		{"history entry", HistoryEntry{ID: "h1", AccountID: "acc", Kind: HistoryPatientSelected, PatientID: "pat-PRINT",
			Details: []byte(`{"name":"Name-PRINT","email":"mail-PRINT@example.com"}`)}},
		{"recent patient", RecentPatient{AccountID: "acc", Key: "key-PRINT",
			Data: []byte(`{"name":"Name-PRINT","email":"mail-PRINT@example.com"}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", tt.v)
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", tt.v)
			out := buf.String() + fmt.Sprintf("%v %+v %#v %s", tt.v, tt.v, tt.v, tt.v)
			if strings.Contains(out, "PRINT") {
				t.Errorf("patient data printed: %s", out)
			}
			if !strings.Contains(out, "acc") {
				t.Errorf("the account is not printed either: %s", out)
			}
		})
	}
}
