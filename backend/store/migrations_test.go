package store

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

// openV1 opens path with the current code stopped after the first migration:
// steps are never edited once released, so this is the schema the v1 app
// wrote, and the v1 tables are written by the same code.
func openV1(t *testing.T, path string, sealer Sealer) *Store {
	t.Helper()
	s, err := open(ctxT(t), path, sealer, migrations[:1])
	if err != nil {
		t.Fatalf("open at v1: %v", err)
	}
	s.now = tickClock()
	return s
}

// fillV1 writes every kind of v1 data: accounts (one default, one renamed,
// one needing sign-in), refreshed tokens, plain and secret settings, a queued
// revocation and their audit trail. RemoveAccount is v2 code (it clears
// recent_patients), so the revocation is queued with its v1 helpers.
func fillV1(t *testing.T, s *Store) {
	t.Helper()
	ctx := ctxT(t)
	a, err := s.SaveSignIn(ctx, acct("us", "c1", "u1", "North", "Ann"), toks("acc-a", "ref-a"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.SaveSignIn(ctx, acct("ca", "c2", "u2", "South", "Bob"), toks("acc-b", "ref-b"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.SaveSignIn(ctx, acct("us", "c3", "u3", "West", "Cy"), toks("acc-c", "ref-c"))
	if err != nil {
		t.Fatal(err)
	}
	steps := []error{
		s.Rename(ctx, b.ID, "Bob's desk"),
		s.SetDefault(ctx, b.ID),
		s.SaveRefreshed(ctx, a.ID, 1, toks("acc-a2", "ref-a2"), t0.Add(time.Hour)),
		s.MarkNeedsSignIn(ctx, c.ID, "refresh refused"),
		s.SetSetting(ctx, "api_base.us", "https://api.example", false),
		s.SetSetting(ctx, "client_secret.us", "the-client-secret", true),
		s.withTx(ctx, func(tx *sql.Tx) error {
			r, err := s.sealRevocation(Revocation{Token: "revoke-me"}, c.ID, s.now())
			if err != nil {
				return err
			}
			return insertRevocation(ctx, tx, r, c)
		}),
	}
	if err := errors.Join(steps...); err != nil {
		t.Fatal(err)
	}
}

// snapshot is everything a v1 file holds, read through the API.
type snapshot struct {
	Accounts    []AccountView
	Tokens      map[string]Tokens
	Generations map[string]int64
	Settings    map[string]string
	Revocations []Revocation
	Audit       []AuditEntry
}

func takeSnapshot(t *testing.T, s *Store) snapshot {
	t.Helper()
	ctx := ctxT(t)
	snap := snapshot{Tokens: map[string]Tokens{}, Generations: map[string]int64{}, Settings: map[string]string{}}
	var err error
	if snap.Accounts, err = s.Accounts(ctx); err != nil {
		t.Fatal(err)
	}
	for _, v := range snap.Accounts {
		tk, gen, err := s.Tokens(ctx, v.ID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		snap.Tokens[v.ID], snap.Generations[v.ID] = tk, gen
	}
	for _, k := range []string{"api_base.us", "client_secret.us"} {
		v, ok, err := s.Setting(ctx, k)
		if err != nil || !ok {
			t.Fatalf("setting %s: %v %v", k, ok, err)
		}
		snap.Settings[k] = v
	}
	if snap.Revocations, err = s.PendingRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	if snap.Audit, err = s.Audit(ctx, ""); err != nil {
		t.Fatal(err)
	}
	return snap
}

// schemaOf lists the file's tables and indexes with their SQL.
func schemaOf(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.db.Query(`SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema
		WHERE name <> 'sqlite_sequence' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		out = append(out, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUpgradeFromV1(t *testing.T) {
	t.Parallel()
	fresh := openFixture(t)
	wantSchema := schemaOf(t, fresh.s)
	tests := []struct {
		name string
		// upgrade opens the v1 file (v1 is the v1 app's handle, still open)
		// with the current code and returns the upgraded stores.
		upgrade func(t *testing.T, path string, sealer Sealer, v1 *Store) []*Store
	}{
		{
			name: "v1 app closed first",
			upgrade: func(t *testing.T, path string, sealer Sealer, v1 *Store) []*Store {
				if err := v1.Close(); err != nil {
					t.Fatal(err)
				}
				s, err := Open(ctxT(t), path, sealer)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				return []*Store{s}
			},
		},
		{
			name: "v1 data still in the WAL",
			upgrade: func(t *testing.T, path string, sealer Sealer, v1 *Store) []*Store {
				s, err := Open(ctxT(t), path, sealer)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				if err := v1.Close(); err != nil {
					t.Fatal(err)
				}
				return []*Store{s}
			},
		},
		{
			name: "two processes upgrade at once",
			upgrade: func(t *testing.T, path string, sealer Sealer, v1 *Store) []*Store {
				if err := v1.Close(); err != nil {
					t.Fatal(err)
				}
				stores := make([]*Store, 2)
				errs := make([]error, 2)
				var wg sync.WaitGroup
				for i := range stores {
					wg.Add(1)
					go func() {
						defer wg.Done()
						stores[i], errs[i] = Open(ctxT(t), path, sealer)
					}()
				}
				wg.Wait()
				if err := errors.Join(errs...); err != nil {
					t.Fatalf("Open: %v", err)
				}
				return stores
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := ctxT(t)
			path := filepath.Join(t.TempDir(), "companion.db")
			sealer := newSealer(t)
			v1 := openV1(t, path, sealer)
			fillV1(t, v1)
			if got := userVersionOf(t, v1); got != 1 {
				t.Fatalf("fixture at user_version %d, want 1", got)
			}
			before := takeSnapshot(t, v1)
			if len(before.Accounts) != 3 || len(before.Tokens) != 2 || len(before.Revocations) != 1 || len(before.Audit) < 8 {
				t.Fatalf("fixture incomplete: %d accounts, %d token pairs, %d revocations, %d audit entries",
					len(before.Accounts), len(before.Tokens), len(before.Revocations), len(before.Audit))
			}
			stores := tt.upgrade(t, path, sealer, v1)
			for _, s := range stores {
				t.Cleanup(func() { s.Close() })
			}
			for i, s := range stores {
				if got := userVersionOf(t, s); got != len(migrations) {
					t.Errorf("store %d: user_version %d, want %d", i, got, len(migrations))
				}
				if after := takeSnapshot(t, s); !reflect.DeepEqual(after, before) {
					t.Errorf("store %d: v1 data changed by the upgrade:\nbefore %+v\nafter  %+v", i, before, after)
				}
				if got := schemaOf(t, s); !slices.Equal(got, wantSchema) {
					t.Errorf("store %d: upgraded schema differs from a new file's:\n%q\nwant\n%q", i, got, wantSchema)
				}
			}
			var appID int
			if err := stores[0].db.QueryRow("PRAGMA application_id").Scan(&appID); err != nil || appID != applicationID {
				t.Errorf("application_id %#x (%v), want %#x", appID, err, applicationID)
			}

			// The new tables work on the v1 accounts.
			s := stores[0]
			s.now = tickClock()
			a := before.Accounts[0].Account
			if _, added, err := s.AddHistory(ctx, HistoryEntry{AccountID: a.ID, Kind: HistoryPatientSelected,
				EventID: "ev-1", Details: []byte(`{"name":"Upgrade Patient"}`)}); err != nil || !added {
				t.Fatalf("AddHistory after upgrade: added %v, %v", added, err)
			}
			if err := s.TouchRecentPatient(ctx, RecentPatient{AccountID: a.ID, Key: "p1", Data: []byte(`{}`)}); err != nil {
				t.Fatalf("TouchRecentPatient after upgrade: %v", err)
			}
			if err := s.RemoveAccount(ctx, a.ID, nil); err != nil {
				t.Fatalf("RemoveAccount after upgrade: %v", err)
			}
			h, err := s.History(ctx, a.ID, 0)
			if err != nil || len(h) != 1 {
				t.Errorf("history after removal: %d entries, %v", len(h), err)
			}
			if r, err := s.RecentPatients(ctx, a.ID); err != nil || len(r) != 0 {
				t.Errorf("recent patients after removal: %d, %v", len(r), err)
			}
		})
	}
}

// The v1 app must refuse a v2 file, and leave it as it is.
func TestV1RefusesV2File(t *testing.T) {
	t.Parallel()
	f := openFixture(t)
	f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("a", "r"))
	if err := f.s.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := open(ctxT(t), f.path, f.sealer, migrations[:1])
	if err == nil {
		s.Close()
		t.Fatal("v1 opened a v2 file")
	}
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("error %v, want ErrSchemaTooNew", err)
	}
	after, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the refused file changed")
	}
}
