package companion

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"fullscript-companion/backend/auth"
	"fullscript-companion/backend/store"
)

// TestHookEnv makes a process stop at a chosen point, so a test can kill it
// there for real. Its one value, HookPauseBeforeCommit, stops a refresh
// after Fullscript's reply and before the new pair is committed.
const (
	TestHookEnv           = "FULLSCRIPT_COMPANION_TEST_HOOK"
	HookPauseBeforeCommit = "pause-before-commit"
)

// AccessToken returns a working access token for the account, refreshing
// it first when it expires within RefreshMargin. Every refresh of one
// account is serialised across goroutines and processes, and the token is
// read again under the lock, so concurrent callers make one refresh.
func (s *Service) AccessToken(ctx context.Context, accountID string) (string, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return "", err
	}
	// Fast path: no lock while the token is fresh.
	t0, gen0, err := st.Tokens(ctx, accountID)
	if err == nil && s.fresh(t0) {
		return t0.AccessToken, nil
	}
	// Callers in this process that find the token stale together wait for
	// one of them (singleflight), instead of queueing on the locks one by
	// one. The shared work must not die with the first caller's context.
	v, err, _ := s.flight.Do(accountID, func() (any, error) {
		return s.accessTokenLocked(context.WithoutCancel(ctx), st, accountID, gen0)
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// accessTokenLocked is AccessToken's slow path, under the account's locks.
func (s *Service) accessTokenLocked(ctx context.Context, st *store.Store, accountID string, gen0 int64) (string, error) {
	var access string
	err := s.withAccountLock(ctx, accountID, func() error {
		t, gen, err := s.tokensFor(ctx, st, accountID)
		if err != nil {
			return err
		}
		// Another process refreshed while we waited: theirs is the one to
		// use, even if it is short-lived, or every waiter would refresh again.
		if s.fresh(t) || (gen != gen0 && s.now().Before(t.AccessExpiresAt)) {
			access = t.AccessToken
			return nil
		}
		nt, err := s.refreshLocked(ctx, st, accountID, t, gen)
		if err == nil {
			s.stats.pathRefreshes.Add(1)
		}
		access = nt.AccessToken
		return err
	})
	return access, err
}

// Refresh refreshes the account now, whatever its token's age.
func (s *Service) Refresh(ctx context.Context, accountID string) (AccountInfo, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return AccountInfo{}, err
	}
	err = s.withAccountLock(ctx, accountID, func() error {
		t, gen, err := s.tokensFor(ctx, st, accountID)
		if err != nil {
			return err
		}
		_, err = s.refreshLocked(ctx, st, accountID, t, gen)
		return err
	})
	if err != nil {
		return AccountInfo{}, err
	}
	return s.account(ctx, accountID)
}

// accessAfterUnauthorized is for a 401 on an API call: refresh once, unless
// another caller already replaced the rejected token.
func (s *Service) accessAfterUnauthorized(ctx context.Context, accountID, rejected string) (string, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return "", err
	}
	var access string
	err = s.withAccountLock(ctx, accountID, func() error {
		t, gen, err := s.tokensFor(ctx, st, accountID)
		if err != nil {
			return err
		}
		if t.AccessToken != rejected {
			access = t.AccessToken
			return nil
		}
		nt, err := s.refreshLocked(ctx, st, accountID, t, gen)
		access = nt.AccessToken
		return err
	})
	return access, err
}

// fresh: the access token outlives the refresh margin, which is
// RefreshMargin, or a quarter of the token's life for short-lived ones.
func (s *Service) fresh(t store.Tokens) bool {
	return s.now().Add(refreshMargin(t.IssuedAt, t.AccessExpiresAt)).Before(t.AccessExpiresAt)
}

func refreshMargin(issued, expires time.Time) time.Duration {
	if life := expires.Sub(issued); life > 0 && life/4 < RefreshMargin {
		return life / 4
	}
	return RefreshMargin
}

// defaultAccessLife is Fullscript's documented lifetime, for a reply
// without expires_in.
const defaultAccessLife = 2 * time.Hour

// storedTokens dates a token reply by this machine's clock: the lifetime
// comes from Fullscript, the start from when the reply arrived, so a clock
// that is off does not make every token look expired (or never expiring).
func (s *Service) storedTokens(tok *auth.Token) store.Tokens {
	life := defaultAccessLife
	if !tok.Expiry.IsZero() && !tok.CreatedAt.IsZero() && tok.Expiry.After(tok.CreatedAt) {
		life = tok.Expiry.Sub(tok.CreatedAt)
	}
	now := s.now()
	return store.Tokens{
		AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: tok.TokenType,
		Scope: tok.Scope, IssuedAt: now, AccessExpiresAt: now.Add(life),
	}
}

