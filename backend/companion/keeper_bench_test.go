package companion

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

// Grants across token lifetimes, on the real clock, with 1-second access
// tokens (so a one-second benchmark crosses at least one): with the keeper
// running, no grant waits for a refresh; without it, the grants that fall
// in the refresh margin do (issue 11's benchmark; issue 12's "no refresh on
// the path").
func BenchmarkGrantsAcrossLifetimesWithKeeper(b *testing.B)    { benchLifetimes(b, true) }
func BenchmarkGrantsAcrossLifetimesWithoutKeeper(b *testing.B) { benchLifetimes(b, false) }

func benchLifetimes(b *testing.B, keeper bool) {
	w := newWorld(b, sandbox.Config{AccessTTL: time.Second})
	w.svc.Shutdown(context.Background())
	s := New(Options{DataDir: w.dataDir, KeyringOff: true, Logger: slog.New(slog.DiscardHandler),
		Platform: Platform{GOOS: "linux", Getenv: func(k string) string { return w.env[k] }, HomeDir: func() (string, error) { return "/nonexistent", nil }}})
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	s.keeperTimes = keeperTimes{nap: 10 * time.Millisecond, backoffMin: 100 * time.Millisecond}
	w.svc = s
	a := w.signIn("")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if keeper {
		go s.RunKeeper(ctx)
	}
	var lat []time.Duration
	start := time.Now()
	for b.Loop() {
		t0 := time.Now()
		if _, err := s.NewSessionGrant(context.Background(), a.ID); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	b.ReportMetric(float64(s.stats.pathRefreshes.Load()), "path-refreshes")
	b.ReportMetric(elapsed.Seconds(), "lifetimes")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
}
