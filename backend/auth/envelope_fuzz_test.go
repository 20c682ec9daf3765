package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fzTransport answers every request with one canned reply.
type fzTransport func(*http.Request) (*http.Response, error)

func (f fzTransport) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func fzReply(status int, contentType, retryAfter string, body []byte) fzTransport {
	return func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
		h := http.Header{}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		return &http.Response{StatusCode: status, Status: strconv.Itoa(status) + " " + http.StatusText(status), Header: h,
			ContentLength: int64(len(body)), Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
	}
}

// fzDecodeObject decodes a JSON object with numbers kept as written; ok is
// false for anything else (invalid JSON, another type, null).
func fzDecodeObject(b []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false // trailing data: json.Unmarshal refuses it too
	}
	m, ok := v.(map[string]any)
	return m, ok
}

// fzUnwrapModel is what unwrapEnvelope promises, written independently: the
// token object it should produce and whether it differs from the body.
func fzUnwrapModel(body []byte) (obj map[string]any, changed bool) {
	top, ok := fzDecodeObject(body)
	if !ok {
		return nil, false
	}
	obj = top
	if inner, has := top["oauth"]; has {
		if _, bare := top["access_token"]; !bare {
			m, isObj := inner.(map[string]any)
			if !isObj {
				return nil, false // not an envelope we know: left to x/oauth2
			}
			obj, changed = m, true
		}
	}
	if s, isStr := obj["expires_in"].(string); isStr {
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			obj["expires_in"] = json.Number(strconv.FormatInt(n, 10))
			changed = true
		}
	}
	return obj, changed
}

