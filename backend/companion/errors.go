package companion

import "errors"

// Sentinels a front door maps to exit codes or UI states (errors.Is). A
// Problem wraps one of them when it applies.
var (
	// ErrUsage: a setting or an argument is wrong; nothing was attempted.
	ErrUsage = errors.New("bad setting or argument")
	// ErrOffline: Fullscript (or the local sandbox) could not be reached.
	ErrOffline = errors.New("cannot reach Fullscript")
	// ErrNeedsSignIn: the account's sign-in is no longer accepted.
	ErrNeedsSignIn = errors.New("needs to sign in again")
	// ErrNoAccount: no account matches what was asked for.
	ErrNoAccount = errors.New("no such account")
	// ErrAmbiguousAccount: several accounts match; name one by its id.
	ErrAmbiguousAccount = errors.New("several accounts match")
)
