package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// plainSealer seals nothing: the baseline that shows what sealing costs.
type plainSealer struct{}

func (plainSealer) Seal(p, _ []byte) ([]byte, error)   { return append([]byte{}, p...), nil }
func (plainSealer) Unseal(s, _ []byte) ([]byte, error) { return append([]byte{}, s...), nil }

func benchSealer(b *testing.B) Sealer {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, _ := aes.NewCipher(key)
	aead, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	return &aesSealer{aead: aead}
}

func benchStore(b *testing.B, sealer Sealer) (*Store, string) {
	b.Helper()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "companion.db"), sealer)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	a, err := s.SaveSignIn(context.Background(), Account{Environment: "local", ClinicID: "c1", ClinicName: "Riverside", UserID: "u1", UserType: "Practitioner"},
		Tokens{AccessToken: "a-64-hex-characters-long-access-token-0123456789abcdef0123456789", RefreshToken: "r-64-hex-characters-long-refresh-token-0123456789abcdef012345678",
			AccessExpiresAt: time.Now().Add(2 * time.Hour), IssuedAt: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	return s, a.ID
}

// Reading an account's tokens: sealed (AES-256-GCM) against the same read
// with no sealing. The ratio is the price of encryption at rest on the
// hottest read (every Fullscript call starts with it).
func BenchmarkTokensSealed(b *testing.B) { benchTokens(b, benchSealer(b)) }
func BenchmarkTokensPlain(b *testing.B)  { benchTokens(b, plainSealer{}) }

func benchTokens(b *testing.B, sealer Sealer) {
	s, id := benchStore(b, sealer)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.Tokens(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// Committing a refreshed pair (one transaction: tokens, generation, audit).
func BenchmarkSaveRefreshedSealed(b *testing.B) { benchSave(b, benchSealer(b)) }
func BenchmarkSaveRefreshedPlain(b *testing.B)  { benchSave(b, plainSealer{}) }

func benchSave(b *testing.B, sealer Sealer) {
	s, id := benchStore(b, sealer)
	ctx := context.Background()
	gen := int64(1)
	_, gen, _ = s.Tokens(ctx, id)
	b.ReportAllocs()
	for b.Loop() {
		t := Tokens{AccessToken: "new-access-token-0123456789abcdef0123456789abcdef0123456789abcd", RefreshToken: "new-refresh-token-0123456789abcdef0123456789abcdef0123456789abc",
			AccessExpiresAt: time.Now().Add(2 * time.Hour), IssuedAt: time.Now()}
		if err := s.SaveRefreshed(ctx, id, gen, t, time.Now()); err != nil {
			b.Fatal(err)
		}
		gen++
	}
}

// Listing 10,000 accounts with their token status (the offline `accounts`).
func BenchmarkAccounts10k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "companion.db")
	s, err := Open(context.Background(), path, plainSealer{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := range 10_000 {
		a := Account{Environment: "us", ClinicID: fmt.Sprintf("c%d", i%40), ClinicName: fmt.Sprintf("Clinic %02d", i%40),
			UserID: fmt.Sprintf("u%d", i), UserType: "Practitioner", UserName: fmt.Sprintf("Dr. %d", i)}
		if _, err := s.SaveSignIn(context.Background(), a, Tokens{AccessToken: "a", RefreshToken: "r", AccessExpiresAt: time.Now().Add(time.Hour), IssuedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if v, err := s.Accounts(context.Background()); err != nil || len(v) != 10_000 {
			b.Fatal(len(v), err)
		}
	}
}
