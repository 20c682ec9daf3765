package vault

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fullscript-companion/backend/internal/syncbuf"
	"github.com/gofrs/flock"
	"github.com/zalando/go-keyring"
)

// Test doubles for the OS keyring. They model what a real one does when it
// works, refuses, or waits forever on a locked collection.

type memKeyring struct {
	mu    sync.Mutex
	m     map[string]string
	calls atomic.Int64
}

func newMemKeyring() *memKeyring { return &memKeyring{m: map[string]string{}} }

func (k *memKeyring) Get(service, user string) (string, error) {
	k.calls.Add(1)
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.m[service+"\x00"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return s, nil
}

func (k *memKeyring) Set(service, user, password string) error {
	k.calls.Add(1)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[service+"\x00"+user] = password
	return nil
}

func (k *memKeyring) put(user, password string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[defaultService+"\x00"+user] = password
}

func (k *memKeyring) secret() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.m[defaultService+"\x00"+keyringUser]
}

type failKeyring struct{ err error }

func (k failKeyring) Get(string, string) (string, error) { return "", k.err }
func (k failKeyring) Set(string, string, string) error   { return k.err }

// hangKeyring never answers, like a keyring waiting on an unlock prompt
// nobody sees. Its goroutines are released when the test ends.
type hangKeyring struct{ release chan struct{} }

func newHangKeyring(t *testing.T) hangKeyring {
	k := hangKeyring{release: make(chan struct{})}
	t.Cleanup(func() { close(k.release) })
	return k
}

func (k hangKeyring) Get(string, string) (string, error) {
	<-k.release
	return "", errors.New("released")
}

func (k hangKeyring) Set(string, string, string) error {
	<-k.release
	return errors.New("released")
}

// liarKeyring accepts a key but hands back another one.
type liarKeyring struct{ memKeyring }

func (k *liarKeyring) Get(service, user string) (string, error) {
	s, err := k.memKeyring.Get(service, user)
	if err != nil {
		return s, err
	}
	return encodeKey(bytes.Repeat([]byte{7}, keyLen)), nil
}

func testLogger() (*slog.Logger, *syncbuf.Buffer) {
	buf := &syncbuf.Buffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

func testDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s mode = %v, want %v", filepath.Base(path), got, want)
	}
}

func assertMissing(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s exists (err %v), want it absent", filepath.Base(path), err)
	}
}

// assertNoSecret checks that neither the key nor its raw bytes leak into s.
func assertNoSecret(t *testing.T, what, s, encKey string) {
	t.Helper()
	if encKey == "" {
		return
	}
	raw, _ := base64.StdEncoding.DecodeString(encKey)
	if strings.Contains(s, encKey) || strings.Contains(s, string(raw)) || strings.Contains(s, fmt.Sprintf("%x", raw)) {
		t.Errorf("%s contains the data key", what)
	}
}

