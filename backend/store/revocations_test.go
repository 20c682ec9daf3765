package store

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// queue removes three accounts, queuing a revocation for each, with queue
// times out of insertion order.
func queue(t *testing.T, f fixture) []string {
	t.Helper()
	var ids []string
	for i, q := range []time.Duration{3 * time.Minute, time.Minute, 2 * time.Minute} {
		a := f.signIn(t, acct("us", string(rune('a'+i)), "u", "Clinic", "U"), toks("a", "r"))
		r := &Revocation{ID: "rev-" + string(rune('a'+i)), Token: "token-" + string(rune('a'+i)), QueuedAt: t0.Add(q)}
		if err := f.s.RemoveAccount(ctxT(t), a.ID, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

func TestPendingRevocations(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	if revs, err := f.s.PendingRevocations(ctxT(t)); err != nil || len(revs) != 0 {
		t.Fatalf("empty queue: %v %v", revs, err)
	}
	queue(t, f)
	revs, err := f.s.PendingRevocations(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range revs {
		got = append(got, r.ID+"="+r.Token)
	}
	if want := []string{"rev-b=token-b", "rev-c=token-c", "rev-a=token-a"}; !slices.Equal(got, want) {
		t.Errorf("queue %v, want oldest first %v", got, want)
	}
}

func TestRevocationFailedAndSent(t *testing.T) {
	t.Parallel()
	next := t0.Add(time.Hour)
	tests := []struct {
		name  string
		do    func(f fixture) error
		err   error
		check func(t *testing.T, f fixture, revs []Revocation)
	}{
		{
			name: "failed twice",
			do: func(f fixture) error {
				if err := f.s.RevocationFailed(ctxT(t), "rev-a", "connection refused", t0); err != nil {
					return err
				}
				return f.s.RevocationFailed(ctxT(t), "rev-a", "  503 from server token-a  ", next)
			},
			check: func(t *testing.T, f fixture, revs []Revocation) {
				r := revs[2]
				if r.ID != "rev-a" || r.Attempts != 2 || r.LastError != "503 from server [redacted]" || !r.NextAttemptAt.Equal(next) {
					t.Errorf("revocation %+v", r)
				}
				if r.Token != "token-a" {
					t.Error("token changed")
				}
			},
		},
		{
			name: "sent",
			do:   func(f fixture) error { return f.s.RevocationSent(ctxT(t), "rev-b") },
			check: func(t *testing.T, f fixture, revs []Revocation) {
				if len(revs) != 2 || revs[0].ID != "rev-c" {
					t.Errorf("queue %+v", revs)
				}
				entries, _ := f.s.Audit(ctxT(t), "")
				if e := entries[0]; e.Event != EventRevocationSent || e.Detail != "rev-b" || e.Environment != "us" || e.AccountID == "" {
					t.Errorf("last audit %+v", e)
				}
			},
		},
		{name: "failed unknown", do: func(f fixture) error { return f.s.RevocationFailed(ctxT(t), "nope", "x", next) }, err: ErrNotFound},
		{name: "sent unknown", do: func(f fixture) error { return f.s.RevocationSent(ctxT(t), "nope") }, err: ErrNotFound},
		{
			name: "sent twice",
			do: func(f fixture) error {
				if err := f.s.RevocationSent(ctxT(t), "rev-b"); err != nil {
					return err
				}
				return f.s.RevocationSent(ctxT(t), "rev-b")
			},
			err: ErrNotFound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFixture(t)
			queue(t, f)
			err := tt.do(f)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			revs, err := f.s.PendingRevocations(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, f, revs)
			}
		})
	}
}

func TestRevocationErrorTextIsCapped(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	queue(t, f)
	if err := f.s.RevocationFailed(ctxT(t), "rev-a", strings.Repeat("e", 10000), t0); err != nil {
		t.Fatal(err)
	}
	revs, _ := f.s.PendingRevocations(ctxT(t))
	if n := len([]rune(revs[2].LastError)); n != maxTextLen {
		t.Errorf("last_error is %d characters", n)
	}
}
