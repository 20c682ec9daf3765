package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault kinds.
const (
	FaultStatus       = "status"        // answer with Status and a Fullscript-like body (or Body)
	FaultLatency      = "latency"       // wait LatencyMS, then answer normally
	FaultRateLimit    = "rate_limit"    // 429 with Retry-After
	FaultInvalidGrant = "invalid_grant" // a refresh_token grant fails with invalid_grant
	FaultMalformed    = "malformed"     // 200 with a broken JSON body
	FaultDrop         = "drop"          // close the connection without an answer
	// FaultInvalidSecretToken makes an Embed page answer as for a spent
	// grant: the page posts serverError INVALID_SECRET_TOKEN to its parent.
	FaultInvalidSecretToken = "invalid_secret_token"
)

// Fault is one injected failure. Path matches exactly, or as a prefix when
// it ends in '*'. Count is how many requests it hits (0: until cleared).
// LatencyMS delays any kind.
type Fault struct {
	ID         string `json:"id"`
	Method     string `json:"method,omitempty"`
	Path       string `json:"path"`
	Kind       string `json:"kind"`
	Status     int    `json:"status,omitempty"`
	Body       string `json:"body,omitempty"`
	LatencyMS  int    `json:"latency_ms,omitempty"`
	RetryAfter int    `json:"retry_after,omitempty"`
	Count      int    `json:"count,omitempty"`
	Hits       int    `json:"hits"`
}

func (f *Fault) validate() error {
	switch f.Kind {
	case FaultStatus:
		if f.Status < 100 || f.Status > 599 {
			return fmt.Errorf("a %q fault needs a status between 100 and 599", f.Kind)
		}
	case FaultLatency:
		if f.LatencyMS <= 0 {
			return errors.New(`a "latency" fault needs latency_ms > 0`)
		}
	case FaultRateLimit, FaultInvalidGrant, FaultMalformed, FaultDrop, FaultInvalidSecretToken:
	default:
		return fmt.Errorf("unknown fault kind %q: use status, latency, rate_limit, invalid_grant, malformed, drop or invalid_secret_token", f.Kind)
	}
	switch {
	case !strings.HasPrefix(f.Path, "/"):
		return errors.New(`path must start with "/", e.g. /api/oauth/token`)
	case strings.HasPrefix(f.Path, "/_sandbox"):
		return errors.New("the /_sandbox routes cannot be faulted")
	case f.Count < 0 || f.LatencyMS < 0 || f.RetryAfter < 0:
		return errors.New("count, latency_ms and retry_after cannot be negative")
	}
	f.Method = strings.ToUpper(f.Method)
	return nil
}

func (f *Fault) matches(r *http.Request) bool {
	if f.Method != "" && f.Method != r.Method {
		return false
	}
	if prefix, ok := strings.CutSuffix(f.Path, "*"); ok {
		return strings.HasPrefix(r.URL.Path, prefix)
	}
	return r.URL.Path == f.Path
}

type faultTable struct {
	mu     sync.Mutex
	faults []*Fault
}

func newFaultTable() *faultTable { return &faultTable{} }

func (t *faultTable) add(f Fault) Fault {
	t.mu.Lock()
	defer t.mu.Unlock()
	f.ID = newUUID()
	t.faults = append(t.faults, &f)
	return f
}

func (t *faultTable) list() []Fault {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Fault, 0, len(t.faults))
	for _, f := range t.faults {
		out = append(out, *f)
	}
	return out
}

// clear removes one fault by id, or all when id is empty; it reports how many.
func (t *faultTable) clear(id string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(t.faults)
	if id == "" {
		t.faults = nil
		return n
	}
	t.faults = slicesDelete(t.faults, func(f *Fault) bool { return f.ID == id })
	return n - len(t.faults)
}

func slicesDelete(fs []*Fault, del func(*Fault) bool) []*Fault {
	out := fs[:0]
	for _, f := range fs {
		if !del(f) {
			out = append(out, f)
		}
	}
	return out
}

// take finds the first fault for r and counts the hit; a fault whose count
// is spent is removed.
func (t *faultTable) take(r *http.Request, isRefresh func() bool) (Fault, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, f := range t.faults {
		if !f.matches(r) || (f.Kind == FaultInvalidGrant && !isRefresh()) || (f.Kind == FaultInvalidSecretToken && !isEmbedPage(r)) {
			continue
		}
		f.Hits++
		hit := *f
		if f.Count > 0 && f.Hits >= f.Count {
			t.faults = append(t.faults[:i], t.faults[i+1:]...)
		}
		return hit, true
	}
	return Fault{}, false
}

// withFaults applies injected faults before the route runs.
func (s *Sandbox) withFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_sandbox/") {
			next.ServeHTTP(w, r)
			return
		}
		f, ok := s.faults.take(r, func() bool { return isRefreshRequest(r) })
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if f.LatencyMS > 0 {
			select {
			case <-time.After(time.Duration(f.LatencyMS) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		switch f.Kind {
		case FaultLatency:
			next.ServeHTTP(w, r)
		case FaultStatus:
			if f.Body != "" {
				writeRaw(w, f.Status, f.Body)
				return
			}
			writeStatusError(w, f.Status)
		case FaultRateLimit:
			retry := f.RetryAfter
			if retry == 0 {
				retry = 30
			}
			w.Header().Set("Retry-After", strconv.Itoa(retry))
			writeStatusError(w, http.StatusTooManyRequests)
		case FaultInvalidGrant:
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant",
				"The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.")
		case FaultMalformed:
			body := f.Body
			if body == "" {
				body = `{"oauth": {"access_token": "` // cut off mid-value
			}
			writeRaw(w, http.StatusOK, body)
		case FaultInvalidSecretToken:
			// As the real page would: framed for an allowed origin, the grant
			// left as it was (unclaimed), the parent told why.
			q := r.URL.Query()
			origin := q.Get("target_origin")
			if !s.originAllowed(origin) {
				s.refuse(w, embedEvent{FrameID: q.Get("frame_id"), TargetOrigin: origin}, "origin_not_allowed", "The origin is not on the allow-list.")
				return
			}
			w.Header().Set("Content-Security-Policy", embedCSP(origin))
			s.serverError(w, embedEvent{FrameID: q.Get("frame_id"), TargetOrigin: origin}, "INVALID_SECRET_TOKEN: injected fault")
		case FaultDrop:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				s.log.Warn("drop fault: cannot hijack the connection", "err", err)
				return
			}
			_ = conn.Close()
		}
	})
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// isEmbedPage is true for the two session pages fullscript-js frames.
func isEmbedPage(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/embeddable/session/") && !strings.HasPrefix(r.URL.Path, "/api/embeddable/session/actions/")
}

// isRefreshRequest peeks at a token request's grant_type and puts the body back.
func isRefreshRequest(r *http.Request) bool {
	if r.Method != http.MethodPost || r.URL.Path != "/api/oauth/token" || r.Body == nil {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	peek := r.Clone(r.Context())
	peek.Body = io.NopCloser(bytes.NewReader(body))
	p, err := readParams(peek)
	return err == nil && p.Get("grant_type") == "refresh_token"
}

// decodeFault reads a fault from a control request.
func decodeFault(r *http.Request) (Fault, error) {
	var f Fault
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("a fault is a JSON object like {\"path\":\"/api/oauth/token\",\"kind\":\"status\",\"status\":503,\"count\":1}: %w", err)
	}
	return f, f.validate()
}
