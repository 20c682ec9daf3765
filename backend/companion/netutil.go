package companion

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"fullscript-companion/backend/auth"
	"fullscript-companion/backend/fullscript"
)

// isNetErr is true for transport failures (refused, reset, DNS, timeout)
// that auth wraps without a fullscript.APIError.
func isNetErr(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &oe) || errors.As(err, &ne)
}

// isTimeout is true when nothing answered in time: the HTTP client's own
// timeout, a dial or read deadline, or a deadline on the call.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// transportProblem tells apart the ways a call to Fullscript can fail
// before it is answered or with a reply that is Fullscript's own trouble:
// nothing answered (offline: ErrOffline), no answer in time (a slow server
// or network: ErrOffline too, for the exit code, but said as it is), and a
// 5xx or 429 from the token endpoint or the API. So what and then are the
// end of the sentence ("so the app could not ...") and the retry ("try
// again"). nil: none of these.
func transportProblem(so, then string, err error) *Problem {
	switch {
	case errors.Is(err, context.Canceled):
		return nil
	case isTimeout(err):
		return &Problem{
			What: "Fullscript did not answer in time, " + so,
			Fix:  "Check the internet connection, then " + then + "; if Fullscript is slow right now, wait a few minutes.",
			Err:  fmt.Errorf("%w: %w", ErrOffline, err),
		}
	case fullscript.IsOffline(err) || isNetErr(err):
		return &Problem{
			What: "Fullscript cannot be reached, " + so,
			Fix:  "Check the internet connection, then " + then + ".",
			Err:  fmt.Errorf("%w: %w", ErrOffline, err),
		}
	}
	status, retryAfter := 0, time.Duration(0)
	var te *auth.TokenError
	var ae *fullscript.APIError
	switch {
	case errors.As(err, &te):
		status, retryAfter = te.Status, te.RetryAfter
	case errors.As(err, &ae):
		status, retryAfter = ae.Status, ae.RetryAfter
	}
	switch {
	case status == http.StatusTooManyRequests:
		wait := "a minute"
		if retryAfter > 0 {
			wait = retryAfter.Round(time.Second).String()
		}
		return &Problem{What: "Fullscript asked the app to slow down, " + so, Fix: "Wait " + wait + ", then " + then + ".", Err: err}
	case status >= 500:
		return &Problem{What: "Fullscript is having trouble, " + so, Fix: "Wait a few minutes, then " + then + ".", Err: err}
	}
	return nil
}
