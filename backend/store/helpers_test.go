package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// aesSealer is a real AES-256-GCM sealer (nonce || ciphertext), as the vault's,
// so the tests see real ciphertext and real aad checks.
type aesSealer struct{ aead cipher.AEAD }

func newSealer(t *testing.T) *aesSealer {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &aesSealer{aead: aead}
}

func (s *aesSealer) Seal(plaintext, aad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plaintext, aad), nil
}

func (s *aesSealer) Unseal(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	return s.aead.Open(nil, sealed[:n], sealed[n:], aad)
}

// t0 is the fake clock's start.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC)

// tickClock returns a clock that moves 1ms on every reading, so every event
// has its own time.
func tickClock() func() time.Time {
	var n atomic.Int64
	return func() time.Time { return t0.Add(time.Duration(n.Add(1)) * time.Millisecond) }
}

type fixture struct {
	s      *Store
	path   string
	sealer *aesSealer
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openFixture opens a store in a fresh temp dir with a ticking clock.
func openFixture(t *testing.T) fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "companion.db")
	sealer := newSealer(t)
	s, err := Open(ctxT(t), path, sealer)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	s.now = tickClock()
	t.Cleanup(func() { s.Close() })
	return fixture{s: s, path: path, sealer: sealer}
}

func acct(env, clinic, user, clinicName, userName string) Account {
	return Account{Environment: env, ClinicID: clinic, ClinicName: clinicName, UserID: user,
		UserType: "Practitioner", UserName: userName}
}

func toks(access, refresh string) Tokens {
	return Tokens{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", Scope: "clinic:read",
		AccessExpiresAt: t0.Add(2 * time.Hour), IssuedAt: t0}
}

func (f fixture) signIn(t *testing.T, a Account, tk Tokens) Account {
	t.Helper()
	got, err := f.s.SaveSignIn(ctxT(t), a, tk)
	if err != nil {
		t.Fatalf("SaveSignIn: %v", err)
	}
	return got
}

func (f fixture) events(t *testing.T, accountID string) []string {
	t.Helper()
	entries, err := f.s.Audit(ctxT(t), accountID)
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Event)
	}
	return out
}

func (f fixture) defaults(t *testing.T) []string {
	t.Helper()
	views, err := f.s.Accounts(ctxT(t))
	if err != nil {
		t.Fatalf("Accounts: %v", err)
	}
	var out []string
	for _, v := range views {
		if v.IsDefault {
			out = append(out, v.ID)
		}
	}
	return out
}

// TestMain keeps the store's Info and Warn lines out of test output unless
// -v is given.
func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(slog.New(slog.DiscardHandler))
	}
	os.Exit(m.Run())
}
