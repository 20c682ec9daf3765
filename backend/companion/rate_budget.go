package companion

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fullscript allows 5,000 requests per rolling 5 minutes (reference 3.1;
// whether per app or per token is unconfirmed, so the app budgets for the
// stricter: all clinics together). Every request the app's HTTP client sends counts
// (the window's own calls too); background polling keeps a reserve free
// for them, so a practitioner's search never waits behind a poll.
const (
	rateLimit   = 5000
	rateWindow  = 5 * time.Minute
	rateReserve = 500
)

// rateBudget counts requests in a rolling window and holds background work
// while Fullscript has asked the app to wait (a 429's Retry-After). One per
// Service: every clinic's polling shares it.
type rateBudget struct {
	limit, reserve int
	window         time.Duration
	now            func() time.Time

	mu        sync.Mutex
	sent      []time.Time // oldest first, within window
	heldUntil time.Time
}

func newRateBudget() *rateBudget {
	return &rateBudget{limit: rateLimit, reserve: rateReserve, window: rateWindow, now: time.Now}
}

// record counts one request sent now.
func (b *rateBudget) record() {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.prune(now)
	b.sent = append(b.sent, now)
}

// hold stops background requests until t.
func (b *rateBudget) hold(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.After(b.heldUntil) {
		b.heldUntil = t
	}
}

// held is when background requests may go again, if Fullscript asked to wait.
func (b *rateBudget) held() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.heldUntil, b.heldUntil.After(b.now())
}

func (b *rateBudget) prune(now time.Time) {
	cut := now.Add(-b.window)
	i := 0
	for i < len(b.sent) && !b.sent[i].After(cut) {
		i++
	}
	b.sent = b.sent[i:]
}

// backgroundWait is how long a background request must wait: 0 to go now.
func (b *rateBudget) backgroundWait() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if b.heldUntil.After(now) {
		return b.heldUntil.Sub(now)
	}
	b.prune(now)
	room := b.limit - b.reserve
	if len(b.sent) < room {
		return 0
	}
	// The request that frees a slot is the (len-room)th oldest.
	return b.sent[len(b.sent)-room].Add(b.window).Sub(now)
}

// take waits for room for one background request, up to maxWait; false
// when the wait would be longer (the poll stops and tries next round).
func (b *rateBudget) take(ctx context.Context, maxWait time.Duration) bool {
	for {
		d := b.backgroundWait()
		if d <= 0 {
			return true
		}
		if d > maxWait {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(d):
		}
	}
}

// transport counts every request through next and takes a 429's
// Retry-After as an order to hold background work.
func (b *rateBudget) transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return budgetTransport{b: b, next: next}
}

type budgetTransport struct {
	b    *rateBudget
	next http.RoundTripper
}

func (t budgetTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.b.record()
	res, err := t.next.RoundTrip(r)
	if err == nil && res.StatusCode == http.StatusTooManyRequests {
		t.b.hold(t.b.now().Add(retryAfterHeader(res.Header.Get("Retry-After"))))
	}
	return res, err
}

// retryAfterHeader reads Retry-After (seconds or an HTTP date); a 429
// without one waits a minute.
func retryAfterHeader(v string) time.Duration {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		// Clamped before multiplying: a huge value must not overflow into no wait.
		return time.Duration(min(n, 3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), time.Hour)
	}
	return time.Minute
}
