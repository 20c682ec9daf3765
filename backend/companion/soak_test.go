//go:build soak

package companion

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fullscript-companion/backend/internal/syncbuf"
	"fullscript-companion/backend/sandbox"
)

// The soak tests run with `make soak` (docs/reliability.md, "Soak: load and
// crashes"), never with `go test ./...`: the build tag keeps them out.

// soakSandboxEnv makes this test binary, run again, serve the load test's
// sandbox: its value is the state file to load. The sandbox runs in a
// process of its own so the heap the test measures is the app's alone (the
// sandbox keeps every grant it ever issued, by design).
const (
	soakSandboxEnv    = "FSC_SOAK_SANDBOX_STATE"
	soakSandboxTTLEnv = "FSC_SOAK_SANDBOX_TTL"
	soakSandboxSaves  = "SOAK_SANDBOX_SAVES" // 1: the sandbox keeps saving its state file after every request, as the window's does
)

// TestSoakSandboxProcess is not a test: it is the load test's sandbox,
// started by startSoakSandbox. It prints its base URL and serves until its
// stdin closes (the test ended, or died).
func TestSoakSandboxProcess(t *testing.T) {
	path := os.Getenv(soakSandboxEnv)
	if path == "" {
		t.Skip("the load test's sandbox process; runs only when TestSoakLoad starts it")
	}
	ttl, err := time.ParseDuration(os.Getenv(soakSandboxTTLEnv))
	if err != nil {
		t.Fatal(err)
	}
	// Saving after every request would measure the sandbox's own file (it
	// keeps every live grant), not the app: the users come from the file,
	// which is then left alone, unless SOAK_SANDBOX_SAVES=1.
	sb, err := sandbox.New(sandbox.Config{StatePath: path, StateReadOnly: os.Getenv(soakSandboxSaves) != "1", AutoApprove: true, AccessTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("soak-sandbox %s\n", base)
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = sb.Close(context.Background())
}

type soakSandboxProc struct {
	base string
	pid  int
	info sandbox.Info
}

// startSoakSandbox seeds `people` users over the two clinics and starts the
// sandbox process.
func startSoakSandbox(t *testing.T, people int, ttl time.Duration) *soakSandboxProc {
	t.Helper()
	state := filepath.Join(t.TempDir(), "sandbox-state.json")
	writeSoakState(t, state, people)
	cmd := exec.Command(os.Args[0], "-test.run", "^TestSoakSandboxProcess$", "-test.count", "1")
	cmd.Env = append(os.Environ(), soakSandboxEnv+"="+state, soakSandboxTTLEnv+"="+ttl.String())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncbuf.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if base, ok := strings.CutPrefix(sc.Text(), "soak-sandbox "); ok {
				lines <- base
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var s soakSandboxProc
	select {
	case s.base = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatalf("the sandbox process did not start; stderr:\n%s", stderr.String())
	}
	s.pid = cmd.Process.Pid
	if err := soakGetJSON(s.base+"/_sandbox/info", &s.info); err != nil {
		t.Fatal(err)
	}
	return &s
}

func soakGetJSON(url string, v any) error {
	res, err := http.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

func (s *soakSandboxProc) state(t *testing.T) sandbox.State {
	t.Helper()
	var st sandbox.State
	if err := soakGetJSON(s.base+"/_sandbox/state", &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// soakLog keeps the first 64 KiB the services log (warnings and
// errors), so a failure can show them and a long run cannot grow the heap.
type soakLog struct {
	mu  sync.Mutex
	buf []byte
}

func (b *soakLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := 64<<10 - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (b *soakLog) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// TestSoakLoad asks for session grants for 50 accounts over two clinics,
// from several goroutines and two Services sharing one vault (the window and
// a CLI command), for SOAK_LOAD (60 s), with access tokens that live
// SOAK_ACCESS_TTL (10 s) so every account refreshes several times under
// load. It fails on any error, on an account that ends needing sign-in or
// unable to get a grant, on token pairs at the sandbox that show a refresh
// token spent twice or more than one live pair for an account, and on a
// live heap at the end more than three times the one after warm-up.
func TestSoakLoad(t *testing.T) {
	dur := soakEnvDuration(t, "SOAK_LOAD", 60*time.Second)
	people := soakEnvInt(t, "SOAK_ACCOUNTS", 50)
	workers := soakEnvInt(t, "SOAK_WORKERS", 8)
	ttl := soakEnvDuration(t, "SOAK_ACCESS_TTL", 10*time.Second)
	warmUp := min(10*time.Second, dur/6)

	loadBefore := soakLoadAverage()
	sb := startSoakSandbox(t, people, ttl)
	var users []sandbox.InfoUser
	clinicOf := map[string]string{}
	for _, c := range sb.info.Clinics {
		for _, u := range c.Users {
			users = append(users, u)
			clinicOf[u.ID] = c.Name
		}
	}
	if len(users) != people || len(sb.info.Clinics) != 2 {
		t.Fatalf("the sandbox has %d users in %d clinics, want %d in 2", len(users), len(sb.info.Clinics), people)
	}

	dataDir := filepath.Join(t.TempDir(), "data")
	log := &soakLog{}
	newSvc := func() *Service {
		s := New(Options{
			DataDir: dataDir, KeyringOff: true,
			Platform: Platform{GOOS: "linux", Getenv: func(k string) string {
				if k == EnvVarSandboxURL {
					return sb.base
				}
				return ""
			}, HomeDir: func() (string, error) { return "/nonexistent", nil }},
			Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn})),
		})
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Shutdown(context.Background()) })
		return s
	}
	svcs := []*Service{newSvc(), newSvc()}

	// Sign everyone in, each with their own login_hint.
	ids := make([]string, 0, people)
	userOf := map[string]string{} // account id -> sandbox user id
	signInStart := time.Now()
	for _, u := range users {
		a, err := svcs[0].SignIn(context.Background(), SignInRequest{
			Environment: "local", Timeout: 20 * time.Second,
			OpenBrowser: func(url string) error { return browser(url + "&login_hint=" + u.ID) },
		})
		if err != nil {
			t.Fatalf("sign in %s: %v", u.Email, err)
		}
		if a.UserID != u.ID || a.ClinicName != clinicOf[u.ID] {
			t.Fatalf("signed in as %s at %s, asked for %s at %s", a.UserID, a.ClinicName, u.ID, clinicOf[u.ID])
		}
		ids = append(ids, a.ID)
		userOf[a.ID] = u.ID
	}
	signInTook := time.Since(signInStart)
	if r, err := svcs[1].Accounts(context.Background()); err != nil || len(r.Accounts) != people {
		t.Fatalf("the second service sees %d accounts (want %d): %v", len(r.Accounts), people, err)
	}

	heapStart := soakLiveHeap()
	rssStart := soakRSS(os.Getpid())
	peerStart := soakRSS(sb.pid)
	sampler := startSoakMemSampler(250*time.Millisecond, sb.pid)

	var (
		errCount atomic.Int64
		errMu    sync.Mutex
		errFirst []string
		hists    = make([]*soakHistogram, workers)
		counts   = make([]int64, workers)
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	fail := func(format string, args ...any) {
		errCount.Add(1)
		errMu.Lock()
		if len(errFirst) < 10 {
			errFirst = append(errFirst, fmt.Sprintf(format, args...))
		}
		errMu.Unlock()
	}
	loadStart := time.Now()
	for w := range workers {
		hists[w] = &soakHistogram{}
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), uint64(loadStart.UnixNano())))
			h := hists[w]
			for !stop.Load() {
				id := ids[rng.IntN(len(ids))]
				svc := svcs[rng.IntN(len(svcs))]
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				t0 := time.Now()
				g, err := svc.NewSessionGrant(ctx, id)
				took := time.Since(t0)
				cancel()
				switch {
				case err != nil:
					fail("grant for %s: %v", id, err)
				case g.SecretToken == "" || g.PublicKey != sb.info.PublicKey || !g.ExpiresAt.After(t0):
					fail("grant for %s is not usable: secret token %d bytes, public key %q, expires %s", id, len(g.SecretToken), g.PublicKey, g.ExpiresAt)
				default:
					h.add(took)
					counts[w]++
				}
			}
		})
	}
	time.Sleep(warmUp)
	heapWarm := soakLiveHeap()
	time.Sleep(dur - warmUp)
	stop.Store(true)
	wg.Wait()
	loadTook := time.Since(loadStart)
	peakHeap, peakRSS, peakPeer, samples := sampler.finish()
	heapEnd := soakLiveHeap()
	rssEnd := soakRSS(os.Getpid())
	peerEnd := soakRSS(sb.pid)
	timeWait := soakTimeWait(sb.base[strings.LastIndex(sb.base, ":")+1:])

	all := &soakHistogram{}
	var grants int64
	for w := range workers {
		all.merge(hists[w])
		grants += counts[w]
	}
	if n := errCount.Load(); n > 0 {
		t.Errorf("%d grants failed; the first ones:\n  %s\nlog:\n%s", n, strings.Join(errFirst, "\n  "), log.String())
	}

	// Every account is still signed in and gets a grant; its token is the
	// one the sandbox considers current.
	ctx := context.Background()
	report, err := svcs[1].Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range report.Accounts {
		if a.Status == StatusNeedsSignIn {
			t.Errorf("%s needs sign-in after the load: %s", a.Name(), a.StatusReason)
		}
	}
	vaultToken := map[string]string{} // sandbox user id -> the access token the vault holds
	for i, id := range ids {
		svc := svcs[i%2]
		if _, err := svc.NewSessionGrant(ctx, id); err != nil {
			t.Errorf("final grant for %s: %v", id, err)
			continue
		}
		grants++
		tok, err := svc.AccessToken(ctx, id)
		if err != nil {
			t.Errorf("final token for %s: %v", id, err)
		}
		vaultToken[userOf[id]] = tok
	}
	st := sb.state(t)
	check := checkSoakPairs(st, vaultToken)
	for _, p := range check.problems {
		t.Error(p)
	}
	// The point of the short lifetime: refreshes happened under load.
	if dur >= 2*ttl && check.refreshes < people {
		t.Errorf("only %d refreshes in %s with %s access tokens: the load did not exercise refreshing", check.refreshes, dur, ttl)
	}
	if int64(len(st.Grants)) != grants {
		t.Errorf("the sandbox issued %d grants, the app got %d", len(st.Grants), grants)
	}
	db, err := sql.Open("sqlite", filepath.Join(dataDir, DBFileName))
	if err != nil {
		t.Fatal(err)
	}
	var integrity string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Errorf("the vault's integrity_check after the load: %q %v", integrity, err)
	}
	_ = db.Close()
	if heapEnd > 3*heapWarm {
		t.Errorf("live heap grew from %s MiB after warm-up to %s MiB at the end (more than 3x)", soakMiB(heapWarm), soakMiB(heapEnd))
	}

	t.Logf("signed in %d accounts in %s; %d memory samples; %d connections to the sandbox in TIME_WAIT at the end of the load", people, signInTook.Round(time.Millisecond), samples, timeWait)
	sandboxState := "in memory"
	if os.Getenv(soakSandboxSaves) == "1" {
		sandboxState = "saving its state file"
	}
	summary := fmt.Sprintf("soak: load %s, %d accounts, 2 clinics, %d workers, 2 services, access ttl %s, sandbox %s: %d grants, %.0f req/s, p50 %s ms, p99 %s ms, max %s ms, %d errors, %d refreshes\n"+
		"soak: load memory: heap (live, after GC) start %s / after warm-up %s / end %s MiB, sampled peak %s MiB; RSS start/peak/end %s/%s/%s MiB; sandbox process RSS %s/%s/%s MiB; load average %s before, %s after",
		dur, people, workers, ttl, sandboxState, grants, float64(all.n)/loadTook.Seconds(), soakMS(all.quantile(0.50)), soakMS(all.quantile(0.99)), soakMS(all.max),
		errCount.Load(), check.refreshes,
		soakMiB(heapStart), soakMiB(heapWarm), soakMiB(heapEnd), soakMiB(peakHeap), soakMiB(rssStart), soakMiB(peakRSS), soakMiB(rssEnd),
		soakMiB(peerStart), soakMiB(peakPeer), soakMiB(peerEnd), loadBefore, soakLoadAverage())
	fmt.Println(summary)
	t.Log(summary)
}

