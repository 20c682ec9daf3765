package companion

import (
	"context"
	"sync"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

// benchWorld is newWorld for a benchmark: a sandbox on loopback and one
// signed-in account.
func benchWorld(b *testing.B) (*world, string) {
	w := newWorld(b, sandbox.Config{})
	return w, w.signIn("").ID
}

// A fresh token: the path every Fullscript call takes (store read, unseal,
// no lock, no network).
func BenchmarkAccessTokenFresh(b *testing.B) {
	w, id := benchWorld(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.svc.AccessToken(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// An expired token, asked for by one caller, then by 100 at once: with one
// refresh per account, the second costs about as much as the first (the
// ratio is the point; without the locks it would be ~100x).
func BenchmarkExpiredToken1Caller(b *testing.B)    { benchExpired(b, 1) }
func BenchmarkExpiredToken100Callers(b *testing.B) { benchExpired(b, 100) }

func benchExpired(b *testing.B, callers int) {
	w, id := benchWorld(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		w.advance(3 * time.Hour)
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				if _, err := w.svc.AccessToken(ctx, id); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(w.pairs()-1)/float64(b.N), "refreshes/op")
}

// The baseline for the 100-caller case: 100 callers at once on a fresh
// token (no refresh), so the cost of the crowd itself is known.
func BenchmarkFreshToken100Callers(b *testing.B) {
	w, id := benchWorld(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				if _, err := w.svc.AccessToken(ctx, id); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
}
