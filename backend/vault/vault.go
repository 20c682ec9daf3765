// Package vault holds the app's data key and seals secrets at rest with it.
//
// It promises:
//   - one random 256-bit data key per data dir, kept in the OS keyring when the
//     keyring answers in time, otherwise in <Dir>/data.key (0600), and then
//     Note says so and why;
//   - a key, once created, is never silently replaced: if it cannot be found
//     again Open fails with ErrKeyUnavailable (retry later) or ErrKeyLost;
//   - concurrent Opens of one fresh dir, across processes, end with one key;
//   - Seal/Unseal are AES-256-GCM with the caller's aad bound in;
//   - neither the key nor any plaintext appears in a log line or an error.
package vault

import (
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gofrs/flock"
	"github.com/zalando/go-keyring"
)

// Storage says where the data key lives.
type Storage string

const (
	StorageKeyring Storage = "os-keyring"
	StorageKeyFile Storage = "key-file"
)

const (
	keyLen                = 32
	keyringUser           = "data-key"
	keyFileName           = "data.key"
	metaFileName          = "vault.json"
	lockFileName          = "vault.lock"
	metaVersion           = 1
	checkLabel            = "fullscript-companion key check"
	defaultService        = "fullscript-companion"
	defaultKeyringTimeout = 3 * time.Second
	lockRetry             = 25 * time.Millisecond
)

var (
	// ErrKeyUnavailable: the keyring holds the data key but did not answer
	// (locked, no service running, timed out). Retryable.
	ErrKeyUnavailable = errors.New("vault: data key unavailable")
	// ErrKeyLost: vault.json says a data key exists, but it is gone or is not
	// the key recorded there. Secrets sealed with it cannot be opened.
	ErrKeyLost = errors.New("vault: data key lost")
	// ErrBadMetadata: vault.json is unreadable; it is left untouched.
	ErrBadMetadata = errors.New("vault: vault.json unreadable")
)

// Options configure Open.
type Options struct {
	Dir            string        // the app's data dir; must exist (the caller created it 0700)
	Keyring        Keyring       // nil: SystemKeyring()
	KeyringTimeout time.Duration // default 3 s: a locked or absent keyring must not hang the app or CLI
	Service        string        // keyring service name, default "fullscript-companion"
	NoKeyring      bool          // use the key file without asking the keyring (a setting)
	Logger         *slog.Logger
	// SealedWith is the check value (KeyCheck) of the key the caller's data
	// says sealed it, "" when it does not say. Open accepts no other key.
	SealedWith string
	// NoNewKey: the caller holds sealed data, so a key must be found, never
	// made: a new key would open none of it. SealedWith implies it.
	NoNewKey bool
}

// Vault seals and unseals with the data key. It is safe for concurrent use.
type Vault struct {
	aead    cipher.AEAD
	storage Storage
	note    string
	check   string // key check value: safe to log and compare
	idKey   []byte // a subkey for KeyedID, derived from the data key
	dir     string
	db      string // the database recorded in vault.json, see NoteDatabase
}

// KeyCheck identifies the data key without revealing it: a caller records
// it beside what it seals, and passes it back as Options.SealedWith.
func (v *Vault) KeyCheck() string { return v.check }

// Database is the name NoteDatabase recorded: a database sealed with this
// key was created, so its absence is a loss, not a first run. "" if none.
func (v *Vault) Database() string { return v.db }

// NoteDatabase records in vault.json that the database named has been
// created with this key. It writes only when the record changes.
func (v *Vault) NoteDatabase(ctx context.Context, name string, opts Options) error {
	if v.db == name {
		return nil
	}
	o, err := opts.withDefaults()
	if err != nil {
		return err
	}
	o.Dir = v.dir
	unlock, err := lockDir(ctx, o)
	if err != nil {
		return err
	}
	defer unlock()
	m, err := readMeta(o.path(metaFileName))
	if err != nil {
		return fmt.Errorf("vault: note the database: %w", err)
	}
	if m.KeyCheck != v.check {
		return fmt.Errorf("%w: vault.json now records another key (check value %s, this vault's is %s)", ErrKeyLost, m.KeyCheck, v.check)
	}
	m.Database = name
	if err := writeMeta(o.path(metaFileName), m); err != nil {
		return err
	}
	v.db = name
	return nil
}

// Storage says where the data key lives.
func (v *Vault) Storage() Storage { return v.storage }

// Note is one sentence for the UI and `accounts` when the key file is in use,
// saying why and where; "" when the OS keyring holds the key.
func (v *Vault) Note() string { return v.note }