type soakPairCheck struct {
	refreshes int // pairs issued by a refresh
	problems  []string
}

// checkSoakPairs reads the sandbox's pairs account by account: a refresh
// token spent twice (two pairs with one predecessor), more than one live
// pair, or a vault that holds anything but the account's one current pair,
// is a problem. vaultToken maps a sandbox user id to the access token the
// vault holds, read after its last use.
func checkSoakPairs(st sandbox.State, vaultToken map[string]string) soakPairCheck {
	var c soakPairCheck
	type chain struct {
		live, current int
		succ          map[string]int
		byAccess      map[string]int
	}
	chains := map[string]*chain{}
	for i, p := range st.Tokens {
		ch := chains[p.UserID]
		if ch == nil {
			ch = &chain{succ: map[string]int{}, byAccess: map[string]int{}}
			chains[p.UserID] = ch
		}
		ch.byAccess[p.AccessToken] = i
		if p.Previous != "" {
			c.refreshes++
			if ch.succ[p.Previous]++; ch.succ[p.Previous] == 2 {
				c.problems = append(c.problems, fmt.Sprintf("user %s: the refresh token of pair %s was spent twice", p.UserID, p.Previous))
			}
		}
		if p.Status == "live" {
			ch.live++
		}
		if p.Status == "live" || p.Status == "expired" {
			ch.current++
		}
	}
	for user, tok := range vaultToken {
		ch := chains[user]
		if ch == nil {
			c.problems = append(c.problems, fmt.Sprintf("user %s: the sandbox has no pair at all", user))
			continue
		}
		if ch.live > 1 {
			c.problems = append(c.problems, fmt.Sprintf("user %s: %d live pairs", user, ch.live))
		}
		if ch.current != 1 {
			c.problems = append(c.problems, fmt.Sprintf("user %s: %d pairs neither rotated nor revoked, want 1", user, ch.current))
		}
		i, ok := ch.byAccess[tok]
		switch {
		case !ok:
			c.problems = append(c.problems, fmt.Sprintf("user %s: the vault's access token is not one the sandbox issued", user))
		case st.Tokens[i].Status != "live" && st.Tokens[i].Status != "expired":
			c.problems = append(c.problems, fmt.Sprintf("user %s: the vault holds a %s pair", user, st.Tokens[i].Status))
		}
	}
	return c
}