// assertSameKey seals with a and unseals with b.
func assertSameKey(t *testing.T, a, b *Vault) {
	t.Helper()
	if a.check != b.check {
		t.Fatalf("key check values differ: %s vs %s", a.check, b.check)
	}
	sealed, err := a.Seal([]byte("refresh-token"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Unseal(sealed, []byte("aad"))
	if err != nil {
		t.Fatalf("unseal with the other vault: %v", err)
	}
	if string(got) != "refresh-token" {
		t.Fatalf("unsealed %q", got)
	}
}

func TestOpenFreshDir(t *testing.T) {
	const timeout = 200 * time.Millisecond
	adopted := make([]byte, keyLen)
	if _, err := rand.Read(adopted); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name        string
		keyring     func(t *testing.T) Keyring
		noKeyring   bool
		wantStorage Storage
		wantNote    string // substring; "" means Note must be empty
		wantCheck   string // "" means any
		wantNoCalls bool
	}{
		{
			name:        "keyring works",
			keyring:     func(*testing.T) Keyring { return newMemKeyring() },
			wantStorage: StorageKeyring,
		},
		{
			name: "keyring holds a key already",
			keyring: func(*testing.T) Keyring {
				k := newMemKeyring()
				k.put(keyringUser, encodeKey(adopted))
				return k
			},
			wantStorage: StorageKeyring,
			wantCheck:   keyCheck(adopted),
		},
		{
			name: "no keyring service",
			keyring: func(*testing.T) Keyring {
				return failKeyring{errors.New("The name org.freedesktop.secrets was not provided by any .service files")}
			},
			wantStorage: StorageKeyFile,
			wantNote:    "No keyring service is running",
		},
		{
			name:        "keyring errors",
			keyring:     func(*testing.T) Keyring { return failKeyring{errors.New("boom")} },
			wantStorage: StorageKeyFile,
			wantNote:    "The OS keyring returned an error",
		},
		{
			name:        "keyring hangs",
			keyring:     func(t *testing.T) Keyring { return newHangKeyring(t) },
			wantStorage: StorageKeyFile,
			wantNote:    "The OS keyring did not answer within 200ms",
		},
		{
			name:        "keyring returns another key",
			keyring:     func(*testing.T) Keyring { return &liarKeyring{*newMemKeyring()} },
			wantStorage: StorageKeyFile,
			wantNote:    "did not return the key it was given",
		},
		{
			name:        "keyring turned off in settings",
			keyring:     func(*testing.T) Keyring { return newMemKeyring() },
			noKeyring:   true,
			wantStorage: StorageKeyFile,
			wantNote:    "The OS keyring is turned off in settings",
			wantNoCalls: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testDir(t)
			kr := tt.keyring(t)
			log, logs := testLogger()
			opts := Options{Dir: dir, Keyring: kr, KeyringTimeout: timeout, NoKeyring: tt.noKeyring, Logger: log}

			start := time.Now()
			v, err := Open(t.Context(), opts)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if el := time.Since(start); el > timeout+time.Second {
				t.Errorf("Open took %v, want about %v at most", el, timeout)
			}
			if v.Storage() != tt.wantStorage {
				t.Errorf("Storage = %q, want %q", v.Storage(), tt.wantStorage)
			}
			keyFile := filepath.Join(dir, keyFileName)
			if tt.wantNote == "" {
				if v.Note() != "" {
					t.Errorf("Note = %q, want empty", v.Note())
				}
			} else if !strings.Contains(v.Note(), tt.wantNote) || !strings.Contains(v.Note(), keyFile) {
				t.Errorf("Note = %q, want it to contain %q and %q", v.Note(), tt.wantNote, keyFile)
			}
			if tt.wantCheck != "" && v.check != tt.wantCheck {
				t.Errorf("check = %s, want %s (the existing keyring entry)", v.check, tt.wantCheck)
			}
			if m, ok := kr.(*memKeyring); ok && tt.wantNoCalls && m.calls.Load() != 0 {
				t.Errorf("keyring was asked %d times, want none", m.calls.Load())
			}

			assertMode(t, filepath.Join(dir, metaFileName), 0o600)
			var encKey string
			if tt.wantStorage == StorageKeyFile {
				assertMode(t, keyFile, 0o600)
				b, err := os.ReadFile(keyFile)
				if err != nil {
					t.Fatal(err)
				}
				encKey = strings.TrimSpace(string(b))
			} else {
				assertMissing(t, keyFile)
				encKey = kr.(*memKeyring).secret()
			}
			key, err := decodeKey(encKey)
			if err != nil {
				t.Fatalf("stored key: %v", err)
			}
			if keyCheck(key) != v.check {
				t.Errorf("stored key does not match the vault's check value")
			}
			meta, err := os.ReadFile(filepath.Join(dir, metaFileName))
			if err != nil {
				t.Fatal(err)
			}
			assertNoSecret(t, "vault.json", string(meta), encKey)

			// Reopen: same key, same place, same note, and fast even when the
			// keyring hangs (the metadata says not to ask it).
			start = time.Now()
			v2, err := Open(t.Context(), opts)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			if el := time.Since(start); tt.wantStorage == StorageKeyFile && el > timeout/2 {
				t.Errorf("reopen took %v; the keyring should not have been asked", el)
			}
			if v2.Storage() != v.Storage() || v2.Note() != v.Note() {
				t.Errorf("reopen: storage %q note %q, want %q %q", v2.Storage(), v2.Note(), v.Storage(), v.Note())
			}
			assertSameKey(t, v, v2)
			assertNoSecret(t, "log", logs.String(), encKey)
		})
	}
}

