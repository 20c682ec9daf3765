package companion

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"fullscript-companion/backend/auth"
	"fullscript-companion/backend/fullscript"
	"fullscript-companion/backend/store"
)

// SignInRequest is one sign-in attempt.
type SignInRequest struct {
	Environment string // "" means the app's environment
	Overrides   ConnectionOverrides
	Timeout     time.Duration          // how long to wait for the browser (auth's default when 0)
	OpenBrowser func(url string) error // nil: do not open one (the URL is still shown)
	OnAuthURL   func(url string)       // shows the URL once the listener is up
}

// SignIn runs the loopback OAuth flow, names the clinic and the person, and
// stores the account with its tokens sealed. Signing in again as the same
// person at the same clinic updates that account.
func (s *Service) SignIn(ctx context.Context, req SignInRequest) (AccountInfo, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return AccountInfo{}, err
	}
	envName := firstSet(req.Environment, s.environment)
	conn, err := s.connection(ctx, envName, req.Overrides)
	if err != nil {
		return AccountInfo{}, err
	}
	cfg := conn.authConfig(s.http, s)
	// The account is kept inside the sign-in, before the browser's page is
	// written, so the page can name who signed in where, or say it failed.
	// Written by the listener's handler, read here once SignIn returns (a
	// timeout can return while the handler still runs: hence the lock).
	var (
		keptMu  sync.Mutex
		kept    store.Account
		keepErr error
	)
	_, err = auth.SignIn(ctx, cfg, auth.SignInOptions{
		Timeout: req.Timeout, OpenBrowser: req.OpenBrowser, OnAuthURL: req.OnAuthURL, Logger: s.log.With("component", "auth"),
		LingerAfterCancel: signInLinger,
		Finish: func(tok *auth.Token) (string, error) {
			a, err := s.keepSignIn(ctx, st, conn, cfg, envName, tok)
			keptMu.Lock()
			kept, keepErr = a, err
			keptMu.Unlock()
			if err != nil {
				return "", err
			}
			return whoWhere(a), nil
		},
	})
	keptMu.Lock()
	acct, keepFailed := kept, keepErr
	keptMu.Unlock()
	if keepFailed != nil {
		return AccountInfo{}, keepFailed
	}
	if err != nil {
		return AccountInfo{}, signInProblem(err)
	}
	if envName == fullscript.EnvLocal && req.Overrides.SandboxURL != "" {
		// Later commands (refresh, sign-out) find the same sandbox.
		if err := st.SetSetting(ctx, settingKey(fullscript.EnvLocal, "sandbox_url"), conn.SandboxURL, false); err != nil {
			s.log.Warn("remember the sandbox address", "err", err)
		}
	}
	go s.backUpQuietly(context.Background()) // the accounts changed
	return s.account(ctx, acct.ID)
}

// signInLinger is how long a cancelled sign-in still answers a late
// callback (Cancel in the app, then Authorize in the browser).
const signInLinger = 2 * time.Minute

// keepSignIn names the clinic and the person and stores the account with
// its tokens sealed; tokens it cannot keep are given back.
func (s *Service) keepSignIn(ctx context.Context, st *store.Store, conn Connection, cfg auth.Config, envName string, tok *auth.Token) (store.Account, error) {
	api := conn.api(s.http, s)
	clinic, err := api.Clinic(ctx, tok.AccessToken)
	if err != nil {
		s.revokeQuietly(cfg, tok)
		return store.Account{}, s.networkProblem("find out which clinic you signed in to", err)
	}
	userName := ""
	if u, err := api.User(ctx, tok.AccessToken, tok.ResourceOwnerType, tok.ResourceOwnerID); err == nil {
		userName = strings.TrimSpace(displayName(u))
	} else {
		// The name is for display only; the sign-in stands without it.
		s.log.Warn("could not read the signed-in person's name", "err", err)
	}
	tokens := s.storedTokens(tok)
	tokens.Issuer = conn.issuer()
	acct, err := st.SaveSignIn(ctx, store.Account{
		Environment: envName, ClinicID: clinic.ID, ClinicName: clinic.Name,
		UserID: tok.ResourceOwnerID, UserType: tok.ResourceOwnerType, UserName: userName,
	}, tokens)
	if err != nil {
		s.revokeQuietly(cfg, tok)
		return store.Account{}, fmt.Errorf("save the account: %w", err)
	}
	s.log.Info("signed in", "account", acct.ID, "environment", envName, "clinic", clinic.ID, "user_type", tok.ResourceOwnerType)
	return acct, nil
}

// whoWhere names a sign-in for the browser's page: "Dr. Ada Moss at Riverside Wellness Clinic".
func whoWhere(a store.Account) string {
	if a.UserName == "" {
		return "your account at " + a.ClinicName
	}
	return a.UserName + " at " + a.ClinicName
}

func displayName(u fullscript.User) string {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name != "" && u.Type == fullscript.UserPractitioner {
		return "Dr. " + name
	}
	return name
}

// revokeQuietly gives back tokens the app could not keep.
func (s *Service) revokeQuietly(cfg auth.Config, tok *auth.Token) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := auth.Revoke(ctx, cfg, tok.RefreshToken); err != nil {
		s.log.Warn("give back unused tokens", "err", err)
	}
}

// signInProblem says what went wrong with the browser step.
func signInProblem(err error) error {
	switch {
	case errors.Is(err, auth.ErrDenied):
		return &Problem{What: "Access was not granted in the browser, so no account was added.", Fix: "Sign in again and choose Authorize.", Err: err}
	case errors.Is(err, auth.ErrTimeout):
		return &Problem{What: "The browser did not come back in time, so no account was added.", Fix: "Sign in again and finish in the browser within a few minutes.", Err: err}
	case errors.Is(err, auth.ErrCancelled):
		return &Problem{What: "Signing in was cancelled.", Fix: "Sign in again when you are ready.", Err: err}
	case errors.Is(err, auth.ErrRedirectURI):
		return &Problem{What: "The redirect URI in the settings cannot be used for signing in.",
			Fix:  "Set a loopback redirect URI, e.g. http://127.0.0.1:8765/callback, in Settings (or --redirect-uri), and register the same at Fullscript.",
			Code: CodeSettingsMissing, Err: fmt.Errorf("%w: %w", ErrUsage, err)}
	case errors.Is(err, auth.ErrListen):
		return &Problem{What: "The app cannot receive the sign-in: another program is using the redirect URI's port.",
			Fix: "Close the other program (or a second sign-in), or register a redirect URI with another port at Fullscript and set it in Settings.",
			Err: fmt.Errorf("%w: %w", ErrUsage, err)}
	}
	var ce *auth.CallbackError
	if errors.As(err, &ce) {
		return &Problem{What: "Fullscript refused the sign-in.", Fix: "Sign in again; if it repeats, check the app's client id and redirect URI in Settings.", Err: err}
	}
	if p := transportProblem("so signing in did not finish.", "sign in again", err); p != nil {
		return p
	}
	return &Problem{What: "Signing in did not finish.", Fix: "Sign in again. If it keeps happening, check the app's settings; the details help support.", Err: err}
}
