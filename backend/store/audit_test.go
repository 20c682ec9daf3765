package store

import (
	"slices"
	"testing"
)

func TestAudit(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	ctx := ctxT(t)
	a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("acc-a", "ref-a"))
	b := f.signIn(t, acct("ca", "c2", "u2", "South", "Bob"), toks("acc-b", "ref-b"))
	if err := f.s.Rename(ctx, b.ID, "Bob's"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SaveRefreshed(ctx, a.ID, 1, toks("acc-a2", "ref-a2"), t0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		id   string
		want []string
	}{
		{"all, newest first", "", []string{EventRefreshed, EventRenamed, EventSignedIn, EventDefaultSet, EventSignedIn}},
		{"one account", a.ID, []string{EventRefreshed, EventDefaultSet, EventSignedIn}},
		{"other account", b.ID, []string{EventRenamed, EventSignedIn}},
		{"unknown account", "nope", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := f.s.Audit(ctx, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, e := range entries {
				got = append(got, e.Event)
				if i > 0 && e.At.After(entries[i-1].At) {
					t.Errorf("entry %d at %v is newer than %v", i, e.At, entries[i-1].At)
				}
				if e.ID == 0 || e.AccountID == "" || e.Environment == "" || e.ClinicID == "" || e.UserID == "" {
					t.Errorf("entry %+v lacks identity", e)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("events %v, want %v", got, tt.want)
			}
		})
	}
	// The fixture's clock ticks by 1ms: times read back exactly.
	entries, _ := f.s.Audit(ctx, b.ID)
	if entries[0].At.Location().String() != "UTC" || entries[0].At.Nanosecond()%1e6 != t0.Nanosecond()%1e6 {
		t.Errorf("time read back as %v", entries[0].At)
	}
}
