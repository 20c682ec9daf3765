package vault

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
)

func testVault(t *testing.T) *Vault {
	t.Helper()
	key := make([]byte, keyLen)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	aead, err := newAEAD(key)
	if err != nil {
		t.Fatal(err)
	}
	return &Vault{aead: aead, storage: StorageKeyFile, check: keyCheck(key)}
}

func TestSealUnseal(t *testing.T) {
	v := testVault(t)
	other := testVault(t)
	aad := []byte("tokens.refresh_token:42")
	secret := []byte("refresh-token-value")

	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte {
			if i < 0 {
				i += len(b)
			}
			b[i] ^= 0x01
			return b
		}
	}
	tests := []struct {
		name      string
		plaintext []byte
		sealAAD   []byte
		openAAD   []byte
		unsealer  *Vault // nil: the sealing vault
		mutate    func([]byte) []byte
		wantErr   bool
	}{
		{name: "round trip", plaintext: secret, sealAAD: aad, openAAD: aad},
		{name: "empty plaintext", plaintext: []byte{}, sealAAD: aad, openAAD: aad},
		{name: "no aad", plaintext: secret},
		{name: "aad mismatch", plaintext: secret, sealAAD: aad, openAAD: []byte("tokens.refresh_token:43"), wantErr: true},
		{name: "aad missing", plaintext: secret, sealAAD: aad, wantErr: true},
		{name: "other key", plaintext: secret, sealAAD: aad, openAAD: aad, unsealer: other, wantErr: true},
		{name: "flipped ciphertext byte", plaintext: secret, sealAAD: aad, openAAD: aad, mutate: flip(1 + nonceSize), wantErr: true},
		{name: "flipped tag byte", plaintext: secret, sealAAD: aad, openAAD: aad, mutate: flip(-1), wantErr: true},
		{name: "flipped nonce byte", plaintext: secret, sealAAD: aad, openAAD: aad, mutate: flip(1), wantErr: true},
		{name: "truncated by one", plaintext: secret, sealAAD: aad, openAAD: aad, wantErr: true,
			mutate: func(b []byte) []byte { return b[:len(b)-1] }},
		{name: "truncated to header", plaintext: secret, sealAAD: aad, openAAD: aad, wantErr: true,
			mutate: func(b []byte) []byte { return b[:1+nonceSize] }},
		{name: "empty input", plaintext: secret, sealAAD: aad, openAAD: aad, wantErr: true,
			mutate: func([]byte) []byte { return nil }},
		{name: "unknown version", plaintext: secret, sealAAD: aad, openAAD: aad, wantErr: true,
			mutate: func(b []byte) []byte { b[0] = 2; return b }},
		{name: "version zero", plaintext: secret, sealAAD: aad, openAAD: aad, wantErr: true,
			mutate: func(b []byte) []byte { b[0] = 0; return b }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := v.Seal(tt.plaintext, tt.sealAAD)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if want := 1 + nonceSize + len(tt.plaintext) + 16; len(sealed) != want {
				t.Fatalf("sealed length = %d, want %d", len(sealed), want)
			}
			if sealed[0] != sealVersion {
				t.Fatalf("version byte = %d, want %d", sealed[0], sealVersion)
			}
			if len(tt.plaintext) > 0 && bytes.Contains(sealed, tt.plaintext) {
				t.Fatal("sealed value contains the plaintext")
			}
			if tt.mutate != nil {
				sealed = tt.mutate(sealed)
			}
			u := v
			if tt.unsealer != nil {
				u = tt.unsealer
			}
			got, err := u.Unseal(sealed, tt.openAAD)
			if tt.wantErr {
				if !errors.Is(err, ErrCannotUnseal) {
					t.Fatalf("Unseal error = %v, want ErrCannotUnseal", err)
				}
				if got != nil {
					t.Fatalf("Unseal returned %q with an error", got)
				}
				if bytes.Contains([]byte(err.Error()), secret) {
					t.Fatalf("error %q contains the plaintext", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unseal: %v", err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Fatalf("Unseal = %q, want %q", got, tt.plaintext)
			}
		})
	}
}

func TestSealIsRandomized(t *testing.T) {
	v := testVault(t)
	a, err := v.Seal([]byte("same"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := v.Seal([]byte("same"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are equal")
	}
	if bytes.Equal(a[1:1+nonceSize], b[1:1+nonceSize]) {
		t.Fatal("two seals share a nonce")
	}
}

func TestSealDoesNotAliasInput(t *testing.T) {
	v := testVault(t)
	pt := []byte("plaintext")
	sealed, err := v.Seal(pt, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Unseal(sealed, nil)
	if err != nil {
		t.Fatal(err)
	}
	got[0] = 'X'
	if sealed[0] != sealVersion || pt[0] != 'p' {
		t.Fatal("Unseal output aliases its input or the original plaintext")
	}
}

// The app seals and unseals from many goroutines with one Vault.
func TestSealConcurrent(t *testing.T) {
	v := testVault(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			aad := []byte{byte(i)}
			for range 100 {
				sealed, err := v.Seal([]byte("token"), aad)
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := v.Unseal(sealed, aad); err != nil || string(got) != "token" {
					t.Errorf("Unseal = %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestKeyedID(t *testing.T) {
	dir := t.TempDir()
	v1, err := Open(t.Context(), Options{Dir: dir, NoKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := Open(t.Context(), Options{Dir: dir, NoKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(t.Context(), Options{Dir: t.TempDir(), NoKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	id := v1.KeyedID("nadia.h@example.com")
	switch {
	case len(id) != 32 || strings.Contains(id, "nadia"):
		t.Errorf("id %q is not opaque", id)
	case v2.KeyedID("nadia.h@example.com") != id:
		t.Error("the same key gives another id")
	case v1.KeyedID("nadia.h@example.co") == id:
		t.Error("another value gives the same id")
	case other.KeyedID("nadia.h@example.com") == id:
		t.Error("another key gives the same id: guesses could be tested without the key")
	}
}
