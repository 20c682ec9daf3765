package companion

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The session grant path, bound call to grant, against a bare POST of the
// same request from the same process (issue 12: at most 1.10x). The app's
// path adds the account, its connection, the issuer check and the token
// read to one HTTP round trip.
func BenchmarkSessionGrant(b *testing.B) {
	w, id := benchWorld(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.svc.NewSessionGrant(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionGrantBarePOST is the baseline: the same request, a plain
// http.Client, the token already in hand.
func BenchmarkSessionGrantBarePOST(b *testing.B) {
	w, id := benchWorld(b)
	ctx := context.Background()
	access, err := w.svc.AccessToken(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	url := w.base + "/api/clinic/embeddable/session_grants"
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+access)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode/100 != 2 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}

// BenchmarkSessionGrantExpiring: the token is inside its refresh margin at
// every grant, so (with no keeper refreshing ahead) each grant waits for a
// refresh: the cost a keeper removes.
func BenchmarkSessionGrantExpiring(b *testing.B) {
	w, id := benchWorld(b)
	ctx := context.Background()
	before := w.pairs()
	b.ReportAllocs()
	for b.Loop() {
		w.advance(2*time.Hour - 2*time.Minute) // inside the 5-minute margin of the newest token
		if _, err := w.svc.NewSessionGrant(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(w.pairs()-before)/float64(b.N), "refreshes/op")
}
