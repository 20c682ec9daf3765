package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Sentinel errors, for errors.Is. Callers decide from these what to tell the
// person and whether an account is still usable.
var (
	// ErrCancelled: the caller's context ended before the browser came back.
	ErrCancelled = errors.New("cancelled")
	// ErrTimeout: SignInOptions.Timeout passed before the browser came back.
	ErrTimeout = errors.New("timed out")
	// ErrDenied: the person declined on Fullscript's consent page.
	ErrDenied = errors.New("access was denied on Fullscript's consent page")
	// ErrInvalidGrant: Fullscript refused a code or refresh token for good
	// (revoked, spent, expired). For a refresh token it means "sign in again";
	// every other refresh failure is worth retrying later.
	ErrInvalidGrant = errors.New("the grant is no longer valid")
	// ErrUnexpectedReply: a 2xx that is not Fullscript's reply (a captive
	// portal's page): nothing was done, so try again later.
	ErrUnexpectedReply = errors.New("the answer is not Fullscript's")
	// ErrRedirectURI: the configured redirect URI cannot be used (a setting to fix).
	ErrRedirectURI = errors.New("unusable redirect URI")
	// ErrListen: the redirect's loopback port cannot be opened (another program has it).
	ErrListen = errors.New("cannot listen for the sign-in redirect")
)

// CallbackError is an error= redirect from the authorization server.
type CallbackError struct {
	Code        string // RFC 6749 4.1.2.1 error code, e.g. access_denied
	Description string // error_description, as sent (may be empty)
}

func (e *CallbackError) Error() string {
	msg := "Fullscript returned an error to the sign-in redirect: " + e.Code
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// Is makes an access_denied callback match ErrDenied.
func (e *CallbackError) Is(target error) bool {
	return target == ErrDenied && e.Code == "access_denied"
}

// TokenError is a refusal from the token or revoke endpoint. It carries what
// helps a diagnosis (status, RFC 6749 code, description, request id) and
// never the request or response body, which may hold a token.
type TokenError struct {
	Status      int
	Code        string // RFC 6749 5.2 error code, or the "error" field of another JSON body
	Description string
	RequestID   string        // X-Request-Id, to quote to Fullscript support
	RetryAfter  time.Duration // from Retry-After (429, 503); 0 when absent
}

func (e *TokenError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d", e.Status)
	switch {
	case e.Code != "":
		b.WriteString(" " + e.Code)
	case http.StatusText(e.Status) != "":
		b.WriteString(" " + http.StatusText(e.Status))
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.RequestID != "" {
		b.WriteString(" (X-Request-Id " + e.RequestID + ")")
	}
	return b.String()
}

// Is makes an invalid_grant refusal match ErrInvalidGrant.
func (e *TokenError) Is(target error) bool {
	return target == ErrInvalidGrant && e.Code == "invalid_grant"
}

// maxDescription bounds server-supplied text we repeat in errors and pages.
const maxDescription = 300

func clip(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > maxDescription {
		return string(r[:maxDescription]) + "…"
	}
	return s
}

// maxRetryAfter caps the wait a token endpoint may ask for.
const maxRetryAfter = 24 * time.Hour

// newTokenError builds a TokenError from a reply's status, headers and
// RFC 6749 fields.
func newTokenError(status int, h http.Header, code, description string) *TokenError {
	e := &TokenError{Status: status, Code: clip(code), Description: clip(description)}
	if h != nil {
		e.RequestID = clip(h.Get("X-Request-Id"))
		// At most a day: a larger value (or one that would overflow a
		// Duration) is a broken header.
		if secs, err := strconv.ParseInt(strings.TrimSpace(h.Get("Retry-After")), 10, 64); err == nil && secs > 0 {
			e.RetryAfter = time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
		}
	}
	return e
}

// tokenEndpointError turns an x/oauth2 failure into an error that is safe
// to log: a RetrieveError becomes a *TokenError, because its own message
// quotes the response body; anything else (network, JSON) is returned as
// is, since those messages carry no token.
func tokenEndpointError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return boundedError(err)
	}
	status := 0
	var h http.Header
	if re.Response != nil {
		status, h = re.Response.StatusCode, re.Response.Header
	}
	return newTokenError(status, h, re.ErrorCode, re.ErrorDescription)
}

// maxErrorText bounds an error that may quote a reply (x/oauth2's JSON
// errors quote the field they could not read).
const maxErrorText = 500

// boundedError keeps err's chain (errors.Is still works) but clips its text.
func boundedError(err error) error {
	if err == nil || len(err.Error()) <= maxErrorText {
		return err
	}
	return &clippedError{err: err}
}

type clippedError struct{ err error }

func (c *clippedError) Error() string {
	s := strings.ToValidUTF8(c.err.Error(), "?")
	r := []rune(s)
	if len(r) > maxErrorText {
		s = string(r[:maxErrorText]) + "… (clipped)"
	}
	return s
}

func (c *clippedError) Unwrap() error { return c.err }
