package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// RequestIDHeader is on every response, as on Fullscript's.
const RequestIDHeader = "X-Request-Id"

type ctxKey int

const requestIDKey ctxKey = iota

func (s *Sandbox) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newUUID()
		w.Header().Set(RequestIDHeader, id)
		// ServeMux would redirect "//api/..." to the clean path, hiding a
		// client whose base URL ends in a slash (fullscript-js's domain
		// must not): answer 404 as a strict server would.
		if strings.Contains(r.URL.Path, "//") {
			writeStatusError(w, http.StatusNotFound)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Hijack (the dropped-connection fault).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// withLog logs method, path, status and request id: never the query string
// (codes, secret tokens) or a body.
func (s *Sandbox) withLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if !strings.HasPrefix(r.URL.Path, "/_sandbox/") {
			s.reqLog.add(LoggedRequest{At: start.UTC(), Method: r.Method, Path: r.URL.Path, Status: rec.status})
		}
		id, _ := r.Context().Value(requestIDKey).(string)
		s.log.Info("sandbox request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"request_id", id, "ms", time.Since(start).Milliseconds())
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeStatusError answers in the shape a peer saw from Fullscript for a
// wrong path: {"status":404,"error":"Not Found"}.
func writeStatusError(w http.ResponseWriter, status int) {
	writeJSON(w, status, map[string]any{"status": status, "error": http.StatusText(status)})
}

// oauthError is an RFC 6749 error reply.
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="fullscript-sandbox"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// writeValidation is a 422 with the messages a form would show.
func writeValidation(w http.ResponseWriter, msgs []string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"errors": msgs})
}

const maxBody = 1 << 20

// readParams reads a JSON or form-encoded body into string values (the
// token and revoke endpoints accept both).
func readParams(r *http.Request) (url.Values, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "application/json" || (ct == "" && looksLikeJSON(body)):
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, fmt.Errorf("the body is not valid JSON: %w", err)
		}
		v := url.Values{}
		for k, x := range m {
			switch x := x.(type) {
			case string:
				v.Set(k, x)
			case nil:
			default:
				b, _ := json.Marshal(x)
				v.Set(k, string(b))
			}
		}
		return v, nil
	case ct == "application/x-www-form-urlencoded" || ct == "":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("the body is not valid form data: %w", err)
		}
		return v, nil
	}
	return nil, errors.New("send the body as application/json or application/x-www-form-urlencoded, not " + ct)
}

func looksLikeJSON(b []byte) bool {
	t := strings.TrimSpace(string(b))
	return strings.HasPrefix(t, "{")
}

// decodeJSON reads a JSON body into v.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("the body is empty; send a JSON object")
		}
		return fmt.Errorf("the body is not valid JSON: %w", err)
	}
	return nil
}