// metadata is vault.json. It holds no secret: the check value is a truncated
// HMAC of a fixed label, which identifies the key without revealing it.
type metadata struct {
	Version  int       `json:"version"`
	Storage  Storage   `json:"storage"`
	Service  string    `json:"service,omitempty"` // keyring service holding the key
	KeyCheck string    `json:"keyCheck"`
	Reason   string    `json:"fallbackReason,omitempty"` // why the key file, for Note
	Created  time.Time `json:"created"`
	// Database names the database sealed with this key once it exists, so
	// that a missing one reads as lost, not as a first run.
	Database string `json:"database,omitempty"`
}

// Open loads the data key of opts.Dir, creating it on first use, under an
// exclusive lock on <Dir>/vault.lock so that concurrent first Opens agree.
//
// Where the key lives is decided once, when it is created, and recorded in
// vault.json; later Opens follow the record. In particular NoKeyring only
// affects a new key: if the record says os-keyring, the key is still read
// from the keyring, since ignoring it would orphan every sealed secret.
func Open(ctx context.Context, opts Options) (*Vault, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("vault: data dir: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("vault: data dir %s is not a directory", o.Dir)
	}

	unlock, err := lockDir(ctx, o)
	if err != nil {
		return nil, err
	}
	defer unlock()

	o.kr = timedKeyring{kr: o.Keyring, timeout: o.KeyringTimeout}
	var key []byte
	m, err := readMeta(o.path(metaFileName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		key, m, err = create(ctx, o)
	case err == nil:
		key, err = load(ctx, o, m)
	}
	if err != nil {
		return nil, err
	}
	defer clear(key)
	if o.SealedWith != "" && !hmac.Equal([]byte(m.KeyCheck), []byte(o.SealedWith)) {
		return nil, fmt.Errorf("%w: the data is sealed with the key whose check value is %s, but %s holds another (%s); "+
			"restore the original key or vault.json, or start over", ErrKeyLost, o.SealedWith, metaFileName, m.KeyCheck)
	}

	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	v := &Vault{aead: aead, storage: m.Storage, check: m.KeyCheck, idKey: derive(key, idKeyLabel),
		dir: o.Dir, db: m.Database}
	if m.Storage == StorageKeyFile {
		v.note = keyFileNote(m.Reason, o.path(keyFileName))
	}
	o.Logger.Info("vault: data key ready", "storage", v.storage, "key_check", v.check)
	return v, nil
}

type options struct {
	Options
	kr timedKeyring
}

func (opts Options) withDefaults() (options, error) {
	if opts.Dir == "" {
		return options{}, errors.New("vault: no data dir given")
	}
	if opts.Keyring == nil {
		opts.Keyring = SystemKeyring()
	}
	if opts.KeyringTimeout <= 0 {
		opts.KeyringTimeout = defaultKeyringTimeout
	}
	if opts.Service == "" {
		opts.Service = defaultService
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return options{Options: opts}, nil
}

func (o options) path(name string) string { return filepath.Join(o.Dir, name) }

// lockDir waits for the dir's lock, bounded by ctx and by a ceiling well
// above the longest a holder can take (three keyring calls plus file I/O).
func lockDir(ctx context.Context, o options) (func(), error) {
	wait := 3*o.KeyringTimeout + 10*time.Second
	lctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	lock := flock.New(o.path(lockFileName), flock.SetPermissions(0o600))
	ok, err := lock.TryLockContext(lctx, lockRetry)
	if err == nil && !ok {
		err = errors.New("not acquired")
	}
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("vault: lock %s (is another Fullscript Companion stuck?): %w", lock.Path(), err)
	}
	return func() {
		if err := lock.Unlock(); err != nil {
			o.Logger.Warn("vault: unlock", "path", lock.Path(), "err", err)
		}
	}, nil
}

// create makes (or, after a crash or a deleted vault.json, adopts) the key
// of a dir that has no vault.json yet.
func create(ctx context.Context, o options) (key []byte, m metadata, err error) {
	keyFile := o.path(keyFileName)
	m = metadata{Version: metaVersion, Created: time.Now().UTC()}

	// A key file without metadata is ours from an interrupted first Open, or
	// vault.json was removed: either way secrets may be sealed with it.
	key, err = readKeyFile(keyFile, o.Logger)
	switch {
	case err == nil:
		if err := o.adoptable(key, keyFile); err != nil {
			return nil, metadata{}, err
		}
		o.Logger.Warn("vault: found a key file but no vault.json; adopting the key file", "path", keyFile)
		m.Storage, m.Reason = StorageKeyFile, "A key file from an earlier run was found"
		return finishCreate(o, key, m)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, metadata{}, fmt.Errorf("vault: %w; it was left as is: restore it or remove it", err)
	}
	if o.NoNewKey || o.SealedWith != "" {
		return o.adoptFromKeyring(ctx)
	}

	if o.NoKeyring {
		m.Reason = "The OS keyring is turned off in settings"
	} else {
		key, err = keyringCreate(ctx, o)
		if err == nil {
			m.Storage, m.Service = StorageKeyring, o.Service
			return finishCreate(o, key, m)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, metadata{}, fmt.Errorf("vault: create data key: %w", ctxErr)
		}
		m.Reason = fallbackReason(err, o.KeyringTimeout)
		o.Logger.Warn("vault: OS keyring unusable; keeping the data key in a file",
			"service", o.Service, "err", err, "path", keyFile)
	}

	key = make([]byte, keyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, metadata{}, fmt.Errorf("vault: generate data key: %w", err)
	}
	if err := writeKeyFile(keyFile, key); err != nil {
		return nil, metadata{}, fmt.Errorf("vault: %w", err)
	}
	m.Storage = StorageKeyFile
	return finishCreate(o, key, m)
}

func finishCreate(o options, key []byte, m metadata) ([]byte, metadata, error) {
	m.KeyCheck = keyCheck(key)
	if err := writeMeta(o.path(metaFileName), m); err != nil {
		clear(key)
		return nil, metadata{}, err
	}
	o.Logger.Info("vault: data key created", "storage", m.Storage, "key_check", m.KeyCheck)
	return key, m, nil
}

// keyringCreate puts a new key in the keyring and reads it back before
// trusting it. An entry already there is adopted, not overwritten: it may
// seal another data dir's secrets, or ours if vault.json was deleted.
func keyringCreate(ctx context.Context, o options) ([]byte, error) {
	existing, err := o.kr.get(ctx, o.Service, keyringUser)
	switch {
	case err == nil:
		key, err := decodeKey(existing)
		if err != nil {
			return nil, errKeyringGarbage
		}
		o.Logger.Info("vault: adopting the data key already in the OS keyring",
			"service", o.Service, "key_check", keyCheck(key))
		return key, nil
	case !errors.Is(err, keyring.ErrNotFound):
		return nil, fmt.Errorf("look up existing key: %w", err)
	}

	key := make([]byte, keyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate data key: %w", err)
	}
	enc := encodeKey(key)
	if err := o.kr.set(ctx, o.Service, keyringUser, enc); err != nil {
		return nil, fmt.Errorf("store key: %w", err)
	}
	back, err := o.kr.get(ctx, o.Service, keyringUser)
	if err != nil {
		return nil, fmt.Errorf("read key back: %w", err)
	}
	if !hmac.Equal([]byte(back), []byte(enc)) {
		return nil, errKeyringMismatch
	}
	return key, nil
}

// adoptable refuses a found key that is not the one the caller's data
// names (Options.SealedWith).
func (o options) adoptable(key []byte, where string) error {
	if o.SealedWith == "" {
		return nil
	}
	if got := keyCheck(key); !hmac.Equal([]byte(got), []byte(o.SealedWith)) {
		clear(key)
		return fmt.Errorf("%w: %s holds a key (check value %s), but the data is sealed with another (%s); "+
			"restore the original key, or start over", ErrKeyLost, where, got, o.SealedWith)
	}
	return nil
}

// adoptFromKeyring is create for a caller that holds sealed data: vault.json
// and the key file are gone, so the key can only be the keyring's entry.
// Nothing is ever made here.
func (o options) adoptFromKeyring(ctx context.Context) ([]byte, metadata, error) {
	lost := func(why string) error {
		check := ""
		if o.SealedWith != "" {
			check = " (check value " + o.SealedWith + ")"
		}
		return fmt.Errorf("%w: %s and %s are missing, %s; the saved data is sealed with a key%s, so no new key is made "+
			"(it would open none of it): restore %s and %s (or the keyring entry) from a backup, or start over",
			ErrKeyLost, metaFileName, keyFileName, why, check, keyFileName, metaFileName)
	}
	s, err := o.kr.get(ctx, o.Service, keyringUser)
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return nil, metadata{}, lost("and the OS keyring has no data key either")
	case err != nil && ctx.Err() != nil:
		return nil, metadata{}, fmt.Errorf("vault: read data key: %w", ctx.Err())
	case err != nil:
		if o.NoKeyring {
			return nil, metadata{}, lost("and the OS keyring cannot be read (" + err.Error() + ")")
		}
		return nil, metadata{}, fmt.Errorf("%w: the saved data is sealed with a key that may be in the OS keyring, "+
			"which could not be read (%w); unlock the keyring or start its service, then try again", ErrKeyUnavailable, err)
	}
	key, err := decodeKey(s)
	if err != nil {
		return nil, metadata{}, lost("and the OS keyring's entry is not a data key")
	}
	if err := o.adoptable(key, fmt.Sprintf("the OS keyring (service %q)", o.Service)); err != nil {
		return nil, metadata{}, err
	}
	o.Logger.Warn("vault: vault.json was missing; adopting the OS keyring's data key for the saved data",
		"service", o.Service, "key_check", keyCheck(key))
	m := metadata{Version: metaVersion, Created: time.Now().UTC(), Storage: StorageKeyring, Service: o.Service}
	return finishCreate(o, key, m)
}

