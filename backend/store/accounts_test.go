package store

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestSaveSignIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, f fixture) // earlier sign-ins
		in    Account
		tok   Tokens
		check func(t *testing.T, f fixture, got Account)
		err   string
	}{
		{
			name: "first account is active and default",
			in:   Account{Environment: "us", ClinicID: "c1", ClinicName: "North", UserID: "u1", UserType: "Practitioner", UserName: "Ann", Label: "  mine  "},
			tok:  toks("acc-1", "ref-1"),
			check: func(t *testing.T, f fixture, got Account) {
				if !uuidV4.MatchString(got.ID) {
					t.Errorf("id %q is not a UUID v4", got.ID)
				}
				if !got.IsDefault || got.Status != StatusActive || got.Label != "mine" || got.ClinicName != "North" {
					t.Errorf("got %+v", got)
				}
				if got.CreatedAt.IsZero() || !got.CreatedAt.Equal(got.UpdatedAt) {
					t.Errorf("created %v updated %v", got.CreatedAt, got.UpdatedAt)
				}
				if ev := f.events(t, got.ID); !slices.Equal(ev, []string{EventDefaultSet, EventSignedIn}) {
					t.Errorf("audit %v", ev)
				}
				tk, gen, err := f.s.Tokens(ctxT(t), got.ID)
				if err != nil || tk != toks("acc-1", "ref-1") || gen != 1 {
					t.Errorf("tokens %v gen %d err %v", tk, gen, err)
				}
			},
		},
		{
			name: "second account is not default",
			setup: func(t *testing.T, f fixture) {
				f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a", "r"))
			},
			in:  acct("us", "c2", "u1", "South", "Ann"),
			tok: toks("acc-2", "ref-2"),
			check: func(t *testing.T, f fixture, got Account) {
				if got.IsDefault {
					t.Error("second account became default")
				}
				if d := f.defaults(t); len(d) != 1 || d[0] == got.ID {
					t.Errorf("defaults %v", d)
				}
				if ev := f.events(t, got.ID); !slices.Equal(ev, []string{EventSignedIn}) {
					t.Errorf("audit %v", ev)
				}
			},
		},
		{
			name: "same clinic and user in another environment is another account",
			setup: func(t *testing.T, f fixture) {
				f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a", "r"))
			},
			in:  acct("us-snd", "c1", "u1", "North", "Ann"),
			tok: toks("a2", "r2"),
			check: func(t *testing.T, f fixture, got Account) {
				if v, _ := f.s.Accounts(ctxT(t)); len(v) != 2 {
					t.Errorf("%d accounts, want 2", len(v))
				}
			},
		},
		{
			name: "re-sign-in updates the same account",
			setup: func(t *testing.T, f fixture) {
				first := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("old-a", "old-r"))
				f.signIn(t, acct("us", "c9", "u9", "Other", "Bob"), toks("b", "b"))
				if err := f.s.SetDefault(ctxT(t), mustFind(t, f, "c9").ID); err != nil {
					t.Fatal(err)
				}
				if err := f.s.Rename(ctxT(t), first.ID, "Front desk"); err != nil {
					t.Fatal(err)
				}
				if err := f.s.MarkNeedsSignIn(ctxT(t), first.ID, "refresh refused"); err != nil {
					t.Fatal(err)
				}
			},
			in:  Account{Environment: "us", ClinicID: "c1", ClinicName: "North Clinic", UserID: "u1", UserType: "Staff", UserName: "Ann B", Label: "ignored"},
			tok: toks("new-a", "new-r"),
			check: func(t *testing.T, f fixture, got Account) {
				if len(mustAccounts(t, f)) != 2 {
					t.Fatal("re-sign-in made a new account")
				}
				before := f.events(t, got.ID)
				if got.Status != StatusActive || got.StatusReason != "" || got.Label != "Front desk" ||
					got.ClinicName != "North Clinic" || got.UserName != "Ann B" || got.UserType != "Staff" || got.IsDefault {
					t.Errorf("got %+v", got)
				}
				if !got.UpdatedAt.After(got.CreatedAt) {
					t.Errorf("updated_at %v not after created_at %v", got.UpdatedAt, got.CreatedAt)
				}
				tk, gen, err := f.s.Tokens(ctxT(t), got.ID)
				if err != nil || tk.AccessToken != "new-a" || tk.RefreshToken != "new-r" || gen != 1 {
					t.Errorf("tokens %v gen %d err %v", tk, gen, err)
				}
				// Newest first: the re-sign-in, then the history before it.
				want := []string{EventSignedIn, EventRefreshFailed, EventRenamed, EventDefaultSet, EventSignedIn}
				if !slices.Equal(before, want) {
					t.Errorf("audit %v, want %v", before, want)
				}
			},
		},
		{
			name: "re-sign-in over live tokens bumps the generation",
			setup: func(t *testing.T, f fixture) {
				f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a1", "r1"))
			},
			in:  acct("us", "c1", "u1", "North", "Ann"),
			tok: toks("a2", "r2"),
			check: func(t *testing.T, f fixture, got Account) {
				v, err := f.s.Account(ctxT(t), got.ID)
				if err != nil || v.Token.Generation != 2 || v.Token.LastRefreshedAt != nil || !got.IsDefault {
					t.Errorf("view %+v err %v", v, err)
				}
			},
		},
		{name: "missing clinic id", in: acct("us", "", "u1", "N", "A"), tok: toks("a", "r"), err: "required"},
		{name: "missing environment", in: acct("", "c", "u1", "N", "A"), tok: toks("a", "r"), err: "required"},
		{name: "missing user id", in: acct("us", "c", "", "N", "A"), tok: toks("a", "r"), err: "required"},
		{name: "missing access token", in: acct("us", "c", "u", "N", "A"), tok: toks("", "r"), err: "no access token"},
		{
			name: "label too long",
			in:   Account{Environment: "us", ClinicID: "c", UserID: "u", Label: strings.Repeat("x", 61)},
			tok:  toks("a", "r"), err: "longer than 60",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFixture(t)
			if tt.setup != nil {
				tt.setup(t, f)
			}
			got, err := f.s.SaveSignIn(ctxT(t), tt.in, tt.tok)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				if len(mustAccounts(t, f)) != 0 {
					t.Error("a failed sign-in stored an account")
				}
				return
			}
			if err != nil {
				t.Fatalf("SaveSignIn: %v", err)
			}
			if stored, err := f.s.Account(ctxT(t), got.ID); err != nil || stored.Account != got {
				t.Errorf("returned %+v, stored %+v (err %v)", got, stored.Account, err)
			}
			tt.check(t, f, got)
		})
	}
}