// FuzzUnwrapEnvelope feeds any token endpoint reply (body, status,
// Content-Type, Retry-After) to the envelope decoder and to Refresh behind
// it, and checks:
//
//   - unwrapEnvelope leaves a body it does not change byte for byte, and
//     otherwise returns exactly the envelope's inner object, every field
//     kept, with a numeric expires_in string made a number;
//   - the transport only rewrites 2xx JSON replies of at most 1 MiB, with a
//     Content-Length that matches;
//   - Refresh never panics; when it succeeds its token is the reply's own
//     (access token, refresh token or else the old one, scope);
//     a refusal is a *TokenError with the reply's status, a Retry-After that
//     is never negative, and code and description clipped; and no error
//     or log line holds the client secret or the refresh token sent, or
//     more than a bounded amount of the reply.
func FuzzUnwrapEnvelope(f *testing.F) {
	for _, seed := range []struct {
		body        string
		status      int
		contentType string
		retryAfter  string
	}{
		{`{"oauth":{"access_token":"at","token_type":"Bearer","expires_in":7200,"refresh_token":"rt","scope":"catalog:read","created_at":"2021-06-16T14:57:21.000Z","resource_owner":{"id":"u1","type":"Practitioner"}}}`, 200, "application/json; charset=utf-8", ""},
		{`{"access_token":"at","expires_in":" 3600 "}`, 200, "application/json", ""},
		{`{"oauth":{"access_token":"at","expires_in":"soon"}}`, 200, "", ""},
		{`{"oauth":null,"access_token":null}`, 200, "application/json", ""},
		{`{"oauth":{"oauth":{"access_token":"at"}}}`, 201, "application/json", ""},
		{`[{"oauth":{}}]`, 200, "application/json", ""},
		{`{"error":"invalid_grant","error_description":"The refresh token is not valid"}`, 400, "application/json", ""},
		{`{"error":"slow_down"}`, 429, "application/json", "9300000000"},
		{"access_token=at&expires_in=7200", 200, "application/x-www-form-urlencoded", ""},
		{"<html>maintenance</html>", 503, "text/html", "120"},
	} {
		f.Add([]byte(seed.body), seed.status, seed.contentType, seed.retryAfter)
	}
	const (
		clientSecret = "sEcReT-client-secret"
		oldRefresh   = "sEcReT-old-refresh-token"
	)
	f.Fuzz(func(t *testing.T, body []byte, status int, contentType, retryAfter string) {
		// 1. The decoder itself.
		out := unwrapEnvelope(body)
		want, changed := fzUnwrapModel(body)
		if !changed {
			if !bytes.Equal(out, body) {
				t.Fatalf("unwrapEnvelope(%q) = %q, want the body untouched", body, out)
			}
		} else {
			got, ok := fzDecodeObject(out)
			if !ok {
				t.Fatalf("unwrapEnvelope(%q) = %q: not a JSON object", body, out)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("unwrapEnvelope(%q) = %s\nwant the token object %v", body, out, want)
			}
		}

		// 2. The transport around it.
		if status < 100 || status > 599 {
			status = 100 + int(uint(status)%500)
		}
		if !utf8.ValidString(contentType) || strings.ContainsAny(contentType, "\r\n") {
			contentType = "application/json"
		}
		mt, _, _ := mime.ParseMediaType(contentType)
		rewrites := status >= 200 && status <= 299 && mt != "application/x-www-form-urlencoded" && mt != "text/plain" && len(body) <= maxTokenBody
		req, _ := http.NewRequest(http.MethodPost, "https://fullscript.test/api/oauth/token", nil)
		resp, err := (&envelopeTransport{base: fzReply(status, contentType, "", body)}).RoundTrip(req)
		if err != nil {
			t.Fatalf("RoundTrip: %v", err)
		}
		passed, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wantBody := body
		if rewrites {
			wantBody = out
		}
		if !bytes.Equal(passed, wantBody) {
			t.Fatalf("status %d %q: the transport passed %q, want %q", status, contentType, passed, wantBody)
		}
		if resp.ContentLength != int64(len(passed)) && resp.ContentLength != -1 {
			t.Errorf("ContentLength %d for a %d-byte body", resp.ContentLength, len(passed))
		}
		if h := resp.Header.Get("Content-Length"); h != "" && h != strconv.Itoa(len(passed)) {
			t.Errorf("Content-Length: %s for a %d-byte body", h, len(passed))
		}

		// 3. Refresh, through x/oauth2.
		var logBuf bytes.Buffer
		cfg := Config{ClientID: "cid", ClientSecret: clientSecret, TokenURL: "https://fullscript.test/api/oauth/token",
			HTTPClient: &http.Client{Transport: fzReply(status, contentType, retryAfter, body)},
			Logger:     slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
		tok, err := Refresh(context.Background(), cfg, oldRefresh)
		secretsInReply := bytes.Contains(body, []byte("sEcReT"))
		if !secretsInReply && strings.Contains(logBuf.String(), "sEcReT") {
			t.Errorf("[refresh-log-has-secret] the log holds the client secret or refresh token:\n%s", logBuf.String())
		}
		if err != nil {
			if tok != nil {
				t.Errorf("Refresh returned a token and an error: %v", err)
			}
			msg := err.Error()
			if !secretsInReply && strings.Contains(msg, "sEcReT") {
				t.Errorf("[refresh-error-has-secret] the error holds the client secret or refresh token: %s", msg)
			}
			if len(msg) > 4<<10 {
				t.Errorf("[refresh-error-unbounded] a %d-byte error quotes too much of the reply: %.300q…", len(msg), msg)
			}
			var te *TokenError
			if errors.As(err, &te) {
				if status < 200 || status > 299 {
					if te.Status != status {
						t.Errorf("TokenError.Status = %d, want %d", te.Status, status)
					}
				}
				if te.RetryAfter < 0 {
					t.Errorf("[token-retry-after-negative] Retry-After %q gave RetryAfter %s", retryAfter, te.RetryAfter)
				}
				if n, perr := strconv.Atoi(strings.TrimSpace(retryAfter)); perr == nil && n > 0 && n <= 1e9 && te.RetryAfter != time.Duration(n)*time.Second {
					t.Errorf("Retry-After %q gave RetryAfter %s", retryAfter, te.RetryAfter)
				}
				if utf8.RuneCountInString(te.Code) > maxDescription+1 || utf8.RuneCountInString(te.Description) > maxDescription+1 {
					t.Errorf("TokenError code or description not clipped: %d, %d runes", utf8.RuneCountInString(te.Code), utf8.RuneCountInString(te.Description))
				}
				if errors.Is(err, ErrInvalidGrant) != (te.Code == "invalid_grant") {
					t.Errorf("errors.Is(ErrInvalidGrant) = %v for code %q", errors.Is(err, ErrInvalidGrant), te.Code)
				}
			} else if status < 200 || status > 299 {
				t.Errorf("status %d: %T %v, want a *TokenError", status, err, err)
			}
			return
		}
		if status < 200 || status > 299 {
			t.Fatalf("status %d: Refresh succeeded", status)
		}
		if tok.AccessToken == "" {
			t.Fatalf("Refresh succeeded without an access token")
		}
		if !rewrites {
			return // a form or text reply: x/oauth2 reads it as a query string
		}
		// What x/oauth2 was given is the decoder's output (checked above
		// against the model): the token must be what that says.
		var seen struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.Unmarshal(out, &seen); err != nil {
			t.Fatalf("Refresh succeeded on a reply x/oauth2 cannot decode: %v", err)
		}
		var raw map[string]any
		_ = json.Unmarshal(out, &raw)
		wantRT := seen.RefreshToken
		if wantRT == "" {
			wantRT = oldRefresh
		}
		scope, _ := raw["scope"].(string)
		if tok.AccessToken != seen.AccessToken || tok.RefreshToken != wantRT || tok.Scope != scope {
			t.Errorf("token %q / %q scope %q, want the reply's %q / %q scope %q", tok.AccessToken, tok.RefreshToken, tok.Scope, seen.AccessToken, wantRT, scope)
		}
	})
}

// FuzzTokenReply builds well-formed Fullscript token replies (enveloped or
// bare, expires_in as a number or a string, with or without created_at)
// around any token values, and checks the round trip through the
// envelope decoder and x/oauth2: Refresh returns exactly those tokens,
// scope and owner, the expiry is created_at + expires_in, and neither
// token reaches a log line or the token's own formatting.
func FuzzTokenReply(f *testing.F) {
	f.Add("abc123", "def456", "catalog:read patients:read", "u1", int64(7200), byte(0b0011))
	f.Add("", "", "", "", int64(0), byte(0))
	f.Add("ä\x00\"<>&\u2028", "\xff\xfe", "clinic:read", "42", int64(math.MaxInt32)+5, byte(0b0111))
	f.Add("x", "y", "", "", int64(-60), byte(0b1001))
	f.Add(strings.Repeat("A", 500), "r", "s", "o", int64(1), byte(0b1111))
	f.Fuzz(func(t *testing.T, at, rt, scope, owner string, expiresIn int64, flags byte) {
		const (
			enveloped     = 1 << iota // {"oauth": {...}}
			expiresString             // "expires_in": "7200"
			withCreatedAt             // created_at: 2021-06-16T14:57:21.000Z
			noRefresh                 // the reply has no refresh_token
			noExpiresIn               // the reply has no expires_in
		)
		for _, s := range []string{scope, owner} {
			if strings.Contains(s, "sEcReT") {
				return // the marker is what the checks look for
			}
		}
		at, rt = "sEcReT-A"+at, "sEcReT-R"+rt
		inner := map[string]any{"access_token": at, "token_type": "Bearer", "scope": scope,
			"resource_owner": map[string]any{"id": owner, "type": "Practitioner"}}
		if flags&noRefresh == 0 {
			inner["refresh_token"] = rt
		}
		if flags&noExpiresIn == 0 {
			if flags&expiresString != 0 {
				inner["expires_in"] = strconv.FormatInt(expiresIn, 10)
			} else {
				inner["expires_in"] = expiresIn
			}
		}
		created := time.Date(2021, 6, 16, 14, 57, 21, 0, time.UTC)
		if flags&withCreatedAt != 0 {
			inner["created_at"] = "2021-06-16T14:57:21.000Z"
		}
		var reply any = inner
		if flags&enveloped != 0 {
			reply = map[string]any{"oauth": inner}
		}
		body, err := json.Marshal(reply)
		if err != nil {
			t.Fatal(err)
		}
		// What each value reads back as once encoded (invalid UTF-8 becomes U+FFFD).
		innerJSON, err := json.Marshal(inner)
		if err != nil {
			t.Fatal(err)
		}
		var sent struct {
			AccessToken   string `json:"access_token"`
			RefreshToken  string `json:"refresh_token"`
			Scope         string `json:"scope"`
			ResourceOwner struct {
				ID string `json:"id"`
			} `json:"resource_owner"`
		}
		if err := json.Unmarshal(innerJSON, &sent); err != nil {
			t.Fatal(err)
		}

		var logBuf bytes.Buffer
		cfg := Config{ClientID: "cid", ClientSecret: "client-secret", TokenURL: "https://fullscript.test/api/oauth/token",
			HTTPClient: &http.Client{Transport: fzReply(200, "application/json; charset=utf-8", "", body)},
			Logger:     slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
		received := time.Now()
		tok, err := Refresh(context.Background(), cfg, "old-refresh")
		if err != nil {
			t.Fatalf("Refresh of %s: %v", body, err)
		}
		wantRT := sent.RefreshToken
		if flags&noRefresh != 0 {
			wantRT = "old-refresh"
		}
		if tok.AccessToken != sent.AccessToken || tok.RefreshToken != wantRT {
			t.Errorf("tokens %q / %q, want %q / %q (reply %s)", tok.AccessToken, tok.RefreshToken, sent.AccessToken, wantRT, body)
		}
		if tok.Scope != sent.Scope || tok.ResourceOwnerID != sent.ResourceOwner.ID || tok.ResourceOwnerType != "Practitioner" || tok.TokenType != "Bearer" {
			t.Errorf("token %v, want scope %q owner %q/Practitioner type Bearer", tok, sent.Scope, sent.ResourceOwner.ID)
		}
		if flags&withCreatedAt != 0 {
			if !tok.CreatedAt.Equal(created) {
				t.Errorf("CreatedAt %s, want %s", tok.CreatedAt, created)
			}
		} else if d := tok.CreatedAt.Sub(received); d < 0 || d > time.Minute {
			t.Errorf("CreatedAt %s, want when the reply came (%s)", tok.CreatedAt, received)
		}
		switch {
		case flags&noExpiresIn != 0 || expiresIn == 0:
			if !tok.Expiry.IsZero() {
				t.Errorf("Expiry %s for a reply without expires_in", tok.Expiry)
			}
		case expiresIn > 0:
			// x/oauth2 reads expires_in into an int32, clamped to its maximum.
			want := time.Duration(min(expiresIn, math.MaxInt32)) * time.Second
			if got := tok.Expiry.Sub(tok.CreatedAt); got != want {
				t.Errorf("expires_in %d: Expiry is CreatedAt + %s, want + %s", expiresIn, got, want)
			}
		}
		if strings.Contains(logBuf.String(), "sEcReT") {
			t.Errorf("[refresh-log-has-token] the log holds a token:\n%s", logBuf.String())
		}
		for _, s := range []string{tok.String(), fmt.Sprintf("%v|%+v|%#v|%s", tok, tok, tok, tok), slog.AnyValue(tok).Resolve().String()} {
			if strings.Contains(s, "sEcReT") {
				t.Errorf("formatting the token shows a token: %s", s)
			}
		}
	})
}
