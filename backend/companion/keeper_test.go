package companion

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

// fastKeeper shortens the keeper's waits, for a test.
func fastKeeper(s *Service) *Service {
	s.keeperTimes = keeperTimes{nap: 20 * time.Millisecond, backoffMin: 100 * time.Millisecond}
	return s
}

// runKeeper runs s's keeper until the test ends, and says when it stopped.
func runKeeper(t *testing.T, s *Service) (stop func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.RunKeeper(ctx)
		close(done)
	}()
	stopped := false
	stop = func() bool {
		if !stopped {
			cancel()
			select {
			case <-done:
				stopped = true
			case <-time.After(5 * time.Second):
			}
		}
		return stopped
	}
	t.Cleanup(func() { stop() })
	return stop
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The keeper refreshes ahead of the request path's margin, so a grant at
// the moment the path would have refreshed finds a fresh token; accounts
// that need sign-in are left alone; it stops when told.
func TestKeeperRefreshesAheadOfThePath(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	b := w.signIn("ben.okafor@example.com")
	st, _ := w.svc.ready(context.Background())
	if err := st.MarkNeedsSignIn(context.Background(), b.ID, "test"); err != nil {
		t.Fatal(err)
	}
	before := w.pairs()
	stop := runKeeper(t, fastKeeper(w.svc))

	// Not yet due: nothing happens.
	time.Sleep(100 * time.Millisecond)
	if got := w.pairs() - before; got != 0 {
		t.Fatalf("%d refreshes before any token was due", got)
	}
	// 2 h tokens: the keeper's due time is 10 to 12.5 minutes before expiry.
	w.advance(2*time.Hour - 13*time.Minute)
	time.Sleep(100 * time.Millisecond)
	if got := w.pairs() - before; got != 0 {
		t.Fatalf("%d refreshes 13 minutes before expiry", got)
	}
	w.advance(3 * time.Minute)
	waitUntil(t, "the keeper's refresh", func() bool { return w.pairs()-before == 1 })

	// Where the path would refresh (inside its 5-minute margin of the old
	// token), it finds the keeper's token fresh.
	w.advance(6 * time.Minute)
	if _, err := w.svc.NewSessionGrant(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	if n := w.svc.stats.pathRefreshes.Load(); n != 0 {
		t.Errorf("%d refreshes on the request path with the keeper running", n)
	}
	time.Sleep(100 * time.Millisecond)
	if got := w.pairs() - before; got != 1 {
		t.Errorf("%d refreshes in all, want 1 (the needs-sign-in account is left alone)", got)
	}
	if got, _ := w.svc.account(context.Background(), b.ID); got.Status != StatusNeedsSignIn {
		t.Errorf("the needs-sign-in account: %s", got.Status)
	}
	if !stop() {
		t.Error("the keeper did not stop within 5 s of being told")
	}
}

// Offline, the keeper waits and tries again; when Fullscript is back, the
// token is refreshed, and the account was never marked.
func TestKeeperWaitsWhileOffline(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	before := w.pairs()
	w.stopSandbox()
	runKeeper(t, fastKeeper(w.svc))
	w.advance(2*time.Hour - 9*time.Minute)
	time.Sleep(300 * time.Millisecond) // a few failed rounds, backing off
	if got, _ := w.svc.account(context.Background(), a.ID); got.Status == StatusNeedsSignIn {
		t.Fatal("offline made the account need sign-in")
	}
	w.startSandbox()
	waitUntil(t, "the refresh once the sandbox is back", func() bool { return w.pairs()-before == 1 })
}

// Two windows (or a window and a second keeper) on one data folder: one
// keeps, and a due token is refreshed once.
func TestOneKeeperPerDataFolder(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	w.signIn("")
	other := w.newService()
	before := w.pairs()
	runKeeper(t, fastKeeper(w.svc))
	runKeeper(t, fastKeeper(other))
	w.advance(2*time.Hour - 9*time.Minute)
	waitUntil(t, "a refresh", func() bool { return w.pairs()-before >= 1 })
	time.Sleep(300 * time.Millisecond)
	if got := w.pairs() - before; got != 1 {
		t.Errorf("%d refreshes by two keepers, want 1", got)
	}
	if k1, k2 := w.svc.stats.keeperRefreshes.Load(), other.stats.keeperRefreshes.Load(); k1+k2 != 1 || (k1 != 0 && k2 != 0) {
		t.Errorf("keeper refreshes %d and %d: want one keeper, one refresh", k1, k2)
	}
	// The second waits for the lock: only one says it keeps.
	if n := strings.Count(w.log.String(), "keeper: keeping tokens fresh"); n != 1 {
		t.Errorf("%d keepers started keeping, want 1", n)
	}
}

func TestNextBackoff(t *testing.T) {
	tests := []struct {
		prev, want time.Duration
	}{{0, 30 * time.Second}, {30 * time.Second, time.Minute}, {8 * time.Minute, 10 * time.Minute}, {10 * time.Minute, 10 * time.Minute}}
	for _, tt := range tests {
		if got := nextBackoff(tt.prev, context.DeadlineExceeded, keeperBackoffMin); got != tt.want {
			t.Errorf("nextBackoff(%v) = %v, want %v", tt.prev, got, tt.want)
		}
	}
}

// A lock file that cannot be opened makes the keeper wait, not spin (found
// by a review: it took a whole CPU for the life of the window).
func TestKeeperDoesNotSpinOnABrokenLock(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	w.signIn("")
	if err := os.Mkdir(filepath.Join(w.dataDir, keeperLockName), 0o700); err != nil {
		t.Fatal(err)
	}
	stop := runKeeper(t, fastKeeper(w.svc))
	time.Sleep(300 * time.Millisecond)
	stop()
	if n := strings.Count(w.log.String(), "keeper: cannot take its lock"); n == 0 || n > 30 {
		t.Errorf("%d attempts on the lock in 300 ms with a 20 ms nap: want a few, not a spin", n)
	}
}

// The keeper's due time is the same every round for one token, lies in
// the window (2 to 2.5 margins before expiry), and differs between accounts.
func TestKeeperDueIsStableAndSpread(t *testing.T) {
	issued := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	expires := issued.Add(2 * time.Hour)
	seen := map[time.Time]bool{}
	for i := range 20 {
		id := fmt.Sprintf("account-%d", i)
		due := keeperDue(id, issued, expires)
		if due != keeperDue(id, issued, expires) {
			t.Fatalf("%s: due time changed between two rounds", id)
		}
		if left := expires.Sub(due); left < 10*time.Minute || left > 12*time.Minute+30*time.Second {
			t.Errorf("%s: due %v before expiry, want 10 to 12.5 minutes", id, left)
		}
		seen[due] = true
	}
	if len(seen) < 10 {
		t.Errorf("20 accounts share %d due times: not spread", len(seen))
	}
}
