package fullscript

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fzTokenPlaceholder in a seed body stands for the access token of the
// call, as a server that echoes its request would put it there.
const fzTokenPlaceholder = "{TOKEN}"

// fzAccessToken makes an access token out of any fuzz input: base64url
// characters, at least 24 of them, starting "fsat".
func fzAccessToken(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var b strings.Builder
	b.WriteString("fsat")
	for i := 0; i < len(s) && b.Len() < 64; i++ {
		b.WriteByte(alphabet[int(s[i])%len(alphabet)])
	}
	for b.Len() < 24 {
		b.WriteByte(alphabet[b.Len()*7%len(alphabet)])
	}
	return b.String()
}

// FuzzAPIError decodes any non-2xx reply (status, body, Retry-After,
// X-Request-Id) the way the client does, the call's access token redacted,
// and checks:
//
//   - it never panics and is deterministic;
//   - the error names the status; the code is a machine word or nothing;
//     every message is non-blank valid UTF-8, bounded in length, and a body
//     that is not JSON gives at most one single-line snippet of at most
//     maxSnippet characters;
//   - RetryAfter is set only for 429, is never negative, and is the
//     delta-seconds given;
//   - the access token, when the body echoes it, is in no message: neither
//     whole nor its first 12 characters (a snippet cut in the middle of it).
func FuzzAPIError(f *testing.F) {
	for _, b := range errorBodies {
		f.Add(422, []byte(b.body), "", "req-1", "")
	}
	f.Add(401, []byte(`{"error":"invalid_token","error_description":"Bearer {TOKEN} has expired"}`), "", "", "abc")
	f.Add(400, []byte(strings.Repeat("x ", 80)+"Authorization: Bearer {TOKEN} was refused"), "", "", "tokentokentokentokentokentokentoken")
	f.Add(429, []byte(`{"message":"Slow down"}`), "9300000000", "r", "")
	f.Add(429, []byte(`{"errors":{"base":["  "],"email":[" has already been taken "]}}`), "Wed, 21 Oct 2099 07:28:00 GMT", "", "")
	f.Add(500, []byte(`{"error":"`+strings.Repeat("é", 3000)+`"}`), "", "", "")
	f.Add(502, []byte("<html><title>\xff\xfe{TOKEN}</title></html>"), "-1", "", "q")
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter, requestID, tokenSeed string) {
		status = 300 + int(uint(status)%300)
		token := fzAccessToken(tokenSeed)
		body = bytes.ReplaceAll(body, []byte(fzTokenPlaceholder), []byte(token))
		res := &http.Response{StatusCode: status, Header: http.Header{}}
		if retryAfter != "" {
			res.Header.Set("Retry-After", retryAfter)
		}
		if requestID != "" {
			res.Header.Set("X-Request-Id", requestID)
		}
		ae := newAPIError(res, body)
		again := newAPIError(res, body)
		ae.RetryAfter, again.RetryAfter = 0, 0 // an HTTP date is read against the clock
		if !reflect.DeepEqual(ae, again) {
			t.Fatalf("two decodings of the same reply differ: %#v\n%#v", ae, again)
		}
		ae = apiErrorOf(res, body, token) // as the client builds it
		msg := ae.Error()

		if ae.Status != status || !strings.HasPrefix(msg, "fullscript: "+strconv.Itoa(status)) {
			t.Errorf("status %d: error %q", status, msg)
		}
		if ae.Code != "" && !looksLikeCode.MatchString(ae.Code) {
			t.Errorf("code %q is not a machine word", ae.Code)
		}
		for _, m := range ae.Messages {
			if strings.TrimSpace(m) == "" {
				t.Errorf("[api-blank-message] a blank message %q in %q (body %q)", m, ae.Messages, body)
			}
			if !utf8.ValidString(m) {
				t.Errorf("message %q is not valid UTF-8", m)
			}
			if n := utf8.RuneCountInString(m); n > 1000 {
				t.Errorf("[api-message-unbounded] a %d-character message quotes the body unclipped: %.80q…", n, m)
			}
		}
		if _, isJSON := fzJSONObject(body); !isJSON {
			if len(ae.Messages) > 1 {
				t.Errorf("a body that is not a JSON object gave %d messages: %q", len(ae.Messages), ae.Messages)
			}
			for _, m := range ae.Messages {
				if utf8.RuneCountInString(m) > maxSnippet+1 || strings.ContainsAny(m, "\r\n") {
					t.Errorf("snippet %q is not one line of at most %d characters", m, maxSnippet)
				}
			}
		}

		switch {
		case ae.RetryAfter < 0:
			t.Errorf("[api-retry-after-negative] Retry-After %q gave RetryAfter %s", retryAfter, ae.RetryAfter)
		case status != http.StatusTooManyRequests && ae.RetryAfter != 0:
			t.Errorf("status %d has RetryAfter %s", status, ae.RetryAfter)
		}
		if n, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && status == http.StatusTooManyRequests && n >= 0 && n <= 1e9 && ae.RetryAfter != time.Duration(n)*time.Second {
			t.Errorf("Retry-After %q gave RetryAfter %s", retryAfter, ae.RetryAfter)
		}

		// The token: whole, or the head of it.
		head := token[:12]
		if strings.Contains(ae.Code+requestID, head) {
			return // quoted where it is not the body's echo
		}
		if strings.Contains(msg, token) {
			t.Errorf("[api-error-has-token] the error quotes the access token: %q", msg)
		}
		// Where the body holds no escapes, a message is made of the body's
		// own characters; the head of the token then comes only from the
		// token itself.
		if !bytes.ContainsAny(body, `\%&`) && bytes.Count(body, []byte(head)) == bytes.Count(body, []byte(token)) &&
			strings.Contains(strings.Join(ae.Messages, " "), head) {
			t.Errorf("[api-error-has-token-part] the error quotes part of the access token %q: %q", token, msg)
		}
	})
}

// fzJSONObject: whether parseErrorBody reads b as JSON (an object or null).
func fzJSONObject(b []byte) (map[string]json.RawMessage, bool) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, false
	}
	return top, true
}