// load reads the key from where vault.json says it is. It never creates one.
func load(ctx context.Context, o options, m metadata) ([]byte, error) {
	var (
		key   []byte
		where string
	)
	switch m.Storage {
	case StorageKeyring:
		if o.NoKeyring {
			o.Logger.Info("vault: the keyring is turned off in settings, but the data key lives there; reading it from the keyring")
		}
		if m.Service != o.Service {
			o.Logger.Warn("vault: keyring service differs from the one the key was created under; using the recorded one",
				"recorded", m.Service, "configured", o.Service)
		}
		where = fmt.Sprintf("the OS keyring (service %q, user %q)", m.Service, keyringUser)
		s, err := o.kr.get(ctx, m.Service, keyringUser)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return nil, fmt.Errorf("vault: read data key: %w", ctx.Err())
		case errors.Is(err, keyring.ErrNotFound):
			return nil, fmt.Errorf("%w: %s has no data key entry any more (was it deleted?); "+
				"secrets sealed with it cannot be opened until the entry is restored, "+
				"otherwise the stored accounts must be removed and signed in again", ErrKeyLost, where)
		default:
			return nil, fmt.Errorf("%w: the data key is in %s, which could not be read (%w); "+
				"unlock the keyring or start its service, then try again", ErrKeyUnavailable, where, err)
		}
		k, err := decodeKey(s)
		if err != nil {
			return nil, fmt.Errorf("%w: the entry in %s is not a data key (%w)", ErrKeyLost, where, err)
		}
		key = k
	case StorageKeyFile:
		where = o.path(keyFileName)
		k, err := readKeyFile(where, o.Logger)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%w: the key file %s is missing; secrets sealed with it cannot be opened "+
				"until it is restored, otherwise the stored accounts must be removed and signed in again", ErrKeyLost, where)
		case errors.Is(err, errNotAKey):
			return nil, fmt.Errorf("%w: %w; restore the original key file", ErrKeyLost, err)
		case err != nil:
			return nil, fmt.Errorf("vault: %w", err)
		}
		key = k
	}
	if got := keyCheck(key); !hmac.Equal([]byte(got), []byte(m.KeyCheck)) {
		clear(key)
		return nil, fmt.Errorf("%w: the key in %s is not the one recorded in %s (check value %s, want %s); "+
			"restore the original key", ErrKeyLost, where, metaFileName, got, m.KeyCheck)
	}
	return key, nil
}

