package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
)

// maxTokenBody is what x/oauth2 itself reads of a token reply.
const maxTokenBody = 1 << 20

// envelopeTransport adapts Fullscript's token replies to RFC 6749 so that
// x/oauth2 can parse them: a 2xx JSON body {"oauth": {...}} becomes the
// bare {...}, and a string expires_in ("7200") becomes a number. Bare
// bodies, error replies and non-JSON bodies pass through untouched.
//
// It is only ever installed on the client x/oauth2 uses for the token
// endpoint (see tokenContext), so it does not check the URL.
type envelopeTransport struct {
	base http.RoundTripper
}

func (t *envelopeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode < 200 || resp.StatusCode > 299 || !mayBeJSON(resp.Header) {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody+1))
	if err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("read token endpoint reply: %w", err)
	}
	if len(body) > maxTokenBody {
		// Too big for a token: let x/oauth2 read (and refuse) it as it is.
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		return resp, nil
	}
	resp.Body.Close()
	out := unwrapEnvelope(body)
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Del("Content-Length")
	return resp, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// mayBeJSON mirrors x/oauth2: it parses every reply as JSON except form
// and text/plain ones, which it reads as a query string.
func mayBeJSON(h http.Header) bool {
	ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return ct != "application/x-www-form-urlencoded" && ct != "text/plain"
}

// unwrapEnvelope returns body as a bare RFC 6749 token object, or body
// itself when there is nothing to change or it is not a JSON object.
func unwrapEnvelope(body []byte) []byte {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return body
	}
	changed := false
	if inner, ok := obj["oauth"]; ok && obj["access_token"] == nil {
		var in map[string]json.RawMessage
		if err := json.Unmarshal(inner, &in); err != nil || in == nil {
			return body
		}
		obj, changed = in, true
	}
	if n, ok := numericString(obj["expires_in"]); ok {
		obj["expires_in"], changed = n, true
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return out
}

// numericString turns the JSON string "7200" into the JSON number 7200.
func numericString(raw json.RawMessage) (json.RawMessage, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return nil, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return nil, false
	}
	return json.RawMessage(strconv.FormatInt(n, 10)), true
}

// tokenContext carries the HTTP client x/oauth2 uses for the token
// endpoint: the configured one, behind envelopeTransport.
func (c Config) tokenContext(ctx context.Context) context.Context {
	hc := *c.httpClient()
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &envelopeTransport{base: base}
	return context.WithValue(ctx, oauth2.HTTPClient, &hc)
}