// tokensFor reads an account's tokens, saying plainly when it has none.
func (s *Service) tokensFor(ctx context.Context, st *store.Store, accountID string) (store.Tokens, int64, error) {
	t, gen, err := st.Tokens(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		a, aerr := s.account(ctx, accountID)
		if aerr != nil {
			return t, 0, aerr
		}
		return t, 0, s.needsSignIn(a)
	}
	if errors.Is(err, store.ErrUnreadable) {
		a, aerr := s.account(ctx, accountID)
		if aerr != nil {
			return t, 0, aerr
		}
		return t, 0, &Problem{
			What: a.Name() + "'s saved sign-in cannot be read: it was sealed with another key, or is damaged.",
			Fix:  "Sign out of it (this removes it here; nothing else is lost), then sign in again.",
			Err:  fmt.Errorf("%w: %w", ErrNeedsSignIn, err),
		}
	}
	if err != nil {
		return t, 0, fmt.Errorf("read tokens: %w", err)
	}
	return t, gen, nil
}

func (s *Service) needsSignIn(a AccountInfo) error {
	return &Problem{
		What: a.Name() + " needs to sign in again.",
		Fix:  "Sign in again: fullscript-companion login --env " + a.Env + " (or Add account in the window).",
		Err:  ErrNeedsSignIn,
	}
}

// refreshLocked spends the refresh token and commits the new pair before
// anyone uses it: Fullscript keeps the old refresh token valid until the
// new access token's first use, so a crash before the commit loses nothing
// (the next run refreshes with the old token again). The caller holds the
// account lock.
func (s *Service) refreshLocked(ctx context.Context, st *store.Store, accountID string, t store.Tokens, gen int64) (store.Tokens, error) {
	a, err := s.account(ctx, accountID)
	if err != nil {
		return store.Tokens{}, err
	}
	conn, err := s.connection(ctx, a.Env, ConnectionOverrides{})
	if err != nil {
		return store.Tokens{}, err
	}
	if err := checkIssuer(a.Name(), a.Env, t.Issuer, conn); err != nil {
		return store.Tokens{}, err
	}
	tok, err := auth.Refresh(ctx, conn.authConfig(s.http, s), t.RefreshToken)
	if errors.Is(err, auth.ErrInvalidGrant) {
		reason := "Fullscript no longer accepts this sign-in (it was revoked, or replaced elsewhere)."
		if merr := st.MarkNeedsSignIn(ctx, accountID, reason); merr != nil {
			return store.Tokens{}, fmt.Errorf("mark account as needing sign-in: %w", merr)
		}
		s.log.Warn("refresh refused: account needs sign-in", "account", accountID)
		return store.Tokens{}, s.needsSignIn(a)
	}
	if err != nil {
		return store.Tokens{}, s.networkProblem("refresh "+a.Name()+"'s sign-in", err)
	}
	if s.hook == HookPauseBeforeCommit {
		fmt.Fprintln(os.Stderr, "test hook: paused before commit")
		<-ctx.Done()
		return store.Tokens{}, ctx.Err()
	}
	nt := s.storedTokens(tok)
	nt.Issuer = conn.issuer() // binds a pair stored before issuers were kept
	if err := st.SaveRefreshed(ctx, accountID, gen, nt, s.now()); err != nil {
		// Under the lock nobody else writes; a conflict means a process
		// that ignores the lock (an older version). Nothing is lost: the
		// other pair is stored, and ours was never used.
		return store.Tokens{}, fmt.Errorf("save refreshed tokens: %w", err)
	}
	s.log.Info("refreshed", "account", accountID, "access_expires_at", nt.AccessExpiresAt)
	return nt, nil
}

// networkProblem explains a failed call to Fullscript. A Problem already
// explains itself (a sign-in that is no longer accepted, say).
func (s *Service) networkProblem(doing string, err error) error {
	if p := (*Problem)(nil); errors.As(err, &p) {
		return err
	}
	if p := transportProblem("so the app could not "+doing+".", "try again", err); p != nil {
		return p
	}
	return &Problem{What: "The app could not " + doing + ".", Fix: "Try again. If it keeps happening, the details help support.", Err: err}
}
