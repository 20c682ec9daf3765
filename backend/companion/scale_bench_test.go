package companion

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
	"fullscript-companion/backend/store"
)

// scaleAccounts is the vault size of the scale benchmarks (issue 12).
const scaleAccounts = 10_000

// scaleWorld is a world whose vault holds scaleAccounts accounts: one
// signed in at the sandbox for real (returned), the rest stored directly,
// as many sign-ins over the years would leave them.
func scaleWorld(b *testing.B) (*world, string) {
	b.Helper()
	w := newWorld(b, sandbox.Config{})
	real := w.signIn("").ID
	st, err := w.svc.ready(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	iss, err := st.TokenIssuer(context.Background(), real)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	for i := 1; i < scaleAccounts; i++ {
		_, err := st.SaveSignIn(context.Background(), store.Account{
			Environment: "local", ClinicID: fmt.Sprintf("clinic-%d", i%40), ClinicName: fmt.Sprintf("Clinic %02d", i%40),
			UserID: fmt.Sprintf("user-%d", i), UserType: "Practitioner", UserName: fmt.Sprintf("Dr. %d", i),
		}, store.Tokens{AccessToken: fmt.Sprintf("access-%d", i), RefreshToken: fmt.Sprintf("refresh-%d", i), TokenType: "Bearer",
			Scope: "clinic:read", IssuedAt: now, AccessExpiresAt: now.Add(2 * time.Hour), Issuer: iss})
		if err != nil {
			b.Fatal(err)
		}
	}
	return w, real
}

// Opening a vault of 10,000 accounts (key, database, migrations checked:
// all up to date) beside opening one with none.
func BenchmarkVaultOpen10k(b *testing.B)   { benchOpen(b, true) }
func BenchmarkVaultOpenEmpty(b *testing.B) { benchOpen(b, false) }

func benchOpen(b *testing.B, full bool) {
	var w *world
	if full {
		w, _ = scaleWorld(b)
	} else {
		w = newWorld(b, sandbox.Config{})
	}
	w.svc.Shutdown(context.Background())
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		s := New(Options{DataDir: w.dataDir, KeyringOff: true, Platform: Platform{GOOS: "linux", Getenv: func(string) string { return "" }}})
		if err := s.Start(ctx); err != nil {
			b.Fatal(err)
		}
		s.Shutdown(ctx)
	}
}

// The offline account list of 10,000 accounts (target: under 20 ms), as a
// command sees it (a new process: every pair checked once) and as the
// window sees it after its first listing.
func BenchmarkAccounts10kFirstListing(b *testing.B) {
	w, _ := scaleWorld(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s := w.newService()
		b.StartTimer()
		r, err := s.Accounts(ctx)
		if err != nil || len(r.Accounts) != scaleAccounts {
			b.Fatalf("%d accounts, %v", len(r.Accounts), err)
		}
		b.StopTimer()
		s.Shutdown(ctx)
		b.StartTimer()
	}
}

func BenchmarkAccounts10kListing(b *testing.B) {
	w, _ := scaleWorld(b)
	ctx := context.Background()
	if _, err := w.svc.Accounts(ctx); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if r, err := w.svc.Accounts(ctx); err != nil || len(r.Accounts) != scaleAccounts {
			b.Fatalf("%d accounts, %v", len(r.Accounts), err)
		}
	}
}

// A token lookup among 10,000 accounts, beside the same in a vault of one
// (BenchmarkAccessTokenFresh).
func BenchmarkAccessToken10k(b *testing.B) {
	w, id := scaleWorld(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := w.svc.AccessToken(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// One refresh among 10,000 accounts, beside the same in a vault of one.
func BenchmarkRefresh10k(b *testing.B) { benchRefresh(b, true) }
func BenchmarkRefresh1(b *testing.B)   { benchRefresh(b, false) }

func benchRefresh(b *testing.B, full bool) {
	var (
		w  *world
		id string
	)
	if full {
		w, id = scaleWorld(b)
	} else {
		w, id = benchWorld(b)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := w.svc.Refresh(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// crowdEnv makes the test binary a crowd: 50 concurrent token requests on
// one account of the vault named, with its clock moved past the token's
// expiry. Two such processes at once must make exactly one refresh.
const crowdEnv = "FSC_BENCH_CROWD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crowdEnv); dir != "" {
		os.Exit(runCrowd(dir))
	}
	os.Exit(m.Run())
}

func runCrowd(dir string) int {
	offset, _ := time.ParseDuration(os.Getenv(crowdEnv + "_AHEAD"))
	s := New(Options{DataDir: dir, KeyringOff: true, Now: func() time.Time { return time.Now().Add(offset) },
		Platform: Platform{GOOS: "linux", Getenv: os.Getenv, HomeDir: func() (string, error) { return "/nonexistent", nil }}})
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Shutdown(ctx)
	id := os.Getenv(crowdEnv + "_ACCOUNT")
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := s.AccessToken(ctx, id); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// 100 concurrent token requests for one expired account, 50 in each of two
// processes, on the 10,000-account vault: exactly one refresh per op.
func BenchmarkExpiredToken2Processes100Callers(b *testing.B) {
	w, id := scaleWorld(b)
	w.svc.Shutdown(context.Background())
	before := w.pairs()
	ahead := time.Duration(0)
	for b.Loop() {
		ahead += 3 * time.Hour // past the newest token's expiry, as each round sees it
		var wg sync.WaitGroup
		for range 2 {
			cmd := exec.Command(os.Args[0], "-test.run", "^$")
			cmd.Env = append(os.Environ(), crowdEnv+"="+filepath.Clean(w.dataDir), crowdEnv+"_ACCOUNT="+id,
				crowdEnv+"_AHEAD="+ahead.String(), EnvVarSandboxURL+"="+w.base)
			wg.Go(func() {
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Errorf("crowd process: %v\n%s", err, out)
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(w.pairs()-before)/float64(b.N), "refreshes/op")
	b.ReportMetric(float64(2), "processes")
}