// The keyring held the key at creation; later it misbehaves. Open must fail
// clearly and never fall back to a new key file.
func TestOpenKeyringKeyLater(t *testing.T) {
	const timeout = 200 * time.Millisecond
	other := make([]byte, keyLen)
	if _, err := rand.Read(other); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		keyring   func(t *testing.T, orig *memKeyring) Keyring
		noKeyring bool
		wantErr   error // nil: Open succeeds with the original key
		wantMsg   string
	}{
		{
			name:    "keyring hangs",
			keyring: func(t *testing.T, _ *memKeyring) Keyring { return newHangKeyring(t) },
			wantErr: ErrKeyUnavailable,
			wantMsg: "did not answer within 200ms",
		},
		{
			name:    "keyring errors",
			keyring: func(*testing.T, *memKeyring) Keyring { return failKeyring{errors.New("collection is locked")} },
			wantErr: ErrKeyUnavailable,
			wantMsg: "unlock the keyring",
		},
		{
			name:    "entry deleted",
			keyring: func(*testing.T, *memKeyring) Keyring { return newMemKeyring() },
			wantErr: ErrKeyLost,
			wantMsg: "deleted",
		},
		{
			name: "entry replaced by another key",
			keyring: func(*testing.T, *memKeyring) Keyring {
				k := newMemKeyring()
				k.put(keyringUser, encodeKey(other))
				return k
			},
			wantErr: ErrKeyLost,
			wantMsg: "not the one recorded",
		},
		{
			name: "entry is garbage",
			keyring: func(*testing.T, *memKeyring) Keyring {
				k := newMemKeyring()
				k.put(keyringUser, "hunter2")
				return k
			},
			wantErr: ErrKeyLost,
			wantMsg: "not a data key",
		},
		{
			name:      "keyring turned off later: still read from the keyring",
			keyring:   func(_ *testing.T, orig *memKeyring) Keyring { return orig },
			noKeyring: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testDir(t)
			orig := newMemKeyring()
			v, err := Open(t.Context(), Options{Dir: dir, Keyring: orig, KeyringTimeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			if v.Storage() != StorageKeyring {
				t.Fatalf("Storage = %q", v.Storage())
			}
			metaBefore, _ := os.ReadFile(filepath.Join(dir, metaFileName))

			log, logs := testLogger()
			start := time.Now()
			v2, err := Open(t.Context(), Options{
				Dir: dir, Keyring: tt.keyring(t, orig), KeyringTimeout: timeout, NoKeyring: tt.noKeyring, Logger: log,
			})
			if el := time.Since(start); el > timeout+time.Second {
				t.Errorf("Open took %v", el)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				if v2.Storage() != StorageKeyring || v2.Note() != "" {
					t.Errorf("Storage %q Note %q", v2.Storage(), v2.Note())
				}
				assertSameKey(t, v, v2)
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Open error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
			t.Logf("error reads: %v", err)
			assertNoSecret(t, "error", err.Error(), orig.secret())
			assertNoSecret(t, "log", logs.String(), orig.secret())
			assertMissing(t, filepath.Join(dir, keyFileName))
			metaAfter, _ := os.ReadFile(filepath.Join(dir, metaFileName))
			if !bytes.Equal(metaBefore, metaAfter) {
				t.Error("vault.json changed")
			}
		})
	}
}

func TestOpenKeyFileLater(t *testing.T) {
	other := make([]byte, keyLen)
	if _, err := rand.Read(other); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		damage  func(t *testing.T, keyFile string)
		wantErr error // nil: Open succeeds with the original key
		wantLog string
	}{
		{
			name: "mode 0644 is tightened",
			damage: func(t *testing.T, keyFile string) {
				if err := os.Chmod(keyFile, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantLog: "tightened it to 0600",
		},
		{
			name: "missing",
			damage: func(t *testing.T, keyFile string) {
				if err := os.Remove(keyFile); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: ErrKeyLost,
		},
		{
			name: "another key",
			damage: func(t *testing.T, keyFile string) {
				if err := os.WriteFile(keyFile, []byte(encodeKey(other)), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: ErrKeyLost,
		},
		{
			name: "garbage",
			damage: func(t *testing.T, keyFile string) {
				if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: ErrKeyLost,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testDir(t)
			keyFile := filepath.Join(dir, keyFileName)
			kr := failKeyring{errors.New("no keyring")}
			v, err := Open(t.Context(), Options{Dir: dir, Keyring: kr})
			if err != nil {
				t.Fatal(err)
			}
			tt.damage(t, keyFile)

			log, logs := testLogger()
			v2, err := Open(t.Context(), Options{Dir: dir, Keyring: kr, Logger: log})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Open error = %v, want %v", err, tt.wantErr)
				}
				t.Logf("error reads: %v", err)
				if tt.name == "missing" {
					assertMissing(t, keyFile)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			assertMode(t, keyFile, 0o600)
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log %q does not contain %q", logs.String(), tt.wantLog)
			}
			assertSameKey(t, v, v2)
		})
	}
}

func TestOpenBadMetadata(t *testing.T) {
	tests := []struct {
		name string
		meta string
	}{
		{"empty", ""},
		{"not json", "garbage"},
		{"truncated", `{"version":1,"storage":"key-fi`},
		{"no version", `{"storage":"key-file","keyCheck":"0123456789abcdef"}`},
		{"future version", `{"version":9,"storage":"key-file","keyCheck":"0123456789abcdef"}`},
		{"unknown storage", `{"version":1,"storage":"cloud","keyCheck":"0123456789abcdef"}`},
		{"keyring without service", `{"version":1,"storage":"os-keyring","keyCheck":"0123456789abcdef"}`},
		{"bad key check", `{"version":1,"storage":"key-file","keyCheck":"xyz"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testDir(t)
			metaFile := filepath.Join(dir, metaFileName)
			if err := os.WriteFile(metaFile, []byte(tt.meta), 0o600); err != nil {
				t.Fatal(err)
			}
			kr := newMemKeyring()
			_, err := Open(t.Context(), Options{Dir: dir, Keyring: kr})
			if !errors.Is(err, ErrBadMetadata) {
				t.Fatalf("Open error = %v, want ErrBadMetadata", err)
			}
			if !strings.Contains(err.Error(), metaFile) {
				t.Errorf("error %q does not name the file", err)
			}
			got, _ := os.ReadFile(metaFile)
			if string(got) != tt.meta {
				t.Error("vault.json was changed")
			}
			assertMissing(t, filepath.Join(dir, keyFileName))
			if kr.calls.Load() != 0 {
				t.Error("the keyring was asked")
			}
		})
	}
}

func TestOpenBadDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"", filepath.Join(t.TempDir(), "missing"), file} {
		if _, err := Open(t.Context(), Options{Dir: dir, Keyring: newMemKeyring()}); err == nil {
			t.Errorf("Open(%q) succeeded", dir)
		}
	}
}

// A key file without vault.json (a crash between the two writes, or a
// deleted vault.json) is adopted, not replaced.
func TestOpenAdoptsKeyFileWithoutMetadata(t *testing.T) {
	dir := testDir(t)
	v, err := Open(t.Context(), Options{Dir: dir, NoKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, metaFileName)); err != nil {
		t.Fatal(err)
	}
	kr := newMemKeyring()
	v2, err := Open(t.Context(), Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Storage() != StorageKeyFile || kr.calls.Load() != 0 {
		t.Errorf("Storage %q, keyring calls %d", v2.Storage(), kr.calls.Load())
	}
	assertSameKey(t, v, v2)
}

func TestOpenLockWaitHonoursContext(t *testing.T) {
	dir := testDir(t)
	held := flock.New(filepath.Join(dir, lockFileName))
	if err := held.Lock(); err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()

	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Open(ctx, Options{Dir: dir, Keyring: newMemKeyring()})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Open error = %v, want DeadlineExceeded", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("Open took %v", el)
	}
	assertMissing(t, filepath.Join(dir, metaFileName))
}

func TestOpenConcurrentGoroutines(t *testing.T) {
	tests := []struct {
		name    string
		keyring Keyring
		want    Storage
	}{
		{"keyring", newMemKeyring(), StorageKeyring},
		{"key file", failKeyring{errors.New("no keyring")}, StorageKeyFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testDir(t)
			const n = 8
			vaults := make([]*Vault, n)
			errs := make([]error, n)
			startGate := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-startGate
					vaults[i], errs[i] = Open(t.Context(), Options{Dir: dir, Keyring: tt.keyring})
				})
			}
			close(startGate)
			wg.Wait()
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("Open #%d: %v", i, errs[i])
				}
				if vaults[i].Storage() != tt.want {
					t.Errorf("Open #%d: Storage %q", i, vaults[i].Storage())
				}
				assertSameKey(t, vaults[i], vaults[0])
			}
		})
	}
}

const helperEnv = "VAULT_TEST_HELPER_DIR"

// TestHelperProcess is not a test: TestOpenConcurrentProcesses runs the test
// binary again with it, to open the vault from another process.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		return
	}
	if at, err := strconv.ParseInt(os.Getenv("VAULT_TEST_HELPER_START"), 10, 64); err == nil {
		time.Sleep(time.Until(time.Unix(0, at)))
	}
	v, err := Open(context.Background(), Options{Dir: dir, Keyring: failKeyring{errors.New("no keyring")}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sealed, err := v.Seal([]byte("sealed by "+strconv.Itoa(os.Getpid())), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("check=%s sealed=%s\n", v.check, base64.StdEncoding.EncodeToString(sealed))
	os.Exit(0)
}

func TestOpenConcurrentProcesses(t *testing.T) {
	dir := testDir(t)
	// Both children wait for the same instant, so their Opens really overlap.
	at := time.Now().Add(300 * time.Millisecond).UnixNano()
	const n = 2
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for i := range n {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+dir, "VAULT_TEST_HELPER_START="+strconv.FormatInt(at, 10))
		outs[i] = &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	v, err := func() (*Vault, error) {
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				return nil, fmt.Errorf("helper %d: %w: %s", i, err, outs[i])
			}
		}
		return Open(t.Context(), Options{Dir: dir, Keyring: failKeyring{errors.New("no keyring")}})
	}()
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		var check, sealed string
		sc := bufio.NewScanner(outs[i])
		for sc.Scan() {
			if _, err := fmt.Sscanf(sc.Text(), "check=%s sealed=%s", &check, &sealed); err == nil {
				break
			}
		}
		if check != v.check {
			t.Errorf("helper %d ended with key check %q, want %q; output:\n%s", i, check, v.check, outs[i])
			continue
		}
		blob, err := base64.StdEncoding.DecodeString(sealed)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Unseal(blob, nil); err != nil {
			t.Errorf("unseal helper %d's value: %v", i, err)
		}
	}
}
