package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestBackupAndRestore(t *testing.T) {
	ctx := ctxT(t)
	f := openFixture(t)
	f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("access-secret-1", "refresh-secret-1"))
	dir := filepath.Join(filepath.Dir(f.path), "backups")

	b, err := f.s.Backup(ctx, dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	if b.Accounts != 1 {
		t.Errorf("backup holds %d accounts, want 1", b.Accounts)
	}
	raw, err := os.ReadFile(b.Path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("refresh-secret-1")) || bytes.Contains(raw, []byte("access-secret-1")) {
		t.Error("the backup holds a token in the clear")
	}
	if fi, _ := os.Stat(b.Path); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("backup folder mode %v, want 0700", fi.Mode().Perm())
	}

	// A later change, then more backups: only the newest 3 stay.
	f.signIn(t, acct("us", "c2", "u2", "South", "Bob"), toks("a2", "r2"))
	for range 4 {
		if _, err := f.s.Backup(ctx, dir, 3); err != nil {
			t.Fatal(err)
		}
	}
	list, err := Backups(ctx, dir)
	if err != nil || len(list) != 3 {
		t.Fatalf("backups: %d, %v; want the newest 3", len(list), err)
	}
	if !list[0].TakenAt.After(list[2].TakenAt) || list[0].Accounts != 2 {
		t.Errorf("backups not newest first, or the newest misses an account: %+v", list)
	}

	// A restore refuses while a Store has the file open.
	aside := filepath.Join(filepath.Dir(f.path), "set-aside")
	if _, err := RestoreFile(ctx, list[2].Path, f.path, aside, time.Now()); !errors.Is(err, ErrInUse) {
		t.Fatalf("restore with the store open: %v, want ErrInUse", err)
	}
	// b is gone (pruned); restore the oldest kept one, taken with 2 accounts,
	// after removing one.
	views, _ := f.s.Accounts(ctx)
	if err := f.s.RemoveAccount(ctx, views[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Close(); err != nil {
		t.Fatal(err)
	}
	moved, err := RestoreFile(ctx, list[2].Path, f.path, aside, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(moved); err != nil {
		t.Errorf("the replaced database was not kept: %v", err)
	}
	s, err := Open(ctx, f.path, f.sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	views, err = s.Accounts(ctx)
	if err != nil || len(views) != 2 {
		t.Fatalf("after restore: %d accounts, %v; want 2", len(views), err)
	}
	if tk, _, err := s.Tokens(ctx, views[0].ID); err != nil || tk.AccessToken == "" {
		t.Errorf("tokens after restore: %v", err)
	}
	// The replaced one is a database too, with the state before the restore.
	if info, err := Inspect(ctx, moved); err != nil || info.Accounts != 1 {
		t.Errorf("the set-aside database: %+v, %v; want 1 account", info, err)
	}
}

func TestInspect(t *testing.T) {
	ctx := ctxT(t)
	dir := t.TempDir()
	if info, err := Inspect(ctx, filepath.Join(dir, "missing.db")); err != nil || info.Exists {
		t.Errorf("missing file: %+v, %v", info, err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if info, err := Inspect(ctx, empty); err != nil || info.Exists {
		t.Errorf("empty file: %+v, %v", info, err)
	}
	f := openFixture(t)
	if info, err := Inspect(ctx, f.path); err != nil || !info.Exists || info.Sealed || info.KeyCheck != "" {
		t.Errorf("new database: %+v, %v", info, err)
	}
	f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a", "r"))
	if err := f.s.RecordKeyCheck(ctx, "0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordKeyCheck(ctx, "fedcba9876543210"); err == nil {
		t.Error("RecordKeyCheck replaced the recorded key check")
	}
	info, err := Inspect(ctx, f.path)
	if err != nil || !info.Exists || !info.Sealed || info.Accounts != 1 || info.KeyCheck != "0123456789abcdef" {
		t.Errorf("database with an account: %+v, %v", info, err)
	}
}

// Corrupted pages are ErrDamaged wherever they are met, and a backup of a
// damaged file fails instead of replacing a good one (issue 13, failure 7).
func TestDamagedFile(t *testing.T) {
	ctx := ctxT(t)
	f := openFixture(t)
	for i := range 40 {
		f.signIn(t, acct("us", "c1", string(rune('a'+i%26))+string(rune('a'+i/26)), "North", "Ann"), toks("a", "r"))
	}
	dir := filepath.Join(filepath.Dir(f.path), "backups")
	if _, err := f.s.Backup(ctx, dir, 3); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 4*4096 {
		t.Fatalf("database only %d bytes", len(raw))
	}
	for i := 4096; i < len(raw); i++ { // every page but the header's
		raw[i] ^= 0x5a
	}
	if err := os.WriteFile(f.path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, f.path, f.sealer)
	if err == nil {
		defer s.Close()
		_, err = s.Accounts(ctx)
		if err == nil {
			_, err = s.Backup(ctx, dir, 3)
		}
	}
	if !IsDamaged(err) {
		t.Fatalf("reading a damaged file: %v, want ErrDamaged", err)
	}
	if list, _ := Backups(ctx, dir); len(list) != 1 || list[0].Accounts != 40 {
		t.Errorf("the good backup: %+v", list)
	}
	if _, err := Inspect(ctx, f.path); !IsDamaged(err) {
		t.Errorf("Inspect of the damaged file: %v, want ErrDamaged", err)
	}
	// Not a database at all any more.
	if err := os.WriteFile(f.path, []byte("this is not a database, but it is long enough to have a header of one...................................."), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, f.path, f.sealer); !IsDamaged(err) {
		t.Errorf("a file that is not SQLite: %v, want ErrDamaged", err)
	}
}

// Tokens sealed with another key are listed as unreadable, and reading them
// says so (issue 13, failure 3).
func TestUnreadableTokens(t *testing.T) {
	ctx := ctxT(t)
	f := openFixture(t)
	good := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a", "r"))
	other, err := Open(ctx, f.path, newSealer(t)) // another key, same file
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	bad, err := other.SaveSignIn(ctx, acct("us", "c1", "u2", "North", "Bob"), toks("b", "rb"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.s.UnreadableTokens(ctx)
	if err != nil || len(got) != 1 || !got[bad.ID] || got[good.ID] {
		t.Errorf("UnreadableTokens = %v, %v; want only %s", got, err, bad.ID)
	}
	if _, _, err := f.s.Tokens(ctx, bad.ID); !errors.Is(err, ErrUnreadable) {
		t.Errorf("Tokens of the unreadable account: %v, want ErrUnreadable", err)
	}
}

// A backup taken while the clock was years ahead is not "the newest", and
// pruning does not keep it over the real ones (found by a review).
func TestBackupDatedInTheFuture(t *testing.T) {
	ctx := ctxT(t)
	f := openFixture(t)
	f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a", "r"))
	dir := filepath.Join(filepath.Dir(f.path), "backups")
	f.s.now = func() time.Time { return time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC) }
	if _, err := f.s.Backup(ctx, dir, 3); err != nil {
		t.Fatal(err)
	}
	f.s.now = tickClock()
	list, err := Backups(ctx, dir)
	if err != nil || len(list) != 1 || !list[0].Future {
		t.Fatalf("the future one: %+v, %v", list, err)
	}
	f.signIn(t, acct("us", "c2", "u2", "South", "Bob"), toks("b", "rb"))
	for range 3 {
		if _, err := f.s.Backup(ctx, dir, 3); err != nil {
			t.Fatal(err)
		}
	}
	list, err = Backups(ctx, dir)
	if err != nil || len(list) != 3 {
		t.Fatalf("backups: %d, %v; want the 3 real ones", len(list), err)
	}
	for _, b := range list {
		if b.Future || b.Accounts != 2 {
			t.Errorf("kept %+v: want only the real ones, with both accounts", b)
		}
	}
}
