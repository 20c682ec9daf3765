package vault

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

const runRealKeyring = "make go-test (it runs the tests in a throwaway D-Bus session with its own unlocked gnome-keyring)"

// requireKeyringEnv, set by make go-test, turns the skip into a failure:
// there a keyring is provided, so one that does not answer is a gap.
const requireKeyringEnv = "FSC_REQUIRE_KEYRING"

// TestSystemKeyring runs the vault against the real OS keyring. It skips
// only when no keyring answers and none was promised.
func TestSystemKeyring(t *testing.T) {
	skip := t.Skipf
	if os.Getenv(requireKeyringEnv) == "1" {
		skip = t.Fatalf
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	service := "fullscript-companion-test-" + hex.EncodeToString(b)
	kr := SystemKeyring()

	// Probe with a throwaway entry; only this decides whether to skip.
	probe := timedKeyring{kr: kr, timeout: 5 * time.Second}
	if err := probe.set(t.Context(), service, "probe", "probe"); err != nil {
		skip("no OS keyring reachable (%v); to run this test on Linux: %s", err, runRealKeyring)
	}
	t.Cleanup(func() { _ = keyring.Delete(service, "probe") })
	if got, err := probe.get(t.Context(), service, "probe"); err != nil || got != "probe" {
		skip("the OS keyring does not read back (%q, %v); to run this test on Linux: %s", got, err, runRealKeyring)
	}
	t.Cleanup(func() {
		if err := keyring.Delete(service, keyringUser); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("delete test keyring entry: %v", err)
		}
	})

	dir := testDir(t)
	opts := Options{Dir: dir, Keyring: kr, KeyringTimeout: 5 * time.Second, Service: service}
	v, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if v.Storage() != StorageKeyring || v.Note() != "" {
		t.Fatalf("Storage %q, Note %q; want os-keyring and no note", v.Storage(), v.Note())
	}
	assertMissing(t, dir+"/"+keyFileName)

	v2, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if v2.Storage() != StorageKeyring {
		t.Fatalf("reopen: Storage %q", v2.Storage())
	}
	assertSameKey(t, v, v2)

	// Deleting the entry must surface as ErrKeyLost, not as a new key.
	if err := keyring.Delete(service, keyringUser); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), opts); !errors.Is(err, ErrKeyLost) {
		t.Fatalf("Open after the entry was deleted: %v, want ErrKeyLost", err)
	}
}

func TestFallbackReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{errors.New("boom"), "returned an error"},
		{errors.Join(errKeyringTimeout), "did not answer within 3s"},
		{errNoSessionBus, "No keyring service is running"},
		{keyring.ErrUnsupportedPlatform, "No keyring service is running"},
		{errors.New("org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided"), "No keyring service is running"},
		{errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), "locked"},
		{errKeyringMismatch, "did not return the key"},
		{errKeyringGarbage, "unreadable"},
	}
	for _, tt := range tests {
		if got := fallbackReason(tt.err, 3*time.Second); !strings.Contains(got, tt.want) {
			t.Errorf("fallbackReason(%v) = %q, want it to contain %q", tt.err, got, tt.want)
		}
	}
}
