package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

const (
	sealVersion byte = 1
	nonceSize        = 12
)

// ErrCannotUnseal: the value is truncated, altered, of an unknown format,
// sealed with another key or for another aad.
var ErrCannotUnseal = errors.New("vault: cannot unseal")

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: gcm: %w", err)
	}
	return aead, nil
}

// Seal encrypts plaintext with AES-256-GCM under a fresh random 96-bit nonce.
// aad is authenticated, not stored: pass the same aad (e.g. the table, column
// and row id) to Unseal, so a sealed value cannot be moved to another row.
// Output: version byte || nonce || ciphertext+tag. The version byte is
// authenticated too.
func (v *Vault) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+v.aead.Overhead())
	out[0] = sealVersion
	nonce := out[1 : 1+nonceSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("vault: seal: nonce: %w", err)
	}
	return v.aead.Seal(out, nonce, plaintext, additionalData(sealVersion, aad)), nil
}

// Unseal reverses Seal. Any failure is ErrCannotUnseal, wrapped with the
// reason; it never says anything about the plaintext.
func (v *Vault) Unseal(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+v.aead.Overhead() {
		return nil, fmt.Errorf("%w: too short (%d bytes)", ErrCannotUnseal, len(sealed))
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: unknown format version %d", ErrCannotUnseal, sealed[0])
	}
	nonce := sealed[1 : 1+nonceSize]
	pt, err := v.aead.Open(nil, nonce, sealed[1+nonceSize:], additionalData(sealed[0], aad))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed (wrong key or aad, or altered data)", ErrCannotUnseal)
	}
	return pt, nil
}

func additionalData(version byte, aad []byte) []byte {
	ad := make([]byte, 0, 1+len(aad))
	ad = append(ad, version)
	return append(ad, aad...)
}

// idKeyLabel derives KeyedID's subkey, so it never equals the sealing key.
const idKeyLabel = "fullscript-companion keyed id"

func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// KeyedID is a stable, opaque identifier for a value that must not be
// readable where it is stored (a database key for a patient typed in by
// hand, say): HMAC-SHA256 under a subkey of the data key, so nobody
// without the key can test guesses against it. 32 hex characters.
func (v *Vault) KeyedID(value string) string {
	m := hmac.New(sha256.New, v.idKey)
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
