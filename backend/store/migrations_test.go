package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
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

// fillV1 writes every kind of v1 data as the v1 app wrote it, in v1's own
// SQL (today's code writes columns v1 did not have): accounts (one default,
// one renamed, one needing sign-in), tokens (one pair refreshed), plain and
// secret settings, a queued revocation and audit entries.
func fillV1(t *testing.T, s *Store) {
	t.Helper()
	ctx := ctxT(t)
	at := formatTime(t0)
	seal := func(v string, aad []byte) []byte {
		b, err := s.seal(v, aad)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	secret := seal("the-client-secret", settingAAD("client_secret.us"))
	stmts := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO accounts (id, environment, clinic_id, clinic_name, user_id, user_type, user_name, label,
			is_default, status, status_reason, created_at, updated_at) VALUES
			('a1', 'us', 'c1', 'North', 'u1', 'Practitioner', 'Ann', '', 0, 'active', '', ?1, ?1),
			('a2', 'ca', 'c2', 'South', 'u2', 'Practitioner', 'Bob', 'Bob''s desk', 1, 'active', '', ?1, ?1),
			('a3', 'us', 'c3', 'West', 'u3', 'Practitioner', 'Cy', '', 0, 'needs_sign_in', 'refresh refused', ?1, ?1)`, []any{at}},
		{`INSERT INTO tokens (account_id, access_sealed, refresh_sealed, token_type, scope, access_expires_at,
			issued_at, last_refreshed_at, generation) VALUES
			('a1', ?, ?, 'Bearer', 'clinic:read', ?, ?, ?, 2),
			('a2', ?, ?, 'Bearer', 'clinic:read', ?, ?, NULL, 1)`, []any{
			seal("acc-a2", tokenAAD("a1", "access")), seal("ref-a2", tokenAAD("a1", "refresh")),
			formatTime(t0.Add(3 * time.Hour)), formatTime(t0.Add(time.Hour)), formatTime(t0.Add(time.Hour)),
			seal("acc-b", tokenAAD("a2", "access")), seal("ref-b", tokenAAD("a2", "refresh")),
			formatTime(t0.Add(2 * time.Hour)), at}},
		{`INSERT INTO settings (key, value, sealed) VALUES ('api_base.us', CAST('https://api.example' AS BLOB), 0), ('client_secret.us', ?, 1)`, []any{secret}},
		{`INSERT INTO pending_revocations (id, environment, account_id, label, token_sealed, queued_at, attempts,
			last_error, next_attempt_at) VALUES ('r1', 'us', 'a3', 'Cy at West', ?, ?, 0, '', ?)`, []any{
			seal("revoke-me", revocationAAD("r1")), at, at}},
		{`INSERT INTO audit (at, account_id, environment, clinic_id, user_id, event, detail) VALUES
			(?1, 'a1', 'us', 'c1', 'u1', 'signed_in', ''), (?1, 'a2', 'ca', 'c2', 'u2', 'signed_in', ''),
			(?1, 'a3', 'us', 'c3', 'u3', 'signed_in', ''), (?1, 'a2', 'ca', 'c2', 'u2', 'renamed', ''),
			(?1, 'a2', 'ca', 'c2', 'u2', 'default_set', ''), (?1, 'a1', 'us', 'c1', 'u1', 'refreshed', 'generation 2'),
			(?1, 'a3', 'us', 'c3', 'u3', 'needs_sign_in', 'refresh refused'), (?1, 'a3', 'us', 'c3', 'u3', 'revocation_queued', 'r1')`, []any{at}},
	}
	for _, st := range stmts {
		if _, err := s.db.ExecContext(ctx, st.q, st.args...); err != nil {
			t.Fatalf("%s: %v", st.q, err)
		}
	}
}

// v1Tables are v1's tables and columns: what an upgrade must carry over
// unchanged, whatever columns later versions add.
var v1Tables = map[string]string{
	"accounts":            "id, environment, clinic_id, clinic_name, user_id, user_type, user_name, label, is_default, status, status_reason, created_at, updated_at",
	"tokens":              "account_id, access_sealed, refresh_sealed, token_type, scope, access_expires_at, issued_at, last_refreshed_at, generation",
	"pending_revocations": "id, environment, account_id, label, token_sealed, queued_at, attempts, last_error, next_attempt_at",
	"settings":            "key, value, sealed",
	"audit":               "id, at, account_id, environment, clinic_id, user_id, event, detail",
}

// v1Rows dumps v1's columns, row by row, in a fixed order.
func v1Rows(t *testing.T, s *Store) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for table, cols := range v1Tables {
		rows, err := s.db.Query(`SELECT quote(` + strings.ReplaceAll(cols, ", ", `) || '|' || quote(`) + `) FROM ` + table + ` ORDER BY 1`)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], line)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			t.Fatal(err)
		}
	}
	return out
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
			before := v1Rows(t, v1)
			if n := []int{len(before["accounts"]), len(before["tokens"]), len(before["pending_revocations"]), len(before["settings"]), len(before["audit"])}; !slices.Equal(n, []int{3, 2, 1, 2, 8}) {
				t.Fatalf("fixture incomplete: %v rows (accounts, tokens, revocations, settings, audit)", n)
			}
			stores := tt.upgrade(t, path, sealer, v1)
			for _, s := range stores {
				t.Cleanup(func() { s.Close() })
			}
			for i, s := range stores {
				if got := userVersionOf(t, s); got != len(migrations) {
					t.Errorf("store %d: user_version %d, want %d", i, got, len(migrations))
				}
				if after := v1Rows(t, s); !reflect.DeepEqual(after, before) {
					t.Errorf("store %d: v1 data changed by the upgrade:\nbefore %+v\nafter  %+v", i, before, after)
				}
				readV1ThroughTheAPI(t, s)
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
			a, err := s.Account(ctx, "a1")
			if err != nil {
				t.Fatal(err)
			}
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

// readV1ThroughTheAPI reads the v1 fixture's data with today's code.
func readV1ThroughTheAPI(t *testing.T, s *Store) {
	t.Helper()
	ctx := ctxT(t)
	views, err := s.Accounts(ctx)
	if err != nil || len(views) != 3 {
		t.Fatalf("accounts after upgrade: %d, %v", len(views), err)
	}
	if tk, gen, err := s.Tokens(ctx, "a1"); err != nil || tk.AccessToken != "acc-a2" || tk.RefreshToken != "ref-a2" || gen != 2 || tk.Issuer != (Issuer{}) {
		t.Errorf("a1's tokens after upgrade: %v gen %d, %v", tk, gen, err)
	}
	if v, ok, err := s.Setting(ctx, "client_secret.us"); err != nil || !ok || v != "the-client-secret" {
		t.Errorf("sealed setting after upgrade: %v %v", ok, err)
	}
	revs, err := s.PendingRevocations(ctx)
	if err != nil || len(revs) != 1 || revs[0].Token != "revoke-me" {
		t.Errorf("revocations after upgrade: %v, %v", revs, err)
	}
	if a, err := s.Account(ctx, "a2"); err != nil || !a.IsDefault || a.Label != "Bob's desk" {
		t.Errorf("a2 after upgrade: %+v, %v", a, err)
	}
}
