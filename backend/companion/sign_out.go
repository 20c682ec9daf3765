package companion

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fullscript-companion/backend/auth"
	"fullscript-companion/backend/store"
)

// SignOutResult says what happened at Fullscript.
type SignOutResult struct {
	Account AccountInfo `json:"account"`
	Revoked bool        `json:"revoked"` // Fullscript revoked the sign-in now
	Queued  bool        `json:"queued"`  // it will be revoked when Fullscript can be reached
	// Unreadable: its saved sign-in could not be unsealed, so there was
	// nothing to send Fullscript; the account was removed all the same.
	Unreadable bool `json:"unreadable,omitempty"`
	// HistoryRemoved: the account's History went with it, as asked.
	HistoryRemoved bool `json:"historyRemoved,omitempty"`
}

// SignOutAndForget signs out (as SignOut) and then deletes what History
// keeps of the person: "Remove the account and its history". A plain
// sign-out keeps it, named, readable offline.
func (s *Service) SignOutAndForget(ctx context.Context, accountID string) (SignOutResult, error) {
	res, err := s.SignOut(ctx, accountID)
	if err != nil {
		return res, err
	}
	st, err := s.ready(ctx)
	if err == nil {
		err = st.ForgetHistory(ctx, res.Account.Env, res.Account.ClinicID, res.Account.UserID)
	}
	if err != nil {
		return res, &Problem{What: "Signed out, but the account's history could not be removed.",
			Fix: "Sign in to the account again, then sign out with \"Remove the account and its history\" ticked.", Err: err}
	}
	res.HistoryRemoved = true
	s.log.Info("history removed with its account", "account", accountID)
	return res, nil
}

// revokeTimeout bounds the online attempt: signing out must not hang
// when the network does.
const revokeTimeout = 10 * time.Second

// SignOut revokes the account's sign-in at Fullscript, then deletes its
// tokens and the account (its audit history stays). When Fullscript cannot
// be reached it deletes locally at once and queues the revocation, which
// SendPendingSignOuts delivers later.
func (s *Service) SignOut(ctx context.Context, accountID string) (SignOutResult, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return SignOutResult{}, err
	}
	a, err := s.account(ctx, accountID)
	if err != nil {
		return SignOutResult{}, err
	}
	res := SignOutResult{Account: a}
	err = s.withAccountLock(ctx, accountID, func() error {
		t, _, err := st.Tokens(ctx, accountID)
		if errors.Is(err, store.ErrNotFound) {
			// Already dead at Fullscript (needs sign-in): nothing to revoke.
			return st.RemoveAccount(ctx, accountID, nil)
		}
		if errors.Is(err, store.ErrUnreadable) {
			// Sealed with another key, or damaged: nothing that can be read
			// to revoke. Keeping the account would not make it readable.
			s.log.Warn("signing out an account whose tokens cannot be read", "account", accountID)
			res.Unreadable = true
			return st.RemoveAccount(ctx, accountID, nil)
		}
		if err != nil {
			return fmt.Errorf("read tokens: %w", err)
		}
		rerr := s.revokeOnline(ctx, a, t)
		if rerr == nil {
			res.Revoked = true
			if err := st.RecordRevoked(ctx, accountID); err != nil {
				s.log.Warn("record revocation", "err", err)
			}
			return st.RemoveAccount(ctx, accountID, nil)
		}
		s.log.Info("revocation queued", "account", accountID, "reason", rerr)
		res.Queued = true
		// The refresh token is the lasting credential; the access token
		// expires by itself within Fullscript's 2 hours.
		return st.RemoveAccount(ctx, accountID, &store.Revocation{Token: t.RefreshToken, Issuer: t.Issuer})
	})
	if err != nil {
		return SignOutResult{}, fmt.Errorf("sign out: %w", err)
	}
	go s.backUpQuietly(context.Background()) // the accounts changed
	return res, nil
}

// revokeOnline revokes the refresh token, then the access token (Fullscript
// does not say whether one takes the other with it).
func (s *Service) revokeOnline(ctx context.Context, a AccountInfo, t store.Tokens) error {
	ctx, cancel := context.WithTimeout(ctx, revokeTimeout)
	defer cancel()
	conn, err := s.connection(ctx, a.Env, ConnectionOverrides{})
	if err != nil {
		return err
	}
	if err := checkIssuer(a.Name(), a.Env, t.Issuer, conn); err != nil {
		return err
	}
	cfg := conn.authConfig(s.http, s)
	if err := auth.Revoke(ctx, cfg, t.RefreshToken); err != nil {
		return fmt.Errorf("revoke refresh token: %w", err)
	}
	if err := auth.Revoke(ctx, cfg, t.AccessToken); err != nil {
		// The pair is already dead at Fullscript if the first call did it;
		// either way the access token expires within 2 hours.
		s.log.Warn("revoke access token", "err", err)
	}
	return nil
}

// SendPendingSignOuts delivers queued revocations whose time has come. It
// reports how many were sent and how many still wait.
func (s *Service) SendPendingSignOuts(ctx context.Context) (sent, waiting int, err error) {
	st, err := s.ready(ctx)
	if err != nil {
		return 0, 0, err
	}
	pending, err := st.PendingRevocations(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("list pending sign-outs: %w", err)
	}
	now := s.now()
	for _, r := range pending {
		if r.NextAttemptAt.After(now) {
			waiting++
			continue
		}
		if rerr := s.revokeQueued(ctx, r); rerr != nil {
			waiting++
			next := now.Add(retryDelay(r.Attempts + 1))
			if err := st.RevocationFailed(ctx, r.ID, rerr.Error(), next); err != nil {
				return sent, waiting, fmt.Errorf("note failed sign-out: %w", err)
			}
			continue
		}
		if err := st.RevocationSent(ctx, r.ID); err != nil {
			return sent, waiting, fmt.Errorf("note sent sign-out: %w", err)
		}
		sent++
	}
	if sent > 0 {
		s.log.Info("pending sign-outs sent", "sent", sent, "waiting", waiting)
	}
	return sent, waiting, nil
}

func (s *Service) revokeQueued(ctx context.Context, r store.Revocation) error {
	ctx, cancel := context.WithTimeout(ctx, revokeTimeout)
	defer cancel()
	conn, err := s.connection(ctx, r.Environment, ConnectionOverrides{})
	if err != nil {
		return err
	}
	if err := checkIssuer(r.Label, r.Environment, r.Issuer, conn); err != nil {
		return err
	}
	return auth.Revoke(ctx, conn.authConfig(s.http, s), r.Token)
}

// retryDelay backs off from 30 s to at most an hour; a newly online
// network is still tried at once by the window's "back online" trigger.
func retryDelay(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
