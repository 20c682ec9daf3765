package store

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("acc-1", "ref-1"))
	dead := f.signIn(t, acct("us", "c2", "u1", "South", "Ann"), toks("acc-2", "ref-2"))
	if err := f.s.MarkNeedsSignIn(ctxT(t), dead.ID, "refused"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		id      string
		want    Tokens
		wantGen int64
		err     error
	}{
		{"stored pair", a.ID, toks("acc-1", "ref-1"), 1, nil},
		{"needs sign-in has none", dead.ID, Tokens{}, 0, ErrNotFound},
		{"unknown account", "nope", Tokens{}, 0, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gen, err := f.s.Tokens(ctxT(t), tt.id)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if got != tt.want || gen != tt.wantGen {
				t.Errorf("got %v gen %d, want %v gen %d", got, gen, tt.want, tt.wantGen)
			}
		})
	}
}

func TestSaveRefreshed(t *testing.T) {
	t.Parallel()
	at := t0.Add(time.Hour)
	rotated := Tokens{AccessToken: "acc-new", RefreshToken: "ref-new", TokenType: "Bearer", Scope: "clinic:write",
		AccessExpiresAt: at.Add(2 * time.Hour), IssuedAt: at}
	tests := []struct {
		name    string
		id      func(a Account) string
		expect  int64
		in      Tokens
		want    Tokens // stored afterwards
		wantGen int64
		ok      bool
		err     error
	}{
		{name: "rotated pair", id: func(a Account) string { return a.ID }, expect: 1, in: rotated, want: rotated, wantGen: 2, ok: true},
		{
			name: "omitted refresh token and scope are kept", id: func(a Account) string { return a.ID }, expect: 1,
			in: Tokens{AccessToken: "acc-new", TokenType: "Bearer", AccessExpiresAt: at.Add(time.Hour), IssuedAt: at},
			want: Tokens{AccessToken: "acc-new", RefreshToken: "ref-1", TokenType: "Bearer", Scope: "clinic:read",
				AccessExpiresAt: at.Add(time.Hour), IssuedAt: at},
			wantGen: 2, ok: true,
		},
		{name: "stale generation", id: func(a Account) string { return a.ID }, expect: 0, in: rotated,
			want: toks("acc-1", "ref-1"), wantGen: 1, err: ErrConflict},
		{name: "future generation", id: func(a Account) string { return a.ID }, expect: 5, in: rotated,
			want: toks("acc-1", "ref-1"), wantGen: 1, err: ErrConflict},
		{name: "unknown account", id: func(Account) string { return "nope" }, expect: 1, in: rotated, err: ErrNotFound},
		{name: "no access token", id: func(a Account) string { return a.ID }, expect: 1,
			in: Tokens{RefreshToken: "r"}, want: toks("acc-1", "ref-1"), wantGen: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFixture(t)
			ctx := ctxT(t)
			a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("acc-1", "ref-1"))
			id := tt.id(a)
			auditBefore := len(f.events(t, ""))
			err := f.s.SaveRefreshed(ctx, id, tt.expect, tt.in, at)
			wantOK := tt.ok
			switch {
			case tt.err != nil && !errors.Is(err, tt.err):
				t.Fatalf("error %v, want %v", err, tt.err)
			case wantOK && err != nil:
				t.Fatalf("SaveRefreshed: %v", err)
			case !wantOK && err == nil:
				t.Fatal("SaveRefreshed succeeded, want an error")
			}
			if err != nil && strings.Contains(err.Error(), "acc-new") {
				t.Errorf("error %q holds the token", err)
			}
			if id == "nope" {
				return
			}
			got, gen, err := f.s.Tokens(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || gen != tt.wantGen {
				t.Errorf("stored %v gen %d, want %v gen %d", got, gen, tt.want, tt.wantGen)
			}
			v, _ := f.s.Account(ctx, id)
			ev := f.events(t, id)
			if wantOK {
				if v.Token.LastRefreshedAt == nil || !v.Token.LastRefreshedAt.Equal(at) || ev[0] != EventRefreshed {
					t.Errorf("last refreshed %v, last audit %s", v.Token.LastRefreshedAt, ev[0])
				}
			} else if v.Token.LastRefreshedAt != nil || len(f.events(t, "")) != auditBefore {
				t.Errorf("a refused save wrote: last refreshed %v, audit %v", v.Token.LastRefreshedAt, ev)
			}
		})
	}
	t.Run("after needs sign-in", func(t *testing.T) {
		f := openFixture(t)
		a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("acc-1", "ref-1"))
		if err := f.s.MarkNeedsSignIn(ctxT(t), a.ID, "refused"); err != nil {
			t.Fatal(err)
		}
		if err := f.s.SaveRefreshed(ctxT(t), a.ID, 1, rotated, at); !errors.Is(err, ErrNotFound) {
			t.Fatalf("error %v, want ErrNotFound", err)
		}
	})
	t.Run("successive refreshes chain generations", func(t *testing.T) {
		f := openFixture(t)
		a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("acc-1", "ref-1"))
		for gen := int64(1); gen <= 3; gen++ {
			if err := f.s.SaveRefreshed(ctxT(t), a.ID, gen, rotated, at); err != nil {
				t.Fatalf("generation %d: %v", gen, err)
			}
		}
		if _, gen, _ := f.s.Tokens(ctxT(t), a.ID); gen != 4 {
			t.Fatalf("generation %d, want 4", gen)
		}
	})
}

