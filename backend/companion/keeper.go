package companion

import (
	"context"
	"errors"
	"hash/fnv"
	"sync/atomic"
	"time"

	"fullscript-companion/backend/auth"
	"fullscript-companion/backend/fullscript"
	"fullscript-companion/backend/store"
)

// The keeper refreshes each account's token ahead of its expiry while the
// window runs, so a session grant never waits for a refresh: the request
// path refreshes within the refresh margin, the keeper at twice the margin
// (less a random part of it, so many accounts do not refresh together).
// It refreshes through the same locked, committed path (refreshLocked), so
// with a CLI command or a second window at work, one refresh still happens.

const (
	// keeperLockName: one keeper per data folder, across processes.
	keeperLockName = "keeper.lock"
	// keeperNap is the longest the keeper sleeps between looks: a new
	// account, or another process's refresh, is seen within it.
	keeperNap = time.Minute
	// keeperBackoffMin and keeperBackoffMax bound the wait after Fullscript
	// could not be reached or was having trouble.
	keeperBackoffMin = 30 * time.Second
	keeperBackoffMax = 10 * time.Minute
)

// keeperStats counts refreshes by who made them; tests and benchmarks read
// them to show the request path made none while the keeper ran.
type keeperStats struct {
	pathRefreshes   atomic.Int64 // refreshes made on a caller's request path
	keeperRefreshes atomic.Int64
}

// RunKeeper keeps every account's token fresh until ctx ends. Only one
// process per data folder keeps: the others wait for the lock (a window
// that closes hands over to the next). Accounts that need sign-in, or whose
// tokens cannot be read, are left alone.
func (s *Service) RunKeeper(ctx context.Context) {
	nap := s.keeperTiming().nap
	sleep := func(d time.Duration) bool { return sleepCtx(ctx, d) }
	release, ok := s.holdFolderLock(ctx, keeperLockName, nap, "keeper")
	if !ok {
		return
	}
	defer release()
	s.log.Info("keeper: keeping tokens fresh")
	waits := map[string]keeperWait{}
	for {
		if !sleep(s.keepRound(ctx, waits)) {
			s.log.Info("keeper: stopped")
			return
		}
	}
}

// keeperWait is one account's back-off after a failed refresh: one
// account's trouble (its environment down, a rotated client secret) must
// not hold back the others.
type keeperWait struct {
	until   time.Time
	backoff time.Duration
}

// keepRound refreshes what is due and says how long to sleep.
func (s *Service) keepRound(ctx context.Context, waits map[string]keeperWait) time.Duration {
	kt := s.keeperTiming()
	st, err := s.ready(ctx)
	if err != nil {
		return kt.nap
	}
	views, err := st.Accounts(ctx)
	if err != nil {
		s.log.Warn("keeper: list accounts", "err", err)
		return kt.nap
	}
	now := s.now()
	next := kt.nap
	for _, v := range views {
		if ctx.Err() != nil {
			return 0
		}
		if v.Status == store.StatusNeedsSignIn || !v.Token.Present {
			continue
		}
		// Backing off after a failure (in real time: the waits are real).
		if w, ok := waits[v.ID]; ok {
			if left := time.Until(w.until); left > 0 {
				next = min(next, left)
				continue
			}
		}
		due := keeperDue(v.ID, v.Token.IssuedAt, v.Token.AccessExpiresAt)
		if wait := due.Sub(now); wait > 0 {
			next = min(next, wait)
			continue
		}
		err := s.keepFresh(ctx, st, v.ID)
		switch {
		case err == nil:
			delete(waits, v.ID)
			// The new token's own due time is looked at in the next round.
			next = min(next, time.Second)
		case errors.Is(err, ErrNeedsSignIn), errors.Is(err, store.ErrUnreadable), errors.Is(err, ErrUsage):
			// Marked, unreadable, or set to another server: not the
			// keeper's to retry; the account says so where it is listed.
			s.log.Info("keeper: leaving an account alone", "account", v.ID, "err", err)
			waits[v.ID] = keeperWait{until: time.Now().Add(keeperBackoffMax), backoff: keeperBackoffMax}
		default:
			b := nextBackoff(waits[v.ID].backoff, err, kt.backoffMin)
			waits[v.ID] = keeperWait{until: time.Now().Add(b), backoff: b}
			s.log.Info("keeper: refresh failed; waiting", "account", v.ID, "wait", b, "err", err)
			next = min(next, b)
		}
	}
	return max(next, 10*time.Millisecond)
}

// keeperDue is when the keeper refreshes an account's token: twice the
// request path's margin before expiry, less up to half a margin of jitter.
// The jitter is a hash of the account and the token's issue time, so it
// spreads accounts out and stays put from one round to the next (drawn
// anew each round, the earliest draw would win, and every account would
// refresh near the start of the window).
func keeperDue(accountID string, issued, expires time.Time) time.Time {
	m := refreshMargin(issued, expires)
	h := fnv.New64a()
	h.Write([]byte(accountID))
	h.Write([]byte(issued.UTC().Format(time.RFC3339Nano)))
	jitter := time.Duration(h.Sum64() % uint64(m/2+1))
	return expires.Add(-2*m - jitter)
}

// nextBackoff doubles the wait after a failure, from first (30 s) to 10
// min, or takes Fullscript's Retry-After when it gave one.
func nextBackoff(prev time.Duration, err error, first time.Duration) time.Duration {
	if d, ok := retryAfterOf(err); ok && d > 0 {
		return min(d, keeperBackoffMax)
	}
	if prev == 0 {
		return first
	}
	return min(prev*2, keeperBackoffMax)
}

// retryAfterOf is the Retry-After of a 429 from the token endpoint or the API.
func retryAfterOf(err error) (time.Duration, bool) {
	var te *auth.TokenError
	if errors.As(err, &te) && te.RetryAfter > 0 {
		return te.RetryAfter, true
	}
	return fullscript.IsRateLimited(err)
}

// keeperTimes are the keeper's waits; tests shorten them.
type keeperTimes struct{ nap, backoffMin time.Duration }

func (s *Service) keeperTiming() keeperTimes {
	t := s.keeperTimes
	if t.nap <= 0 {
		t.nap = keeperNap
	}
	if t.backoffMin <= 0 {
		t.backoffMin = keeperBackoffMin
	}
	return t
}

// keepFresh refreshes the account unless, under its lock, its token turns
// out to have been refreshed already (by another process, or the request
// path) and is no longer due.
func (s *Service) keepFresh(ctx context.Context, st *store.Store, accountID string) error {
	return s.withAccountLock(ctx, accountID, func() error {
		t, gen, err := s.tokensFor(ctx, st, accountID)
		if err != nil {
			return err
		}
		// Refreshed meanwhile: the new token is not due for a while.
		m := refreshMargin(t.IssuedAt, t.AccessExpiresAt)
		if t.AccessExpiresAt.Sub(s.now()) > 2*m+m/2 {
			return nil
		}
		if _, err := s.refreshLocked(ctx, st, accountID, t, gen); err != nil {
			return err
		}
		s.stats.keeperRefreshes.Add(1)
		return nil
	})
}
