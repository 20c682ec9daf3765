//go:build soak

package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"fullscript-companion/backend/companion"
	"fullscript-companion/backend/internal/syncbuf"
	"fullscript-companion/backend/sandbox"
	"fullscript-companion/backend/store"
	"fullscript-companion/backend/vault"
)

// The soak tests run with `make soak` (docs/reliability.md, "Soak: load and
// crashes"), never with `go test ./...`: the build tag keeps them out.

// soakChildEnv makes this test binary, run again, the crash test's victim:
// its value is the data folder, soakChildAccountsEnv the accounts.
const (
	soakChildEnv         = "FSC_SOAK_CRASH_DATA_DIR"
	soakChildAccountsEnv = "FSC_SOAK_CRASH_ACCOUNTS"
)

// TestSoakCrashChild is not a test: it is the process TestSoakCrash kills.
// For every account, one goroutine runs `grant ACCOUNT --json` and another
// `refresh ACCOUNT`, back to back, each through Run as the real CLI does
// (a Service of its own per command: vault, database, lock files), until
// the process is killed. Each command's outcome is one line on stdout.
func TestSoakCrashChild(t *testing.T) {
	dataDir := os.Getenv(soakChildEnv)
	if dataDir == "" {
		t.Skip("the crash test's child process; runs only when TestSoakCrash starts it")
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for _, id := range strings.Split(os.Getenv(soakChildAccountsEnv), ",") {
		for _, cmd := range [][]string{{"grant", id, "--json"}, {"refresh", id}} {
			wg.Go(func() {
				for {
					errOut := &syncbuf.Buffer{}
					code := Run(context.Background(), append(cmd, "--data-dir", dataDir), IO{Out: io.Discard, Err: errOut})
					out.Lock()
					fmt.Printf("soak-child %s %s exit=%d %s\n", cmd[0], id, code, strconv.Quote(firstLine(errOut.String())))
					out.Unlock()
				}
			})
		}
	}
	wg.Wait()
}

func soakEnvInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

func soakEnvDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive duration such as 1s", name, v)
	}
	return d
}

// soakVaultTokens opens the vault as the next process would (data key, SQLite
// with its migrations and WAL recovery), checks the file's integrity, and
// reads each account's stored pair and status.
func soakVaultTokens(ctx context.Context, dataDir string, ids []string) (map[string]store.Tokens, error) {
	dbPath := filepath.Join(dataDir, companion.DBFileName)
	v, err := vault.Open(ctx, vault.Options{Dir: dataDir, NoKeyring: true})
	if err != nil {
		return nil, fmt.Errorf("open the data key: %w", err)
	}
	st, err := store.Open(ctx, dbPath, v)
	if err != nil {
		return nil, fmt.Errorf("open the database: %w", err)
	}
	defer st.Close()
	tokens := map[string]store.Tokens{}
	for _, id := range ids {
		a, err := st.Account(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", id, err)
		}
		if a.Status == store.StatusNeedsSignIn {
			return nil, fmt.Errorf("account %s needs sign-in: %s", id, a.StatusReason)
		}
		t, _, err := st.Tokens(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("tokens of %s: %w", id, err)
		}
		tokens[id] = t
	}
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var integrity string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		return nil, fmt.Errorf("integrity_check: %q %v", integrity, err)
	}
	return tokens, nil
}