func mustAccounts(t *testing.T, f fixture) []AccountView {
	t.Helper()
	v, err := f.s.Accounts(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustFind(t *testing.T, f fixture, clinicID string) AccountView {
	t.Helper()
	for _, v := range mustAccounts(t, f) {
		if v.ClinicID == clinicID {
			return v
		}
	}
	t.Fatalf("no account for clinic %s", clinicID)
	return AccountView{}
}

func TestAccountsOrderAndTokenInfo(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	ctx := ctxT(t)
	f.signIn(t, acct("us", "c3", "u1", "zeta", "Ann"), toks("a", "r"))
	f.signIn(t, acct("us", "c1", "u2", "Alpha", "bob"), toks("a", "r"))
	f.signIn(t, acct("us", "c1", "u1", "Alpha", "Ann"), toks("a", "r"))
	dead := f.signIn(t, acct("us", "c2", "u1", "beta", "Ann"), toks("a", "r"))
	if err := f.s.MarkNeedsSignIn(ctx, dead.ID, "expired"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range mustAccounts(t, f) {
		got = append(got, v.ClinicName+"/"+v.UserName)
		if v.Token.Present != (v.ID != dead.ID) {
			t.Errorf("%s: Token.Present = %v", v.ClinicName, v.Token.Present)
		}
		if v.Token.Present && (!v.Token.AccessExpiresAt.Equal(t0.Add(7200e9)) || !v.Token.IssuedAt.Equal(t0) || v.Token.Generation != 1) {
			t.Errorf("%s: token info %+v", v.ClinicName, v.Token)
		}
	}
	want := []string{"Alpha/Ann", "Alpha/bob", "beta/Ann", "zeta/Ann"}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestAccountsEmpty(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	if v := mustAccounts(t, f); len(v) != 0 {
		t.Fatalf("%d accounts in a new store", len(v))
	}
}

func TestAccount(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a", "r"))
	tests := []struct {
		name string
		id   string
		err  error
	}{
		{"found", a.ID, nil},
		{"unknown id", "00000000-0000-4000-8000-000000000000", ErrNotFound},
		{"empty id", "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := f.s.Account(ctxT(t), tt.id)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if err == nil && v.Account != a {
				t.Errorf("got %+v, want %+v", v.Account, a)
			}
		})
	}
}

func TestRename(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		label string
		want  string
		err   error
	}{
		{"trimmed", "  Front desk \t", "Front desk", nil},
		{"empty removes the label", "   ", "", nil},
		{"60 characters, multibyte", strings.Repeat("é", 60), strings.Repeat("é", 60), nil},
		{"61 characters", strings.Repeat("x", 61), "", ErrLabelTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFixture(t)
			a := f.signIn(t, Account{Environment: "us", ClinicID: "c", UserID: "u", Label: "old"}, toks("a", "r"))
			err := f.s.Rename(ctxT(t), a.ID, tt.label)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			v, _ := f.s.Account(ctxT(t), a.ID)
			entries, _ := f.s.Audit(ctxT(t), a.ID)
			if tt.err != nil {
				if v.Label != "old" || entries[0].Event == EventRenamed {
					t.Errorf("failed rename changed the label to %q or wrote audit", v.Label)
				}
				return
			}
			if v.Label != tt.want {
				t.Errorf("label %q, want %q", v.Label, tt.want)
			}
			if entries[0].Event != EventRenamed || entries[0].Detail != tt.want {
				t.Errorf("last audit %+v", entries[0])
			}
		})
	}
	t.Run("unknown account", func(t *testing.T) {
		f := openFixture(t)
		if err := f.s.Rename(ctxT(t), "nope", "x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("error %v, want ErrNotFound", err)
		}
	})
}

