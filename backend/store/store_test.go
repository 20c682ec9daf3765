package store

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func userVersionOf(t *testing.T, s *Store) int {
	t.Helper()
	v, err := userVersion(ctxT(t), s.db)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rawExec runs SQL on the file through a plain connection, as another
// program (or an older/newer app) would.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestOpenMigrations(t *testing.T) {
	t.Parallel()
	t.Run("fresh file gets version 4", func(t *testing.T) {
		f := openFixture(t)
		if got := userVersionOf(t, f.s); got != len(migrations) || got != 5 {
			t.Fatalf("user_version = %d, want 5", got)
		}
	})

	t.Run("reopen is a no-op", func(t *testing.T) {
		f := openFixture(t)
		a := f.signIn(t, acct("us", "c1", "u1", "Clinic", "Ann"), toks("a", "r"))
		var before int
		if err := f.s.db.QueryRow("PRAGMA schema_version").Scan(&before); err != nil {
			t.Fatal(err)
		}
		f.s.Close()
		s, err := Open(ctxT(t), f.path, f.sealer)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer s.Close()
		var after int
		if err := s.db.QueryRow("PRAGMA schema_version").Scan(&after); err != nil {
			t.Fatal(err)
		}
		if after != before || userVersionOf(t, s) != len(migrations) {
			t.Fatalf("schema_version %d -> %d, user_version %d: reopen changed the schema", before, after, userVersionOf(t, s))
		}
		if _, err := s.Account(ctxT(t), a.ID); err != nil {
			t.Fatalf("account lost on reopen: %v", err)
		}
	})

	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		wantErr error  // errors.Is target, if any
		wantMsg string // substring of the error
	}{
		{
			name: "newer version, WAL file",
			prepare: func(t *testing.T, path string) {
				s, err := Open(ctxT(t), path, newSealer(t))
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
				rawExec(t, path, "PRAGMA user_version = 99")
			},
			wantErr: ErrSchemaTooNew,
			wantMsg: "newer version",
		},
		{
			name: "one version newer than this app",
			prepare: func(t *testing.T, path string) {
				s, err := Open(ctxT(t), path, newSealer(t))
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
				rawExec(t, path, fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1))
			},
			wantErr: ErrSchemaTooNew,
			wantMsg: "schema version 6, this app knows up to 5",
		},
		{
			name: "newer version, rollback-journal file",
			prepare: func(t *testing.T, path string) {
				rawExec(t, path, "PRAGMA journal_mode = DELETE", "CREATE TABLE future (x)", "PRAGMA user_version = 99")
			},
			wantErr: ErrSchemaTooNew,
		},
		{
			name: "another program's database",
			prepare: func(t *testing.T, path string) {
				rawExec(t, path, "CREATE TABLE theirs (x)", "INSERT INTO theirs VALUES (1)")
			},
			wantMsg: "another program",
		},
		{
			name: "another program's application id",
			prepare: func(t *testing.T, path string) {
				rawExec(t, path, "PRAGMA application_id = 42", "CREATE TABLE theirs (x)")
			},
			wantMsg: "another program",
		},
		{
			name: "not a database",
			prepare: func(t *testing.T, path string) {
				if err := os.WriteFile(path, bytes.Repeat([]byte("not sqlite "), 100), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			wantMsg: "not an SQLite database",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "companion.db")
			tt.prepare(t, path)
			// An old mtime, so a write within the same clock tick still shows.
			old := time.Now().Add(-time.Hour).Truncate(time.Second)
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Open(ctxT(t), path, newSealer(t))
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want errors.Is %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) || !fi.ModTime().Equal(old) {
				t.Errorf("file changed: bytes equal %v, mtime %v (was %v)", bytes.Equal(before, after), fi.ModTime(), old)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		path   func(t *testing.T) string
		sealer Sealer
	}{
		{"missing directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope", "x.db") }, newSealer(t)},
		{"path is a directory", func(t *testing.T) string { return t.TempDir() }, newSealer(t)},
		{"no sealer", func(t *testing.T) string { return filepath.Join(t.TempDir(), "x.db") }, nil},
		{"empty path", func(t *testing.T) string { return "" }, newSealer(t)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(ctxT(t), tt.path(t), tt.sealer)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
		})
	}
}

func TestOpenPathNeedingEscapes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a b?c#d%20e")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "companion.db")
	s, err := Open(ctxT(t), path, newSealer(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := s.SaveSignIn(ctxT(t), acct("us", "c", "u", "C", "U"), toks("a", "r")); err != nil {
		t.Fatal(err)
	}
	var file string
	if err := s.db.QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file); err != nil {
		t.Fatal(err)
	}
	if file != path {
		t.Fatalf("SQLite opened %q, want %q", file, path)
	}
}

// Every pooled connection must carry the pragmas, not only the first.
func TestPragmasOnEveryConnection(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	ctx := ctxT(t)
	const n = 4
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := f.s.db.Conn(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			<-start // hold n connections at once
			var fk, busy, sync int
			var mode string
			for q, dst := range map[string]any{
				"PRAGMA foreign_keys": &fk, "PRAGMA busy_timeout": &busy,
				"PRAGMA synchronous": &sync, "PRAGMA journal_mode": &mode,
			} {
				if err := conn.QueryRowContext(ctx, q).Scan(dst); err != nil {
					t.Error(err)
					return
				}
			}
			if fk != 1 || busy != 5000 || sync != 1 || mode != "wal" {
				t.Errorf("foreign_keys=%d busy_timeout=%d synchronous=%d journal_mode=%s", fk, busy, sync, mode)
			}
		}()
	}
	close(start)
	wg.Wait()
}

func TestFileModes(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Unix file modes")
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
	}{
		{"new file", func(t *testing.T, path string) {}},
		{"existing file 0644", func(t *testing.T, path string) {
			s, err := Open(ctxT(t), path, newSealer(t))
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"stale -wal and -shm 0666", func(t *testing.T, path string) {
			for _, p := range []string{path + "-wal", path + "-shm"} {
				if err := os.WriteFile(p, nil, 0o666); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, 0o666); err != nil { // past the umask
					t.Fatal(err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "companion.db")
			tt.prepare(t, path)
			s, err := Open(ctxT(t), path, newSealer(t))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			if _, err := s.SaveSignIn(ctxT(t), acct("us", "c", "u", "C", "U"), toks("a", "r")); err != nil {
				t.Fatal(err)
			}
			if err := s.SetSetting(ctxT(t), "k", "v", true); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				fi, err := os.Stat(p)
				if errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s does not exist while the store is open in WAL mode", filepath.Base(p))
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != 0o600 {
					t.Errorf("%s mode %v, want 0600", filepath.Base(p), got)
				}
			}
		})
	}
}
