package store

import (
	"strings"
	"testing"
	"time"
)

func (f fixture) clinicEvents(t *testing.T, flt ClinicEventFilter) ([]ClinicEvent, int) {
	t.Helper()
	evs, skipped, err := f.s.ClinicEvents(ctxT(t), flt)
	if err != nil {
		t.Fatalf("ClinicEvents: %v", err)
	}
	return evs, skipped
}

func TestClinicEventsAreKeptOncePerClinic(t *testing.T) {
	t.Parallel()
	ev := func(clinic, id string, at time.Time) ClinicEvent {
		return ClinicEvent{Environment: "local", ClinicID: clinic, EventID: id, AccountID: "a1", Category: "orders",
			Type: "order.placed", CreatedAt: at, PatientID: "p1", Data: []byte(`{"order":{"id":"o-` + id + `"}}`)}
	}
	tests := []struct {
		name      string
		adds      []ClinicEvent
		wantAdded []bool
		filter    ClinicEventFilter
		wantIDs   []string // newest first
	}{
		{"the same event twice is stored once", []ClinicEvent{ev("c1", "e1", t0), ev("c1", "e1", t0)}, []bool{true, false},
			ClinicEventFilter{}, []string{"e1"}},
		{"the same id at two clinics is two events", []ClinicEvent{ev("c1", "e1", t0), ev("c2", "e1", t0)}, []bool{true, true},
			ClinicEventFilter{ClinicID: "c2"}, []string{"e1"}},
		{"newest first, and since filters by creation", []ClinicEvent{ev("c1", "old", t0), ev("c1", "new", t0.Add(time.Hour)), ev("c1", "mid", t0.Add(time.Minute))},
			[]bool{true, true, true}, ClinicEventFilter{Since: t0.Add(time.Second)}, []string{"new", "mid"}},
		{"an unknown type is kept as it came", []ClinicEvent{{Environment: "local", ClinicID: "c1", EventID: "x", Category: "clinic_keys", Type: "clinic_key.rotated", CreatedAt: t0, Data: []byte(`{}`)}},
			[]bool{true}, ClinicEventFilter{}, []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := openFixture(t)
			for i, e := range tt.adds {
				added, err := f.s.AddClinicEvent(ctxT(t), e)
				if err != nil || added != tt.wantAdded[i] {
					t.Fatalf("add %d: added %v, %v; want %v", i, added, err, tt.wantAdded[i])
				}
			}
			got, _ := f.clinicEvents(t, tt.filter)
			var ids []string
			for _, e := range got {
				ids = append(ids, e.EventID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantIDs, ",") {
				t.Fatalf("ids %v, want %v", ids, tt.wantIDs)
			}
			if got[0].Data == nil || !strings.HasPrefix(string(got[0].Data), "{") {
				t.Fatalf("data %q did not come back", got[0].Data)
			}
		})
	}
}

func TestClinicEventDataIsSealedAndABadRowHidesNothingElse(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	for _, id := range []string{"good1", "bad", "good2"} {
		if _, err := f.s.AddClinicEvent(ctxT(t), ClinicEvent{Environment: "local", ClinicID: "c1", EventID: id, Category: "lab_orders",
			Type: "lab_order.updated", CreatedAt: t0, Data: []byte(`{"patient":"Amos Kline"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	var raw []byte
	if err := f.s.db.QueryRow(`SELECT details_sealed FROM clinic_events WHERE event_id = 'good1'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "Amos") {
		t.Fatal("an event's data is stored in the clear")
	}
	// A damaged row: its sealed bytes belong to another event (the aad differs).
	if _, err := f.s.db.Exec(`UPDATE clinic_events SET details_sealed = ? WHERE event_id = 'bad'`, raw); err != nil {
		t.Fatal(err)
	}
	got, skipped := f.clinicEvents(t, ClinicEventFilter{})
	if len(got) != 2 || skipped != 1 {
		t.Fatalf("%d events and %d skipped, want 2 and 1", len(got), skipped)
	}
	known, err := f.s.KnownClinicEvents(ctxT(t), "local", "c1", t0.Add(-time.Hour))
	if err != nil || len(known) != 3 {
		t.Fatalf("known %v, %v: the damaged one is still known, so it is not fetched again", known, err)
	}
}

func TestForgetHistory(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	ada := f.signIn(t, acct("local", "c1", "ada", "Riverside", "Ada Moss"), toks("a1", "r1"))
	bo := f.signIn(t, acct("local", "c1", "bo", "Riverside", "Bo Li"), toks("a2", "r2"))
	for _, a := range []Account{ada, bo} {
		f.addHistory(t, HistoryEntry{AccountID: a.ID, Kind: HistoryTreatmentPlanActivated, Details: []byte(`{}`)})
	}
	if _, err := f.s.AddClinicEvent(ctxT(t), ClinicEvent{Environment: "local", ClinicID: "c1", EventID: "e1", Category: "orders", Type: "order.placed", CreatedAt: t0, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.ForgetHistory(ctxT(t), "local", "c1", "ada"); err == nil || !strings.Contains(err.Error(), "sign it out first") {
		t.Fatalf("forgetting a signed-in person: %v", err)
	}
	// Signing out keeps everything.
	if err := f.s.RemoveAccount(ctxT(t), ada.ID, nil); err != nil {
		t.Fatal(err)
	}
	if h := f.history(t, ada.ID, 0); len(h) != 1 {
		t.Fatalf("sign-out kept %d history entries, want 1", len(h))
	}
	people, err := f.s.People(ctxT(t))
	if err != nil || len(people) != 2 {
		t.Fatalf("people after sign-out: %v, %v; want both names kept", people, err)
	}
	// Forgetting Ada takes hers, not Bo's, nor the clinic's events (Bo is still there).
	if err := f.s.ForgetHistory(ctxT(t), "local", "c1", "ada"); err != nil {
		t.Fatal(err)
	}
	if h := f.history(t, ada.ID, 0); len(h) != 0 {
		t.Fatalf("%d of Ada's entries left", len(h))
	}
	if a, _ := f.s.Audit(ctxT(t), ada.ID); len(a) != 0 {
		t.Fatalf("%d of Ada's audit lines left", len(a))
	}
	if h := f.history(t, bo.ID, 0); len(h) != 1 {
		t.Fatalf("Bo's history: %d entries, want 1", len(h))
	}
	if evs, _ := f.clinicEvents(t, ClinicEventFilter{}); len(evs) != 1 {
		t.Fatalf("clinic events: %d, want 1 while Bo remains", len(evs))
	}
	// The last of the clinic: its events go with them.
	if err := f.s.RemoveAccount(ctxT(t), bo.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetSetting(ctxT(t), "events.polled.local.c1", "2025-01-01T00:00:00Z", false); err != nil {
		t.Fatal(err)
	}
	if err := f.s.ForgetHistory(ctxT(t), "local", "c1", "bo"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := f.s.Setting(ctxT(t), "events.polled.local.c1"); ok {
		t.Fatal("the clinic's first-check marker outlived its events")
	}
	if evs, _ := f.clinicEvents(t, ClinicEventFilter{}); len(evs) != 0 {
		t.Fatalf("clinic events: %d, want 0 once nobody of the clinic is left", len(evs))
	}
	if people, _ := f.s.People(ctxT(t)); len(people) != 0 {
		t.Fatalf("people: %v, want none", people)
	}
}
