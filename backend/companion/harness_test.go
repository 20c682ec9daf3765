package companion

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fullscript-companion/backend/internal/syncbuf"
	"fullscript-companion/backend/sandbox"
)

// world is a sandbox on loopback and a Service signed in to nothing yet,
// with a clock the test moves (the sandbox keeps real time; the app's
// clock decides when it refreshes).
type world struct {
	t       testing.TB
	sb      *sandbox.Sandbox
	base    string
	addr    string
	svc     *Service
	dataDir string
	log     *syncbuf.Buffer
	mu      sync.Mutex
	now     time.Time
	env     map[string]string
	http    *http.Client // nil: the app's own default
}

func newWorld(t testing.TB, cfg sandbox.Config) *world {
	t.Helper()
	cfg.AutoApprove = true
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close(context.Background()) })
	w := &world{t: t, sb: sb, base: base, addr: strings.TrimPrefix(base, "http://"), dataDir: filepath.Join(t.TempDir(), "data"),
		log: &syncbuf.Buffer{}, now: time.Now().UTC(), env: map[string]string{EnvVarSandboxURL: base}}
	w.svc = w.newService()
	return w
}

// newService is another Service on the same data dir, as a second window
// or CLI process would have.
func (w *world) newService() *Service {
	w.t.Helper()
	s := New(Options{
		DataDir: w.dataDir, KeyringOff: true,
		Platform:   Platform{GOOS: "linux", Getenv: func(k string) string { return w.env[k] }, HomeDir: func() (string, error) { return "/nonexistent", nil }},
		Logger:     slog.New(slog.NewTextHandler(w.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:        w.clock,
		HTTPClient: w.http,
	})
	if err := s.Start(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { s.Shutdown(context.Background()) })
	return s
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = w.now.Add(d)
}

// browser plays the system browser: it follows the authorize URL, through
// the auto-approving sandbox, to the app's loopback listener.
func browser(url string) error {
	go func() {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
		}
	}()
	return nil
}

func (w *world) signIn(hint string) AccountInfo {
	w.t.Helper()
	a, err := w.svc.SignIn(context.Background(), SignInRequest{
		Environment: "local",
		OpenBrowser: func(u string) error {
			if hint != "" {
				u += "&login_hint=" + hint
			}
			return browser(u)
		},
		Timeout: 20 * time.Second,
	})
	if err != nil {
		w.t.Fatalf("sign in: %v", err)
	}
	return a
}

// pairs counts the token pairs the sandbox has issued: one per sign-in and
// one per refresh.
func (w *world) pairs() int {
	return len(w.sb.Snapshot().Tokens)
}

// stopSandbox takes Fullscript off the network, keeping its state;
// startSandbox brings it back at the same address.
func (w *world) stopSandbox() {
	w.t.Helper()
	if err := w.sb.Close(context.Background()); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) startSandbox() {
	w.t.Helper()
	if _, err := w.sb.Start(w.addr); err != nil {
		w.t.Fatal(err)
	}
}

// consentBrowser plays a person on the sandbox's consent page: it approves
// as the first person listed, then follows the redirect to the app.
func consentBrowser(authURL string) error {
	go func() {
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := noFollow.Get(authURL)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		page := string(body)
		field := func(start string) string {
			_, after, _ := strings.Cut(page, start)
			v, _, _ := strings.Cut(after, `"`)
			return v
		}
		u, _ := url.Parse(authURL)
		form := url.Values{"request": {field(`name="request" value="`)}, "user_id": {field(`name="user_id" value="`)}, "decision": {"approve"}}
		res, err = noFollow.PostForm(u.Scheme+"://"+u.Host+u.Path, form)
		if err != nil {
			return
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); loc != "" {
			if res, err := http.Get(loc); err == nil {
				res.Body.Close()
			}
		}
	}()
	return nil
}
