package store

import (
	"errors"
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