// Tokens and Revocation print and log without their secrets.
func TestSecretsStayOutOfFormatting(t *testing.T) {
	t.Parallel()
	tk := toks("acc-PRINT", "ref-PRINT")
	rv := Revocation{ID: "r1", Token: "rev-PRINT"}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("x", "tokens", tk, "revocation", rv)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "tokens", tk, "revocation", rv)
	out := buf.String() + fmt.Sprintf("%v %+v %#v %s %v %+v %#v", tk, tk, tk, tk, rv, rv, rv)
	for _, secret := range []string{"acc-PRINT", "ref-PRINT", "rev-PRINT"} {
		if strings.Contains(out, secret) {
			t.Errorf("%s printed: %s", secret, out)
		}
	}
}

// A pair keeps the issuer it was signed in with: a refresh never changes it,
// except that a pair stored before issuers were kept takes its first one.
func TestTokenIssuerIsKept(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	f := openFixture(t)
	home := Issuer{ClientID: "client-1", TokenURL: "https://api.example/oauth/token"}
	other := Issuer{ClientID: "client-2", TokenURL: "https://elsewhere.example/oauth/token"}
	tk := toks("a", "r")
	tk.Issuer = home
	a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), tk)
	refreshed := toks("a2", "r2")
	refreshed.Issuer = other
	if err := f.s.SaveRefreshed(ctx, a.ID, 1, refreshed, t0); err != nil {
		t.Fatal(err)
	}
	if got, _, err := f.s.Tokens(ctx, a.ID); err != nil || got.Issuer != home {
		t.Errorf("issuer after a refresh: %+v, %v; want %+v", got.Issuer, err, home)
	}
	if got, err := f.s.TokenIssuer(ctx, a.ID); err != nil || got != home {
		t.Errorf("TokenIssuer: %+v, %v", got, err)
	}

	legacy := f.signIn(t, acct("us", "c2", "u2", "South", "Bob"), toks("b", "rb"))
	if got, err := f.s.TokenIssuer(ctx, legacy.ID); err != nil || got != (Issuer{}) {
		t.Fatalf("a pair without an issuer: %+v, %v", got, err)
	}
	if err := f.s.SaveRefreshed(ctx, legacy.ID, 1, refreshed, t0); err != nil {
		t.Fatal(err)
	}
	if got, err := f.s.TokenIssuer(ctx, legacy.ID); err != nil || got != other {
		t.Errorf("a pair without an issuer after its refresh: %+v, %v; want %+v", got, err, other)
	}

	if err := f.s.RemoveAccount(ctx, a.ID, &Revocation{Token: "r2", Issuer: home}); err != nil {
		t.Fatal(err)
	}
	revs, err := f.s.PendingRevocations(ctx)
	if err != nil || len(revs) != 1 || revs[0].Issuer != home {
		t.Errorf("queued revocation: %+v, %v; want issuer %+v", revs, err, home)
	}
	if _, err := f.s.TokenIssuer(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("TokenIssuer of a removed account: %v, want ErrNotFound", err)
	}
}
