package fullscript

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds a call when Client.HTTP is nil.
const DefaultTimeout = 30 * time.Second

const (
	defaultUserAgent = "fullscript-companion"
	maxReplyBytes    = 4 << 20 // a page of 100 patients is far below this
)

var defaultHTTP = &http.Client{Timeout: DefaultTimeout}

// Client calls Fullscript's REST API for one environment. The access token
// is an argument of each call (not a field) because one client serves every
// account. It is safe for concurrent use.
//
// Logger gets one line per call: method, path, status, request id and
// duration. It never gets a query string (a patient search is PII), a
// header or a body, so no token reaches it.
type Client struct {
	APIBase   string       // e.g. https://api-us-snd.fullscript.io/api
	HTTP      *http.Client // nil: a default with a 30 s timeout
	UserAgent string       // empty: "fullscript-companion"
	Logger    *slog.Logger // nil: no logging
	// LinkHosts are the hosts a Redirect link may lead to: exact names, or
	// "*.example.com" for any subdomain. Empty: the API base's host only.
	// A link elsewhere is refused, so a hostile or broken reply cannot send
	// the practitioner to a look-alike sign-in page.
	LinkHosts []string
}

// NewClient is a Client for env with the defaults.
func NewClient(env Environment) *Client {
	return &Client{APIBase: env.APIBase}
}

// call is one REST request.
type call struct {
	op     string     // what we were doing, for error messages: "get clinic"
	method string     // GET, POST
	path   string     // under APIBase, already escaped: /clinic/patients/{id}
	query  url.Values // may hold PII: never logged, never in an error
	body   any        // JSON-encoded when non-nil
}

// do sends c with the bearer token and returns the 2xx body. A non-2xx
// reply is an *APIError; a transport failure is wrapped with c.op.
func (cl *Client) do(ctx context.Context, accessToken string, c call) ([]byte, string, error) {
	base := strings.TrimRight(cl.APIBase, "/")
	if base == "" {
		return nil, "", fmt.Errorf("%s: the client has no API base URL", c.op)
	}
	target := base + c.path
	full := target
	if len(c.query) > 0 {
		full += "?" + c.query.Encode()
	}
	var body io.Reader
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return nil, "", fmt.Errorf("%s: encode request: %w", c.op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, full, body)
	if err != nil {
		// Report the URL without its query: the query may be PII.
		if _, perr := url.Parse(target); perr != nil {
			return nil, "", fmt.Errorf("%s: API base URL: %w", c.op, perr)
		}
		return nil, "", fmt.Errorf("%s: build request for %s: invalid query", c.op, target)
	}
	req.Header.Set("Accept", "application/json")
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	ua := cl.UserAgent
	if ua == "" {
		ua = defaultUserAgent
	}
	req.Header.Set("User-Agent", ua)
	// No token, no header: Fullscript answers 401, which the caller
	// handles like any other expired session.
	if accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}

	hc := cl.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	log := cl.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	logPath := req.URL.Path
	start := time.Now()
	res, err := hc.Do(req)
	if err != nil {
		err = redactURL(err, target)
		log.LogAttrs(ctx, slog.LevelWarn, "fullscript request failed", slog.String("method", c.method),
			slog.String("path", logPath), slog.Duration("duration", time.Since(start)), slog.String("err", err.Error()))
		return nil, "", fmt.Errorf("%s: %w", c.op, err)
	}
	defer res.Body.Close()
	reqID := res.Header.Get("X-Request-Id")
	raw, readErr := io.ReadAll(io.LimitReader(res.Body, maxReplyBytes+1))
	level := slog.LevelDebug
	if res.StatusCode < 200 || res.StatusCode > 299 {
		level = slog.LevelInfo
	}
	log.LogAttrs(ctx, level, "fullscript request", slog.String("method", c.method), slog.String("path", logPath),
		slog.Int("status", res.StatusCode), slog.String("request_id", reqID), slog.Duration("duration", time.Since(start)))
	if readErr != nil {
		return nil, reqID, fmt.Errorf("%s: read reply (status %d, request %s): %w", c.op, res.StatusCode, reqID, readErr)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		ae := apiErrorOf(res, raw, accessToken)
		return nil, reqID, fmt.Errorf("%s: %w", c.op, ae)
	}
	if len(raw) > maxReplyBytes {
		return nil, reqID, malformed(c.op, reqID, fmt.Errorf("reply is larger than %d bytes", maxReplyBytes))
	}
	return raw, reqID, nil
}

// redactURL drops the query from a transport error: *url.Error quotes the
// whole URL, and a search query is PII.
func redactURL(err error, target string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: target, Err: ue.Err}
	}
	return err
}

// apiErrorOf is the error of a non-2xx reply to a call made with
// accessToken. The token is taken out of the body before anything is read
// from it: a snippet cut in the middle of the token would keep its head.
func apiErrorOf(res *http.Response, body []byte, accessToken string) *APIError {
	if accessToken != "" {
		body = bytes.ReplaceAll(body, []byte(accessToken), []byte("[redacted]"))
	}
	ae := newAPIError(res, body)
	redactToken(ae, accessToken)
	return ae
}

// redactToken: a server that echoes what it was sent must not put the
// token into our error messages.
func redactToken(ae *APIError, token string) {
	if token == "" {
		return
	}
	for i, m := range ae.Messages {
		ae.Messages[i] = strings.ReplaceAll(m, token, "[redacted]")
	}
}

// malformed wraps ErrMalformedReply with the call and the request id.
// cause must not quote the body (it may hold tokens or patient data).
func malformed(op, reqID string, cause error) error {
	if reqID == "" {
		reqID = "unknown"
	}
	return fmt.Errorf("%s: %w (request %s): %v", op, ErrMalformedReply, reqID, cause)
}

// decodeInto parses a 2xx body into v. encoding/json's messages name types
// and offsets, never values, so they are safe to keep.
func decodeInto(op, reqID string, raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return malformed(op, reqID, err)
	}
	return nil
}

// unwrap returns the object under key, or the body itself when it is not
// wrapped: single-resource envelopes are a peer's observation, not
// Fullscript's word (reference 3.1).
func unwrap(op, reqID string, raw []byte, key string) (json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, malformed(op, reqID, err)
	}
	if top == nil {
		return nil, malformed(op, reqID, errors.New("reply is null, want a JSON object"))
	}
	if inner, ok := top[key]; ok {
		if _, ok := asObject(inner); !ok {
			return nil, malformed(op, reqID, fmt.Errorf("%q is not an object", key))
		}
		return inner, nil
	}
	return raw, nil
}

// pathID escapes one path segment and refuses ids that would change the
// route (an empty id would hit the list endpoint instead).
func pathID(what, id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" || id == "." || id == ".." {
		return "", fmt.Errorf("%s id is empty or invalid", what)
	}
	return url.PathEscape(id), nil
}
