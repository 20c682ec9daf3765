package companion

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
	"fullscript-companion/backend/store"
	"fullscript-companion/backend/vault"
)

// startAt starts a Service on dir as the world's would be, and returns the
// start error instead of failing.
func (w *world) startAt(dir string, keepBackups bool) (*Service, error) {
	s := New(Options{
		DataDir: dir, KeyringOff: true, KeepBackups: keepBackups,
		Platform: Platform{GOOS: "linux", Getenv: func(k string) string { return w.env[k] }, HomeDir: func() (string, error) { return "/nonexistent", nil }},
		Logger:   slog.New(slog.NewTextHandler(w.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      w.clock,
	})
	err := s.Start(context.Background())
	w.t.Cleanup(func() { s.Shutdown(context.Background()) })
	return s, err
}

func wantBroken(t *testing.T, err error, what string) ErrorView {
	t.Helper()
	v := ViewOf(err)
	if v.Code != CodeVaultBroken || !strings.Contains(v.Message, what) {
		t.Fatalf("start: %q (code %q), want %q... with code %s\n(err %v)", v.Message, v.Code, what, CodeVaultBroken, err)
	}
	return v
}

func copyInto(t *testing.T, from, to string, names ...string) {
	t.Helper()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(from, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// The database says a vault exists: a missing key is a clear error with the
// way out, and never a new key (issue 13, failure 1).
func TestMissingKeyIsNeverReplaced(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	w.svc.Shutdown(ctx)

	t.Run("the database copied alone into a new folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		copyInto(t, w.dataDir, dir, DBFileName)
		_, err := w.startAt(dir, false)
		v := wantBroken(t, err, "The key that protects your saved sign-ins is missing")
		if !errors.Is(err, vault.ErrKeyLost) || !strings.Contains(v.Fix, "start over") {
			t.Errorf("err %v, fix %q", err, v.Fix)
		}
		if _, err := os.Stat(filepath.Join(dir, "data.key")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a new key file was written: %v", err)
		}
		// With the original key beside it, it opens, and its grants work.
		copyInto(t, w.dataDir, dir, "data.key", "vault.json")
		s, err := w.startAt(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.NewSessionGrant(ctx, a.ID); err != nil {
			t.Errorf("grant with the original key: %v", err)
		}
		s.Shutdown(ctx)
	})

	t.Run("the key file and vault.json deleted", func(t *testing.T) {
		key, _ := os.ReadFile(filepath.Join(w.dataDir, "data.key"))
		meta, _ := os.ReadFile(filepath.Join(w.dataDir, "vault.json"))
		for _, n := range []string{"data.key", "vault.json"} {
			if err := os.Remove(filepath.Join(w.dataDir, n)); err != nil {
				t.Fatal(err)
			}
		}
		_, err := w.startAt(w.dataDir, false)
		wantBroken(t, err, "key that protects your saved sign-ins is missing")
		if r, err := (New(Options{DataDir: w.dataDir, KeyringOff: true})).Accounts(ctx); err == nil {
			t.Errorf("accounts listed with the key missing: %+v", r.Accounts)
		}
		if _, err := os.Stat(filepath.Join(w.dataDir, "data.key")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a new key file was written: %v", err)
		}
		// Restoring the original files is accepted (it used to be refused
		// once a new key had been minted).
		if err := errors.Join(os.WriteFile(filepath.Join(w.dataDir, "data.key"), key, 0o600),
			os.WriteFile(filepath.Join(w.dataDir, "vault.json"), meta, 0o600)); err != nil {
			t.Fatal(err)
		}
		s, err := w.startAt(w.dataDir, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.NewSessionGrant(ctx, a.ID); err != nil {
			t.Errorf("grant after restoring the key: %v", err)
		}
	})
}

// A missing, emptied or damaged database is said as it is, with the newest
// backup to restore, never replaced by an empty one (issue 13, failure 7).
func TestLostOrDamagedDatabaseOffersTheBackup(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	if _, err := w.svc.BackUp(ctx); err != nil {
		t.Fatal(err)
	}
	w.svc.Shutdown(ctx)
	db := filepath.Join(w.dataDir, DBFileName)

	damage := []struct {
		name string
		do   func(t *testing.T)
		what string
	}{
		{"deleted", func(t *testing.T) {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(db + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
			}
		}, "Your saved sign-ins are missing"},
		{"emptied", func(t *testing.T) {
			if err := os.Truncate(db, 0); err != nil {
				t.Fatal(err)
			}
		}, "Your saved sign-ins are missing"},
		{"corrupted pages", func(t *testing.T) {
			raw, err := os.ReadFile(db)
			if err != nil {
				t.Fatal(err)
			}
			for i := 4096; i < len(raw); i++ {
				raw[i] ^= 0x5a
			}
			if err := os.WriteFile(db, raw, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "The file that holds your saved sign-ins is damaged"},
	}
	for _, d := range damage {
		t.Run(d.name, func(t *testing.T) {
			d.do(t)
			s, err := w.startAt(w.dataDir, false)
			v := wantBroken(t, err, d.what)
			if !strings.Contains(v.Fix, "Restore the backup from") || !strings.Contains(v.Fix, "1 accounts") {
				t.Errorf("fix %q does not offer the backup", v.Fix)
			}
			if info, err := store.Inspect(ctx, db); err == nil && info.Exists {
				t.Errorf("an empty database was created in its place: %+v", info)
			}
			res, err := s.Restore(ctx, "latest")
			if err != nil {
				t.Fatalf("restore: %v", err)
			}
			if res.Backup.Accounts != 1 {
				t.Errorf("restored %+v", res)
			}
			r, err := s.Accounts(ctx)
			if err != nil || len(r.Accounts) != 1 || r.Accounts[0].ID != a.ID {
				t.Fatalf("accounts after restore: %+v, %v", r, err)
			}
			if _, err := s.NewSessionGrant(ctx, a.ID); err != nil {
				t.Errorf("grant after restore: %v", err)
			}
			s.Shutdown(ctx)
		})
	}
}

// A restore refuses while another process has the vault open, and changes
// nothing then.
func TestRestoreRefusesWhileInUse(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, sandbox.Config{})
	w.signIn("")
	if _, err := w.svc.BackUp(ctx); err != nil {
		t.Fatal(err)
	}
	other := w.newService() // another window or command
	if _, err := other.Accounts(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := w.svc.Restore(ctx, "")
	if !errors.Is(err, store.ErrInUse) || !strings.Contains(ViewOf(err).Fix, "Close the other window") {
		t.Fatalf("restore with another process in: %v", err)
	}
	if r, err := w.svc.Accounts(ctx); err != nil || len(r.Accounts) != 1 {
		t.Errorf("after the refused restore: %+v, %v", r, err)
	}
	if _, err := w.svc.Restore(ctx, "no-such-backup"); !errors.Is(err, ErrUsage) {
		t.Errorf("restore of an unknown name: %v, want ErrUsage", err)
	}
}

// Start over sets everything aside (nothing deleted) and opens a new vault.
func TestStartOverSetsTheVaultAside(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, sandbox.Config{})
	w.signIn("")
	w.svc.Shutdown(ctx)
	if err := os.Remove(filepath.Join(w.dataDir, "data.key")); err != nil {
		t.Fatal(err)
	}
	s, err := w.startAt(w.dataDir, false)
	wantBroken(t, err, "missing")
	dest, err := s.StartOver(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{DBFileName, "vault.json"} {
		if _, err := os.Stat(filepath.Join(dest, n)); err != nil {
			t.Errorf("%s not set aside: %v", n, err)
		}
	}
	r, err := s.Accounts(ctx)
	if err != nil || len(r.Accounts) != 0 {
		t.Errorf("after starting over: %+v, %v", r, err)
	}
}

// The window backs up at start when no recent backup exists.
func TestWindowBacksUpAtStart(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, sandbox.Config{})
	w.signIn("")
	w.svc.Shutdown(ctx)
	s, err := w.startAt(w.dataDir, true)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		list, err := s.Backups(ctx)
		if err == nil && len(list) == 1 && list[0].Accounts == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no backup after start: %+v, %v", list, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Tokens that cannot be unsealed show as unreadable, not valid, and
// sign-out removes the account and says there was nothing to revoke
// (issue 13, failure 3).
func TestUnreadableTokensAreShownAndSignOutRemoves(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	b := w.signIn("ben.okafor@example.com")
	if r, _ := w.svc.Accounts(ctx); r.Accounts[0].Status != StatusValid || r.Accounts[1].Status != StatusValid {
		t.Fatalf("before: %+v", r.Accounts)
	}
	db, err := sql.Open("sqlite", filepath.Join(w.dataDir, DBFileName))
	if err != nil {
		t.Fatal(err)
	}
	// Damage a's sealed pair as a key change would leave it, in place
	// (same generation: the listing must not trust what it saw before).
	if _, err := db.Exec(`UPDATE tokens SET access_sealed = zeroblob(60), refresh_sealed = zeroblob(60) WHERE account_id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	db.Close()
	fresh := w.newService()
	r, err := fresh.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]AccountInfo{}
	for _, x := range r.Accounts {
		byID[x.ID] = x
	}
	if byID[a.ID].Status != StatusUnreadable || !strings.Contains(byID[a.ID].StatusReason, "cannot be read") || byID[b.ID].Status != StatusValid {
		t.Errorf("listing: %+v", r.Accounts)
	}
	if _, err := fresh.NewSessionGrant(ctx, a.ID); !errors.Is(err, ErrNeedsSignIn) || !strings.Contains(ViewOf(err).Message, "cannot be read") {
		t.Errorf("grant for the unreadable account: %v", err)
	}
	res, err := fresh.SignOut(ctx, a.ID)
	if err != nil || !res.Unreadable || res.Revoked || res.Queued {
		t.Fatalf("sign out: %+v, %v", res, err)
	}
	if r, _ := fresh.Accounts(ctx); len(r.Accounts) != 1 || r.Accounts[0].ID != b.ID || r.PendingSignOuts != 0 {
		t.Errorf("after sign-out: %+v", r)
	}
}

// A start-over in another process cannot slip between a process reading
// what the database says and opening it (found by a review: it mixed two
// keys in one vault).
func TestStartOverWaitsForAnOpeningProcess(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, sandbox.Config{})
	w.signIn("")
	w.svc.Shutdown(ctx)
	reached, release := make(chan struct{}), make(chan struct{})
	opening := New(Options{DataDir: w.dataDir, KeyringOff: true, Platform: Platform{GOOS: "linux", Getenv: func(k string) string { return w.env[k] }}})
	opening.afterKeyHook = func() { close(reached); <-release }
	done := make(chan error, 1)
	go func() { done <- opening.Start(ctx) }()
	<-reached
	other, _ := w.startAt(w.dataDir, false)
	if _, err := other.StartOver(ctx); !errors.Is(err, store.ErrInUse) {
		t.Errorf("start over while another process opens the vault: %v, want ErrInUse", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("the opening process: %v", err)
	}
	defer opening.Shutdown(ctx)
	if r, err := opening.Accounts(ctx); err != nil || len(r.Accounts) != 1 || r.Accounts[0].Status != StatusValid {
		t.Errorf("after the refused start-over: %+v, %v", r, err)
	}
}

// The database and vault.json both gone, backups still there: the loss is
// said, not answered with an empty vault (found by a review).
func TestLostDatabaseAndMetadataWithBackupsIsNoFirstRun(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, sandbox.Config{})
	w.signIn("")
	if _, err := w.svc.BackUp(ctx); err != nil {
		t.Fatal(err)
	}
	w.svc.Shutdown(ctx)
	for _, n := range []string{DBFileName, DBFileName + "-wal", DBFileName + "-shm", "vault.json"} {
		if err := os.Remove(filepath.Join(w.dataDir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	s, err := w.startAt(w.dataDir, false)
	wantBroken(t, err, "Your saved sign-ins are missing")
	if _, err := s.Restore(ctx, "latest"); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if r, err := s.Accounts(ctx); err != nil || len(r.Accounts) != 1 {
		t.Errorf("after restore: %+v, %v", r, err)
	}
}

// A database from a newer version asks for that version, whichever read
// meets it first (the package test's downgrade found the first read of the
// file saying only "cannot open").
func TestNewerDatabaseAsksForTheNewerVersion(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, sandbox.Config{})
	w.signIn("")
	w.svc.Shutdown(ctx)
	db := filepath.Join(w.dataDir, DBFileName)
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	raw[60], raw[61], raw[62], raw[63] = 0, 0, 3, 231 // user_version 999
	if err := os.WriteFile(db, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = w.startAt(w.dataDir, false)
	if v := ViewOf(err); !strings.Contains(v.Message, "written by a newer version") || v.Fix != "Install the newer version again." || !errors.Is(err, store.ErrSchemaTooNew) {
		t.Errorf("a newer database: %q / %q (%v)", v.Message, v.Fix, err)
	}
}
