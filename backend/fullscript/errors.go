package fullscript

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrMalformedReply is a 2xx reply whose body is not the JSON we expect.
// The wrapping error names the call and the request id.
var ErrMalformedReply = errors.New("malformed reply from Fullscript")

// APIError is a non-2xx reply from Fullscript.
type APIError struct {
	Status     int
	Messages   []string      // human messages from the body, whatever its shape
	Code       string        // e.g. "invalid_token" when present
	RequestID  string        // X-Request-Id, for support
	RetryAfter time.Duration // 429
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("fullscript: ")
	b.WriteString(strconv.Itoa(e.Status))
	if t := http.StatusText(e.Status); t != "" {
		b.WriteString(" " + t)
	}
	// The code adds nothing when it is the only message.
	if e.Code != "" && !(len(e.Messages) == 1 && e.Messages[0] == e.Code) {
		b.WriteString(": " + e.Code)
	}
	if len(e.Messages) > 0 {
		b.WriteString(": " + strings.Join(e.Messages, "; "))
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after " + e.RetryAfter.String() + ")")
	}
	if e.RequestID != "" {
		b.WriteString(" (request " + e.RequestID + ")")
	}
	return b.String()
}

func apiStatus(err error) (*APIError, bool) {
	var ae *APIError
	ok := errors.As(err, &ae)
	return ae, ok
}

// IsUnauthorized is a 401: the access token is missing, expired or revoked.
// The caller refreshes once and retries.
func IsUnauthorized(err error) bool {
	ae, ok := apiStatus(err)
	return ok && ae.Status == http.StatusUnauthorized
}

// IsForbidden is a 403, e.g. a scope the app was not granted.
func IsForbidden(err error) bool {
	ae, ok := apiStatus(err)
	return ok && ae.Status == http.StatusForbidden
}

// IsNotFound is a 404 (Fullscript also answers 404 for another clinic's records).
func IsNotFound(err error) bool {
	ae, ok := apiStatus(err)
	return ok && ae.Status == http.StatusNotFound
}

// IsRateLimited is a 429, with how long Fullscript asked us to wait (0 when
// it did not say).
func IsRateLimited(err error) (time.Duration, bool) {
	ae, ok := apiStatus(err)
	if !ok || ae.Status != http.StatusTooManyRequests {
		return 0, false
	}
	return ae.RetryAfter, true
}

// IsOffline is true when the request never reached a server: DNS failed,
// the connection was refused, there is no route, or dialling failed
// otherwise. The app says "offline" and keeps working locally.
func IsOffline(err error) bool {
	if err == nil {
		return false
	}
	// A cancelled call or a reply from Fullscript says nothing about the network.
	if _, ok := apiStatus(err); ok || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN} {
		if errors.Is(err, errno) {
			return true
		}
	}
	// Windows errnos do not match the constants above; a failed dial
	// means the same there: nothing was sent.
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// newAPIError reads what it can from a non-2xx reply.
func newAPIError(res *http.Response, body []byte) *APIError {
	e := &APIError{Status: res.StatusCode, RequestID: res.Header.Get("X-Request-Id")}
	msgs, code := parseErrorBody(body)
	e.Messages, e.Code = tidyMessages(msgs), code
	if res.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter = parseRetryAfter(res.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// maxRetryAfter caps what a server may ask for: a day. A larger value (or
// one that would overflow a Duration) is a broken header, not a plan.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads delta-seconds or an HTTP date (RFC 9110 10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
		return min(time.Duration(min(n, int64(maxRetryAfter/time.Second)))*time.Second, maxRetryAfter)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now).Round(time.Second), maxRetryAfter)
	}
	return 0
}

// Bounds on what an error keeps of a reply: a server must not be able to
// fill a message (or a log line) with its body.
const (
	maxMessageRunes = 300
	maxMessages     = 10
)

// tidyMessages makes each message one line of bounded length, without
// blank ones, and keeps at most maxMessages.
func tidyMessages(msgs []string) []string {
	var out []string
	for _, m := range msgs {
		m = strings.Join(strings.Fields(strings.ToValidUTF8(m, "?")), " ")
		if m == "" {
			continue
		}
		if r := []rune(m); len(r) > maxMessageRunes {
			m = string(r[:maxMessageRunes]) + "…"
		}
		if len(out) == maxMessages {
			break
		}
		out = append(out, m)
	}
	return out
}

const maxSnippet = 200

// looksLikeCode: "invalid_token", "not_found" — machine words, not prose.
var looksLikeCode = regexp.MustCompile(`^[a-z][a-z0-9_.]*$`)