func TestSetDefault(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	a := f.signIn(t, acct("us", "c1", "u", "A", "U"), toks("a", "r"))
	b := f.signIn(t, acct("us", "c2", "u", "B", "U"), toks("a", "r"))
	c := f.signIn(t, acct("us", "c3", "u", "C", "U"), toks("a", "r"))
	tests := []struct {
		name string
		id   string
		want string
		err  error
	}{
		{"first is default already", a.ID, a.ID, nil},
		{"switch to c", c.ID, c.ID, nil},
		{"switch to b", b.ID, b.ID, nil},
		{"again b", b.ID, b.ID, nil},
		{"unknown keeps b", "nope", b.ID, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.s.SetDefault(ctxT(t), tt.id)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if d := f.defaults(t); !slices.Equal(d, []string{tt.want}) {
				t.Errorf("defaults %v, want [%s]", d, tt.want)
			}
			if tt.err == nil {
				if ev := f.events(t, tt.id); ev[0] != EventDefaultSet {
					t.Errorf("last audit of %s is %s", tt.id, ev[0])
				}
			}
		})
	}
}

func TestMarkNeedsSignIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		reason     string
		wantReason string
	}{
		{"plain reason", "refresh token refused (invalid_grant)", "refresh token refused (invalid_grant)"},
		{"reason echoing the tokens is redacted", "server said: bad token ref-SECRET-1 for acc-SECRET-1", "server said: bad token [redacted] for [redacted]"},
		{"long reason is cut", strings.Repeat("r", 2000), strings.Repeat("r", maxTextLen-1) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFixture(t)
			ctx := ctxT(t)
			a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("acc-SECRET-1", "ref-SECRET-1"))
			other := f.signIn(t, acct("us", "c2", "u1", "South", "Ann"), toks("acc-2", "ref-2"))
			if err := f.s.MarkNeedsSignIn(ctx, a.ID, tt.reason); err != nil {
				t.Fatal(err)
			}
			v, err := f.s.Account(ctx, a.ID)
			if err != nil {
				t.Fatalf("account gone: %v", err)
			}
			if v.Status != StatusNeedsSignIn || v.StatusReason != tt.wantReason || v.Token.Present || !v.IsDefault {
				t.Errorf("view %+v", v)
			}
			if _, _, err := f.s.Tokens(ctx, a.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("tokens still readable: %v", err)
			}
			entries, err := f.s.Audit(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 3 || entries[0].Event != EventRefreshFailed || entries[0].Detail != tt.wantReason ||
				entries[2].Event != EventSignedIn {
				t.Errorf("audit %+v", entries)
			}
			if _, _, err := f.s.Tokens(ctx, other.ID); err != nil {
				t.Errorf("other account's tokens: %v", err)
			}
		})
	}
	t.Run("unknown account", func(t *testing.T) {
		f := openFixture(t)
		if err := f.s.MarkNeedsSignIn(ctxT(t), "nope", "x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("error %v, want ErrNotFound", err)
		}
	})
}