func keyCheck(key []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(checkLabel))
	return hex.EncodeToString(mac.Sum(nil))[:16]
}

func keyFileNote(reason, path string) string {
	if reason == "" {
		reason = "The OS keyring is not used"
	}
	return fmt.Sprintf("%s, so the data key is kept in the file %s, readable only by you.", reason, path)
}

func readMeta(path string) (metadata, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return metadata{}, err
		}
		return metadata{}, fmt.Errorf("vault: read %s: %w", path, err)
	}
	var m metadata
	bad := func(why string) (metadata, error) {
		return metadata{}, fmt.Errorf("%w: %s: %s; it records where the data key lives, so it was left as is: "+
			"restore it from a backup (if it is deleted instead, the vault looks for the key again, "+
			"key file first, then the OS keyring)", ErrBadMetadata, path, why)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return bad(err.Error())
	}
	if m.Version != metaVersion {
		return bad(fmt.Sprintf("unknown version %d", m.Version))
	}
	switch m.Storage {
	case StorageKeyFile:
	case StorageKeyring:
		if m.Service == "" {
			return bad("no keyring service")
		}
	default:
		return bad(fmt.Sprintf("unknown storage %q", m.Storage))
	}
	if _, err := hex.DecodeString(m.KeyCheck); err != nil || len(m.KeyCheck) != 16 {
		return bad("bad key check value")
	}
	return m, nil
}

// writeMeta replaces vault.json atomically: a crash leaves the old file or
// the new one, never half of one.
func writeMeta(path string, m metadata) (err error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("vault: encode metadata: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".vault.json.*.tmp") // created 0600
	if err != nil {
		return fmt.Errorf("vault: write metadata: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	_, werr := f.Write(append(b, '\n'))
	cerr := f.Chmod(0o600)
	if runtime.GOOS == "windows" {
		cerr = nil
	}
	serr := f.Sync()
	if err := errors.Join(werr, cerr, serr, f.Close()); err != nil {
		return fmt.Errorf("vault: write metadata %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("vault: write metadata: %w", err)
	}
	if err := syncDir(path); err != nil {
		return fmt.Errorf("vault: write metadata: %w", err)
	}
	return nil
}

// syncDir makes a new directory entry durable. Windows cannot open a
// directory for syncing and does not need it.
func syncDir(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	return nil
}