// parseErrorBody gets human messages and a code out of any error body the
// reference lists as possible (its section 3.1: the format is unconfirmed),
// falling back to a snippet of the text.
func parseErrorBody(body []byte) (msgs []string, code string) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		if s := snippet(body); s != "" {
			return []string{s}, ""
		}
		return nil, ""
	}
	desc := jsonString(top["error_description"])
	if s, ok := asString(top["error"]); ok {
		if looksLikeCode.MatchString(s) {
			code = s
		}
		if desc != "" {
			msgs = append(msgs, desc)
		} else if s != "" {
			msgs = append(msgs, s)
		}
	} else if obj, ok := asObject(top["error"]); ok {
		m, c := messageOf(obj)
		msgs, code = appendNonEmpty(msgs, m), c
	} else if desc != "" {
		msgs = append(msgs, desc)
	}
	em, ec := parseErrors(top["errors"])
	msgs = append(msgs, em...)
	if code == "" {
		code = ec
	}
	if len(msgs) == 0 {
		msgs = appendNonEmpty(msgs, jsonString(top["message"]))
	}
	if code == "" {
		if c := jsonString(top["code"]); looksLikeCode.MatchString(c) {
			code = c
		}
	}
	if len(msgs) == 0 && len(top) > 0 {
		// JSON of a shape we do not know: show it rather than nothing.
		msgs = appendNonEmpty(msgs, snippet(body))
	}
	return msgs, code
}

// parseErrors reads "errors" as a string, a list of strings or of
// {code, message} objects, or Rails' {"field": ["message", ...]}.
func parseErrors(raw json.RawMessage) (msgs []string, code string) {
	if len(raw) == 0 {
		return nil, ""
	}
	if s, ok := asString(raw); ok {
		return appendNonEmpty(nil, s), ""
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		for _, item := range list {
			if s, ok := asString(item); ok {
				msgs = appendNonEmpty(msgs, s)
			} else if obj, ok := asObject(item); ok {
				m, c := messageOf(obj)
				msgs = appendNonEmpty(msgs, m)
				if code == "" {
					code = c
				}
			}
		}
		return msgs, code
	}
	obj, ok := asObject(raw)
	if !ok {
		return nil, ""
	}
	fields := make([]string, 0, len(obj))
	for k := range obj {
		fields = append(fields, k)
	}
	slices.Sort(fields) // map order is random; messages should not be
	for _, f := range fields {
		var texts []string
		if s, ok := asString(obj[f]); ok {
			texts = []string{s}
		} else {
			_ = json.Unmarshal(obj[f], &texts)
		}
		for _, t := range texts {
			if t = strings.TrimSpace(t); t == "" {
				continue
			}
			if f == "base" {
				msgs = append(msgs, t)
			} else {
				msgs = append(msgs, humanizeField(f)+" "+t)
			}
		}
	}
	return msgs, code
}

// messageOf reads an error object: message (or description, detail, title)
// and code. A code alone stands in for the message.
func messageOf(obj map[string]json.RawMessage) (msg, code string) {
	for _, k := range []string{"message", "error_description", "description", "detail", "title"} {
		if msg = jsonString(obj[k]); msg != "" {
			break
		}
	}
	code = jsonString(obj["code"])
	if code == "" {
		code = jsonString(obj["error"])
	}
	if !looksLikeCode.MatchString(code) {
		if msg == "" {
			msg = code
		}
		code = ""
	}
	if msg == "" {
		msg = code
	}
	return msg, code
}

// humanizeField writes a Rails attribute as its full messages do:
// "date_of_birth" -> "Date of birth".
func humanizeField(f string) string {
	f = strings.ReplaceAll(f, "_", " ")
	r, n := utf8.DecodeRuneInString(f)
	return string(unicode.ToUpper(r)) + f[n:]
}

func asString(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return strings.TrimSpace(s), true
}

func jsonString(raw json.RawMessage) string {
	s, _ := asString(raw)
	return s
}

func asObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

func appendNonEmpty(list []string, s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		return append(list, s)
	}
	return list
}

var (
	htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	htmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// snippet is a short, single-line excerpt of a body that is not JSON we
// understand: an HTML page's title (else its text), or the text itself.
func snippet(body []byte) string {
	s := string(body)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	if strings.HasPrefix(strings.TrimSpace(s), "<") {
		if m := htmlTitle.FindStringSubmatch(s); m != nil {
			s = m[1]
		} else {
			s = htmlTag.ReplaceAllString(s, " ")
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxSnippet {
		s = string([]rune(s)[:maxSnippet]) + "…"
	}
	return s
}
