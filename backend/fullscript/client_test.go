package fullscript

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"fullscript-companion/backend/internal/syncbuf"
	"fullscript-companion/backend/sandbox"
)

// The log must show what happened and nothing private: no token, no search
// query, whether the call works, fails at Fullscript or fails on the wire.
func TestLogHasNoTokenOrQuery(t *testing.T) {
	e := newTestEnv(t)
	s := e.signIn("ben.okafor@example.com")
	var buf syncbuf.Buffer
	e.client.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const query = "Marsh"
	const path = "/api/clinic/search/patients"

	pg, err := e.client.SearchPatients(ctxT(t), s.access, query, 1, 5)
	if err != nil || len(pg.Patients) == 0 {
		t.Fatalf("search: %d patients, %v", len(pg.Patients), err)
	}
	e.fault(sandbox.Fault{Path: path, Kind: "status", Status: 500, Count: 1})
	if _, err := e.client.SearchPatients(ctxT(t), s.access, query, 1, 5); err == nil {
		t.Fatal("want the 500")
	}
	e.fault(sandbox.Fault{Path: path, Kind: "drop"})
	_, dropErr := e.client.SearchPatients(ctxT(t), s.access, query, 1, 5)
	if dropErr == nil {
		t.Fatal("want the dropped connection to fail")
	}
	e.clearFaults(t)
	if _, err := e.client.SearchPatients(ctxT(t), "", query, 1, 5); !IsUnauthorized(err) {
		t.Fatalf("want a 401, got %v", err)
	}

	out := buf.String()
	for _, want := range []string{"method=GET", "path=" + path, "status=200", "status=500", "status=401", "request_id=", "duration=", "fullscript request failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{s.access, strings.ToLower(query), "query=", "Bearer"} {
		if strings.Contains(strings.ToLower(out), strings.ToLower(secret)) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	// The transport error quotes the URL: it must not quote the query either.
	if strings.Contains(strings.ToLower(dropErr.Error()), "marsh") || !strings.Contains(dropErr.Error(), path) {
		t.Errorf("network error text %q", dropErr)
	}
}

func TestOffline(t *testing.T) {
	// A sandbox that ran and stopped: its port now refuses connections.
	sb, err := sandbox.New(sandbox.Config{AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := &Client{APIBase: base + "/api"}
	calls := map[string]func() error{
		"get clinic":           func() error { _, err := c.Clinic(ctxT(t), "tok"); return err },
		"create session grant": func() error { _, err := c.CreateSessionGrant(ctxT(t), "tok"); return err },
		"search patients":      func() error { _, err := c.SearchPatients(ctxT(t), "tok", "Marsh", 1, 5); return err },
	}
	for op, call := range calls {
		err := call()
		if !IsOffline(err) {
			t.Errorf("%s: want IsOffline, got %v", op, err)
		}
		if asAPI(err) || !strings.HasPrefix(err.Error(), op+": ") || strings.Contains(err.Error(), "Marsh") {
			t.Errorf("%s: error text %q", op, err)
		}
	}
}

func TestIsOffline(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"dns", &net.DNSError{Err: "no such host", Name: "api-us.fullscript.com", IsNotFound: true}, true},
		{"dial", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("network is unreachable")}, true},
		{"read", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, false},
		{"api error", &APIError{Status: 503}, false},
		{"timeout", context.DeadlineExceeded, false},
		{"cancelled while dialling", &net.OpError{Op: "dial", Net: "tcp", Err: context.Canceled}, false},
		{"wrapped refusal", fmt.Errorf("get clinic: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true},
	}
	for _, tt := range tests {
		if got := IsOffline(tt.err); got != tt.want {
			t.Errorf("%s: IsOffline = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTimeoutIsWrapped(t *testing.T) {
	e := newTestEnv(t)
	s := e.signIn("")
	e.client.HTTP = &http.Client{Timeout: 50 * time.Millisecond}
	e.fault(sandbox.Fault{Path: "/api/clinic", Kind: "latency", LatencyMS: 2000, Count: 1})
	_, err := e.client.Clinic(ctxT(t), s.access)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || asAPI(err) || !strings.HasPrefix(err.Error(), "get clinic: ") {
		t.Fatalf("want a wrapped timeout, got %v", err)
	}
}

func TestUserAgentAndNoBodyOnGet(t *testing.T) {
	var got http.Header
	srv := newHeaderServer(t, &got)
	c := &Client{APIBase: srv + "/api", UserAgent: "fullscript-companion/test"}
	if _, err := c.Clinic(ctxT(t), "tok-123"); err != nil {
		t.Fatal(err)
	}
	if got.Get("User-Agent") != "fullscript-companion/test" || got.Get("Authorization") != "Bearer tok-123" ||
		got.Get("Accept") != "application/json" || got.Get("Content-Type") != "" {
		t.Fatalf("headers: %v", got)
	}
}

func newHeaderServer(t *testing.T, got *http.Header) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*got = r.Header.Clone()
		w.Header().Set("X-Request-Id", "req-1")
		_, _ = w.Write([]byte(`{"clinic":{"id":"c-1","name":"Test"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A server that echoes the token back must not get it into our errors.
func TestErrorNeverQuotesToken(t *testing.T) {
	const token = "tok-very-secret-123"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("bad header: " + r.Header.Get("Authorization")))
	}))
	defer srv.Close()
	c := &Client{APIBase: srv.URL}
	_, err := c.Clinic(ctxT(t), token)
	if ae := asAPIError(t, err); ae.Status != 400 || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("error text %q", err)
	}
}

func TestBadAPIBase(t *testing.T) {
	tests := []struct {
		name, base string
	}{
		{"empty", ""},
		{"control character", "http://127.0.0.1:1/\x7f"},
	}
	for _, tt := range tests {
		c := &Client{APIBase: tt.base}
		_, err := c.SearchPatients(ctxT(t), "tok", "Marsh", 1, 5)
		if err == nil || !strings.HasPrefix(err.Error(), "search patients: ") || strings.Contains(err.Error(), "Marsh") {
			t.Errorf("%s: error %v", tt.name, err)
		}
	}
}
