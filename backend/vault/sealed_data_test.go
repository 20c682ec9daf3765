package vault

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A caller that holds sealed data (the database says so) never gets a new
// key: a missing key is ErrKeyLost with the way out, nothing is written, and
// the original key, once restored, still opens (issue 13, failure 1).
func TestOpenNeverMintsAKeyOverSealedData(t *testing.T) {
	type setup struct {
		dir  string
		orig *Vault
		kr   *memKeyring
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, s *setup) // after the original Open
		opts    func(s *setup) Options
		wantErr error // nil: opens with the original key
		noFiles bool  // nothing may be written into the dir
	}{
		{
			name: "key file and vault.json deleted",
			prepare: func(t *testing.T, s *setup) {
				rm(t, s.dir, keyFileName, metaFileName)
			},
			opts:    func(s *setup) Options { return Options{Dir: s.dir, NoKeyring: true, SealedWith: s.orig.KeyCheck()} },
			wantErr: ErrKeyLost, noFiles: true,
		},
		{
			name:    "a new folder, sealed data but no check value recorded",
			prepare: func(t *testing.T, s *setup) { rm(t, s.dir, keyFileName, metaFileName) },
			opts:    func(s *setup) Options { return Options{Dir: s.dir, NoKeyring: true, NoNewKey: true} },
			wantErr: ErrKeyLost, noFiles: true,
		},
		{
			name: "the keyring has another key",
			prepare: func(t *testing.T, s *setup) {
				rm(t, s.dir, keyFileName, metaFileName)
				s.kr.put(keyringUser, encodeKey(make([]byte, keyLen)))
			},
			opts: func(s *setup) Options {
				return Options{Dir: s.dir, Keyring: s.kr, SealedWith: s.orig.KeyCheck()}
			},
			wantErr: ErrKeyLost, noFiles: true,
		},
		{
			name: "another vault's key file",
			prepare: func(t *testing.T, s *setup) {
				other := testDir(t)
				if _, err := Open(t.Context(), Options{Dir: other, NoKeyring: true}); err != nil {
					t.Fatal(err)
				}
				rm(t, s.dir, metaFileName)
				copyFile(t, filepath.Join(other, keyFileName), filepath.Join(s.dir, keyFileName))
			},
			opts:    func(s *setup) Options { return Options{Dir: s.dir, NoKeyring: true, SealedWith: s.orig.KeyCheck()} },
			wantErr: ErrKeyLost,
		},
		{
			name: "vault.json of another vault",
			prepare: func(t *testing.T, s *setup) {
				other := testDir(t)
				if _, err := Open(t.Context(), Options{Dir: other, NoKeyring: true}); err != nil {
					t.Fatal(err)
				}
				for _, f := range []string{keyFileName, metaFileName} {
					copyFile(t, filepath.Join(other, f), filepath.Join(s.dir, f))
				}
			},
			opts:    func(s *setup) Options { return Options{Dir: s.dir, NoKeyring: true, SealedWith: s.orig.KeyCheck()} },
			wantErr: ErrKeyLost,
		},
		{
			name:    "only vault.json deleted: the key file is adopted",
			prepare: func(t *testing.T, s *setup) { rm(t, s.dir, metaFileName) },
			opts:    func(s *setup) Options { return Options{Dir: s.dir, NoKeyring: true, SealedWith: s.orig.KeyCheck()} },
		},
		{
			name: "vault.json and key file deleted, the key is in the keyring",
			prepare: func(t *testing.T, s *setup) {
				rm(t, s.dir, keyFileName, metaFileName)
				s.kr.put(keyringUser, s.kr.m["orig"])
			},
			opts: func(s *setup) Options { return Options{Dir: s.dir, Keyring: s.kr, SealedWith: s.orig.KeyCheck()} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &setup{dir: testDir(t), kr: newMemKeyring()}
			var err error
			if s.orig, err = Open(t.Context(), Options{Dir: s.dir, NoKeyring: true}); err != nil {
				t.Fatal(err)
			}
			keyFile, _ := os.ReadFile(filepath.Join(s.dir, keyFileName))
			meta, _ := os.ReadFile(filepath.Join(s.dir, metaFileName))
			if k, err := readKeyFile(filepath.Join(s.dir, keyFileName), nil); err == nil {
				s.kr.m["orig"] = encodeKey(k)
			}
			sealed, err := s.orig.Seal([]byte("refresh-token"), []byte("aad"))
			if err != nil {
				t.Fatal(err)
			}
			tt.prepare(t, s)
			before := listDir(t, s.dir)

			v, err := Open(t.Context(), tt.opts(s))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Open = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "restore") || !strings.Contains(err.Error(), "start over") {
					t.Errorf("error %q does not give the way out (restore the key, or start over)", err)
				}
				if tt.noFiles {
					if after := listDir(t, s.dir); strings.Join(after, " ") != strings.Join(before, " ") {
						t.Errorf("Open wrote into the folder: %v, was %v", after, before)
					}
				}
				// Restoring the original key and vault.json opens again.
				write(t, filepath.Join(s.dir, keyFileName), keyFile)
				write(t, filepath.Join(s.dir, metaFileName), meta)
				if v, err = Open(t.Context(), Options{Dir: s.dir, NoKeyring: true, SealedWith: s.orig.KeyCheck()}); err != nil {
					t.Fatalf("after restoring the original key: %v", err)
				}
			} else if err != nil {
				t.Fatalf("Open = %v, want the original key", err)
			}
			if got, err := v.Unseal(sealed, []byte("aad")); err != nil || string(got) != "refresh-token" {
				t.Errorf("unseal with the opened key: %q, %v", got, err)
			}
		})
	}
}

// NoteDatabase is kept in vault.json and read back by the next Open.
func TestNoteDatabase(t *testing.T) {
	dir := testDir(t)
	opts := Options{Dir: dir, NoKeyring: true}
	v, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if v.Database() != "" {
		t.Fatalf("a new vault records database %q", v.Database())
	}
	if err := v.NoteDatabase(t.Context(), "companion.db", opts); err != nil {
		t.Fatal(err)
	}
	v2, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Database() != "companion.db" {
		t.Errorf("reopened: database %q, want companion.db", v2.Database())
	}
}

func rm(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	write(t, to, b)
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}