func TestRemoveAccount(t *testing.T) {
	t.Parallel()
	type ids struct{ a, b, c Account } // a is default; Accounts order is a, b, c
	tests := []struct {
		name        string
		remove      func(x ids) string
		revocation  *Revocation
		err         error
		wantLeft    int
		wantDefault func(x ids) string
		wantRevs    int
	}{
		{name: "non-default", remove: func(x ids) string { return x.b.ID }, wantLeft: 2,
			wantDefault: func(x ids) string { return x.a.ID }},
		{name: "default passes to the next", remove: func(x ids) string { return x.a.ID }, wantLeft: 2,
			wantDefault: func(x ids) string { return x.b.ID }},
		{name: "with a revocation", remove: func(x ids) string { return x.c.ID },
			revocation: &Revocation{Token: "rev-token"}, wantLeft: 2, wantRevs: 1,
			wantDefault: func(x ids) string { return x.a.ID }},
		{name: "unknown", remove: func(ids) string { return "nope" }, err: ErrNotFound, wantLeft: 3,
			wantDefault: func(x ids) string { return x.a.ID }},
		{name: "unknown with a revocation queues nothing", remove: func(ids) string { return "nope" },
			revocation: &Revocation{Token: "t"}, err: ErrNotFound, wantLeft: 3,
			wantDefault: func(x ids) string { return x.a.ID }},
		{name: "revocation without a token", remove: func(x ids) string { return x.b.ID },
			revocation: &Revocation{}, wantLeft: 3, wantDefault: func(x ids) string { return x.a.ID }},
		{name: "revocation for another account", remove: func(x ids) string { return x.b.ID },
			revocation: &Revocation{AccountID: "someone-else", Token: "t"}, wantLeft: 3,
			wantDefault: func(x ids) string { return x.a.ID }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFixture(t)
			ctx := ctxT(t)
			x := ids{
				a: f.signIn(t, acct("us", "c1", "u", "A", "U"), toks("a1", "r1")),
				b: f.signIn(t, acct("us", "c2", "u", "B", "U"), toks("a2", "r2")),
				c: f.signIn(t, acct("ca", "c3", "u", "C", "U"), toks("a3", "r3")),
			}
			id := tt.remove(x)
			err := f.s.RemoveAccount(ctx, id, tt.revocation)
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if tt.err == nil && tt.wantLeft == 3 && err == nil {
				t.Fatal("RemoveAccount succeeded, want an error")
			}
			if tt.wantLeft == 2 && err != nil {
				t.Fatalf("RemoveAccount: %v", err)
			}
			if n := len(mustAccounts(t, f)); n != tt.wantLeft {
				t.Errorf("%d accounts left, want %d", n, tt.wantLeft)
			}
			if d := f.defaults(t); !slices.Equal(d, []string{tt.wantDefault(x)}) {
				t.Errorf("defaults %v, want %s", d, tt.wantDefault(x))
			}
			var tokenRows int
			if err := f.s.db.QueryRow(`SELECT count(*) FROM tokens`).Scan(&tokenRows); err != nil {
				t.Fatal(err)
			}
			if tokenRows != tt.wantLeft {
				t.Errorf("%d token rows, want %d", tokenRows, tt.wantLeft)
			}
			revs, err := f.s.PendingRevocations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(revs) != tt.wantRevs {
				t.Fatalf("%d pending revocations, want %d", len(revs), tt.wantRevs)
			}
			if tt.wantLeft == 3 {
				return
			}
			if _, err := f.s.Account(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("removed account still there: %v", err)
			}
			ev := f.events(t, id) // history outlives the account
			want := []string{EventRemoved, EventSignedIn}
			if tt.revocation != nil {
				want = []string{EventRevocationQueued, EventRemoved, EventSignedIn}
				r := revs[0]
				if r.Token != "rev-token" || r.AccountID != id || r.Environment != "ca" || r.Label != "C / U" ||
					!uuidV4.MatchString(r.ID) || r.QueuedAt.IsZero() || !r.NextAttemptAt.Equal(r.QueuedAt) || r.Attempts != 0 {
					t.Errorf("revocation %+v", r)
				}
			}
			if id == x.a.ID {
				want = []string{EventRemoved, EventDefaultSet, EventSignedIn}
				if ev := f.events(t, x.b.ID); ev[0] != EventDefaultSet {
					t.Errorf("new default's last audit is %s", ev[0])
				}
			}
			if !slices.Equal(ev, want) {
				t.Errorf("audit %v, want %v", ev, want)
			}
		})
	}
	t.Run("last account", func(t *testing.T) {
		f := openFixture(t)
		a := f.signIn(t, acct("us", "c1", "u", "A", "U"), toks("a1", "r1"))
		if err := f.s.RemoveAccount(ctxT(t), a.ID, nil); err != nil {
			t.Fatal(err)
		}
		if n := len(mustAccounts(t, f)); n != 0 {
			t.Fatalf("%d accounts left", n)
		}
		b := f.signIn(t, acct("us", "c2", "u", "B", "U"), toks("a1", "r1"))
		if !b.IsDefault {
			t.Error("the next first account is not default")
		}
	})
}

func TestRecordRevoked(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	a := f.signIn(t, Account{Environment: "us", ClinicID: "c", UserID: "u", Label: "Desk"}, toks("a", "r"))
	if err := f.s.RecordRevoked(ctxT(t), a.ID); err != nil {
		t.Fatal(err)
	}
	if ev := f.events(t, a.ID); ev[0] != EventRevoked {
		t.Errorf("audit %v", ev)
	}
	if err := f.s.RecordRevoked(ctxT(t), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("error %v, want ErrNotFound", err)
	}
}