// TestSoakCrash kills a real CLI process doing grant/refresh cycles on six
// accounts (both clinics) with SIGKILL at a random moment, SOAK_KILLS times
// (200), against a sandbox whose access tokens live 1 s, so refreshes are
// in flight all the time. After every kill the vault must open, pass
// SQLite's integrity check, and hold for every account a pair the sandbox
// still honours (never a revoked one), and no command of the child may have
// failed. At the end every account gets a grant from a new process and
// none needs sign-in. A kill "landed mid-refresh" when the sandbox rotated
// the pair the vault holds and the vault never stored the new one (the
// reply died with the process): the next process refreshes again with the
// old refresh token, which Fullscript still honours.
func TestSoakCrash(t *testing.T) {
	kills := soakEnvInt(t, "SOAK_KILLS", 200)
	maxDelay := soakEnvDuration(t, "SOAK_KILL_MAX", time.Second)
	ttl := soakEnvDuration(t, "SOAK_CRASH_ACCESS_TTL", time.Second)
	started := time.Now()

	f := newFixture(t, sandbox.Config{AutoApprove: true, AccessTTL: ttl})
	var ids []string
	userOf := map[string]string{}
	for _, c := range f.sb.Info().Clinics {
		for _, u := range c.Users {
			f.login(u.ID)
		}
	}
	for _, a := range f.accounts().Accounts {
		ids = append(ids, a.ID)
		userOf[a.ID] = a.UserID
	}
	if len(ids) != 6 {
		t.Fatalf("signed in %d accounts, want the sandbox's 6", len(ids))
	}

	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(started.UnixNano()), 13))
	var (
		midRefresh   int                 // kills after which the vault held a pair the sandbox had rotated
		lostReplies  = map[string]bool{} // successor pairs the vault never stored, seen so far
		cycles       = map[string]int{}  // successful child commands by name
		beforeOutput int                 // kills before the child finished a single command
	)
	for k := 1; k <= kills; k++ {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestSoakCrashChild$", "-test.count", "1")
		cmd.Env = append(os.Environ(), soakChildEnv+"="+f.dataDir, soakChildAccountsEnv+"="+strings.Join(ids, ","),
			companion.KeyringEnv+"=off", companion.TestHookEnv+"=", cliMainEnv+"=")
		stdout, stderr := &syncbuf.Buffer{}, &syncbuf.Buffer{}
		cmd.Stdout, cmd.Stderr = stdout, stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rng.Int64N(int64(maxDelay)))
		time.Sleep(delay)
		_ = cmd.Process.Kill() // SIGKILL
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("kill %d: the child ended on its own (%v) before SIGKILL at %s:\n%s\n%s", k, err, delay, stdout.String(), stderr.String())
		}
		n := 0
		for _, line := range lines(stdout.String()) {
			fields := strings.Fields(line)
			if len(fields) < 4 || fields[0] != "soak-child" || !strings.HasPrefix(fields[3], "exit=") {
				continue // a line cut by the kill
			}
			n++
			if fields[3] != "exit=0" {
				t.Fatalf("kill %d: `%s %s` failed in the child: %s", k, fields[1], fields[2], strings.Join(fields[3:], " "))
			}
			cycles[fields[1]]++
		}
		if n == 0 {
			beforeOutput++
		}

		tokens, err := soakVaultTokens(ctx, f.dataDir, ids)
		if err != nil {
			t.Fatalf("after kill %d (at %s): %v", k, delay, err)
		}
		snap := f.sb.Snapshot()
		landed := false
		for _, id := range ids {
			tok := tokens[id]
			var held *int
			for i, p := range snap.Tokens {
				if p.AccessToken == tok.AccessToken {
					held = &i
				}
			}
			if held == nil {
				t.Fatalf("after kill %d: the vault holds an access token for %s that the sandbox never issued", k, id)
			}
			p := snap.Tokens[*held]
			switch {
			case p.RefreshToken != tok.RefreshToken:
				t.Fatalf("after kill %d: the vault holds a refresh token of another pair than its access token for %s", k, id)
			case p.Status == "revoked":
				t.Fatalf("after kill %d: the vault holds a revoked pair for %s (%s): the account is lost", k, id, p.RevokedReason)
			case p.UserID != userOf[id]:
				t.Fatalf("after kill %d: the vault holds %s's pair for account %s (user %s)", k, p.UserID, id, userOf[id])
			}
			for _, q := range snap.Tokens {
				if q.Previous == p.ID && !lostReplies[q.ID] {
					lostReplies[q.ID] = true
					landed = true
				}
			}
		}
		if landed {
			midRefresh++
		}
	}

	// Every account works, from a new process, as a person would find it.
	for _, id := range ids {
		code, out, errOut := f.run("grant", id, "--json")
		if code != 0 || !strings.Contains(out, `"secret_token"`) {
			t.Errorf("grant %s after the kills: exit %d\n%s%s", id, code, out, errOut)
		}
	}
	for _, a := range f.accounts().Accounts {
		if a.Status == companion.StatusNeedsSignIn {
			t.Errorf("%s needs sign-in after the kills: %s", a.Name(), a.StatusReason)
		}
	}
	tokens, err := soakVaultTokens(ctx, f.dataDir, ids)
	if err != nil {
		t.Fatalf("after the final grants: %v", err)
	}
	snap := f.sb.Snapshot()
	refreshes, orphans := 0, 0
	live := map[string]int{} // live pairs per user, besides the lost replies' (a lost reply's pair stays live until its access token expires)
	for _, p := range snap.Tokens {
		if p.Previous != "" {
			refreshes++
		}
		if p.Status == "live" && !lostReplies[p.ID] {
			live[p.UserID]++
		}
	}
	for _, id := range ids {
		for _, p := range snap.Tokens {
			if p.UserID != userOf[id] {
				continue
			}
			current := p.AccessToken == tokens[id].AccessToken
			if current && p.Status == "revoked" {
				t.Errorf("%s: the vault's pair is revoked (%s) after its last grant", id, p.RevokedReason)
			}
			if current && p.Status == "rotated" {
				// Fine only when the reply to that refresh died with a
				// child: the old pair works until the new one is used.
				for _, q := range snap.Tokens {
					if q.Previous == p.ID && !lostReplies[q.ID] {
						t.Errorf("%s: the vault's pair was rotated by a refresh whose reply was not lost to a kill", id)
					}
				}
			}
			if !current && (p.Status == "live" || p.Status == "expired") {
				orphans++ // a lost reply's pair: never stored, never used, not rotated
			}
		}
		if live[userOf[id]] > 1 {
			t.Errorf("%s: %d live pairs at the sandbox", id, live[userOf[id]])
		}
	}
	// After a lost reply the old refresh token was spent again (the pair it
	// replaced has a successor that was stored), or the old pair is still
	// the one the vault holds, with a working token: either way nothing was
	// lost.
	byID := map[string]int{}
	for i, p := range snap.Tokens {
		byID[p.ID] = i
	}
	held := map[string]bool{}
	for _, tok := range tokens {
		held[tok.AccessToken] = true
	}
	retried, stillHeld := 0, 0
	for lost := range lostReplies {
		prev := snap.Tokens[byID[lost]].Previous
		again := false
		for _, q := range snap.Tokens {
			if q.Previous == prev && !lostReplies[q.ID] {
				again = true
			}
		}
		switch {
		case again:
			retried++
		case held[snap.Tokens[byID[prev]].AccessToken]:
			stillHeld++
		default:
			t.Errorf("pair %s: its refresh reply was lost to a kill, and nothing replaced the pair it was to replace", lost)
		}
	}
	// Each lost reply leaves one pair nobody holds; any other such pair is a
	// refresh whose reply was dropped by a live process, or a refresh token
	// spent twice.
	if orphans != len(lostReplies) {
		t.Errorf("%d pairs are neither the vault's nor rotated or revoked, and %d replies were lost to a kill: they should be the same", orphans, len(lostReplies))
	}

	summary := fmt.Sprintf("soak: crash %d kills (SIGKILL 0-%s after start), 6 accounts, 2 clinics, access ttl %s: the children finished %d grant and %d refresh commands (%d kills came before the first), the sandbox saw %d refreshes\n"+
		"soak: crash: %d kills landed mid-refresh, losing %d refresh replies (%d recovered by the next process refreshing again with the old token, %d by the old pair still in use); after every kill the vault opened, passed integrity_check and held a pair the sandbox honours; every account works (a grant for each, none needs sign-in); %s",
		kills, maxDelay, ttl, cycles["grant"], cycles["refresh"], beforeOutput, refreshes,
		midRefresh, len(lostReplies), retried, stillHeld, time.Since(started).Round(time.Second))
	fmt.Println(summary)
	t.Log(summary)
}
