package store

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestSavePatientPlans(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	ctx := ctxT(t)
	a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a1", "r1"))
	if _, found, err := f.s.SavedPatientPlans(ctx, a.ID, "pat-1"); err != nil || found {
		t.Fatalf("nothing saved yet: found %v, %v", found, err)
	}
	first := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, data := range []string{`[{"id":"tp-1"}]`, `[{"id":"tp-2"},{"id":"tp-1"}]`} {
		at := first.Add(time.Duration(i) * time.Hour)
		if err := f.s.SavePatientPlans(ctx, PatientPlans{AccountID: a.ID, PatientID: "pat-1", FetchedAt: at, Data: []byte(data)}); err != nil {
			t.Fatal(err)
		}
		got, found, err := f.s.SavedPatientPlans(ctx, a.ID, "pat-1")
		if err != nil || !found || string(got.Data) != data || !got.FetchedAt.Equal(at) {
			t.Errorf("save %d: got %s at %v (found %v, %v)", i, got.Data, got.FetchedAt, found, err)
		}
	}
	if _, found, _ := f.s.SavedPatientPlans(ctx, a.ID, "pat-2"); found {
		t.Error("another patient has the first one's plans")
	}
	tests := []struct {
		name string
		p    PatientPlans
		is   error
	}{
		{"unknown account", PatientPlans{AccountID: "nope", PatientID: "pat-1", Data: []byte(`[]`)}, ErrNotFound},
		{"no patient", PatientPlans{AccountID: a.ID, Data: []byte(`[]`)}, nil},
		{"too big", PatientPlans{AccountID: a.ID, PatientID: "pat-1", Data: make([]byte, MaxDataLen+1)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.s.SavePatientPlans(ctx, tt.p)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("err = %v, want one (is %v)", err, tt.is)
			}
		})
	}
	// A refused save keeps the copy there was.
	if got, _, _ := f.s.SavedPatientPlans(ctx, a.ID, "pat-1"); string(got.Data) != `[{"id":"tp-2"},{"id":"tp-1"}]` {
		t.Errorf("after refused saves: %s", got.Data)
	}
}

func TestSavedPlansAreCapped(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	ctx := ctxT(t)
	a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a1", "r1"))
	b := f.signIn(t, acct("us", "c2", "u2", "South", "Bob"), toks("a2", "r2"))
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range MaxSavedPlans + 2 {
		if err := f.s.SavePatientPlans(ctx, PatientPlans{AccountID: a.ID, PatientID: fmt.Sprintf("pat-%02d", i), FetchedAt: at.Add(time.Duration(i) * time.Minute), Data: []byte(`[]`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.SavePatientPlans(ctx, PatientPlans{AccountID: b.ID, PatientID: "pat-00", FetchedAt: at, Data: []byte(`[]`)}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.s.db.QueryRow(`SELECT count(*) FROM patient_plans WHERE account_id = ?`, a.ID).Scan(&n); err != nil || n != MaxSavedPlans {
		t.Errorf("%d kept (%v), want %d", n, err, MaxSavedPlans)
	}
	for _, gone := range []string{"pat-00", "pat-01"} {
		if _, found, _ := f.s.SavedPatientPlans(ctx, a.ID, gone); found {
			t.Errorf("%s, among the oldest, is still kept", gone)
		}
	}
	if _, found, _ := f.s.SavedPatientPlans(ctx, a.ID, fmt.Sprintf("pat-%02d", MaxSavedPlans+1)); !found {
		t.Error("the newest is gone")
	}
	if _, found, _ := f.s.SavedPatientPlans(ctx, b.ID, "pat-00"); !found {
		t.Error("another account's copy was dropped")
	}
}
