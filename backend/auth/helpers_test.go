package auth

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

// fixture is a running sandbox and a Config for its built-in client.
type fixture struct {
	sb   *sandbox.Sandbox
	info sandbox.Info
	cfg  Config
	// tokenHTTP is the client the Config uses, so tests can close its
	// idle connections before counting goroutines.
	tokenHTTP *http.Client
}

func newFixture(t *testing.T, sc sandbox.Config) *fixture {
	t.Helper()
	sb, err := sandbox.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sb.Close(ctx); err != nil {
			t.Errorf("close sandbox: %v", err)
		}
	})
	info := sb.Info()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	return &fixture{sb: sb, info: info, tokenHTTP: hc, cfg: Config{
		ClientID: info.ClientID, ClientSecret: info.ClientSecret,
		AuthorizeURL: info.AuthorizeURL, TokenURL: info.TokenURL, RevokeURL: info.RevokeURL,
		RedirectURI: info.RedirectURI,
		HTTPClient:  hc,
		Logger:      slog.New(slog.DiscardHandler),
	}}
}

// user finds a seeded user by type, in the first clinic.
func (f *fixture) user(t *testing.T, typ string) sandbox.InfoUser {
	t.Helper()
	for _, u := range f.info.Clinics[0].Users {
		if u.Type == typ {
			return u
		}
	}
	t.Fatalf("no %s in the sandbox seed", typ)
	return sandbox.InfoUser{}
}

// browser plays the system browser: it follows redirects and remembers
// every URL it visited.
type browser struct {
	client *http.Client

	mu      sync.Mutex
	visited []*url.URL
	status  int
	body    string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	b := &browser{}
	b.client = &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			b.mu.Lock()
			b.visited = append(b.visited, req.URL)
			b.mu.Unlock()
			if len(via) > 5 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
	t.Cleanup(b.client.CloseIdleConnections)
	return b
}

// open GETs u and keeps the final page.
func (b *browser) open(u string) error {
	resp, err := b.client.Get(u)
	if err != nil {
		return err
	}
	return b.keep(resp)
}

func (b *browser) keep(resp *http.Response) error {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.status, b.body = resp.StatusCode, string(body)
	return err
}

func (b *browser) page() (int, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status, b.body
}

// lastVisited is the last redirect target: the callback URL.
func (b *browser) lastVisited() *url.URL {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.visited) == 0 {
		return nil
	}
	return b.visited[len(b.visited)-1]
}

// authParams reads the authorization URL SignIn built.
type authParams struct {
	raw         string
	query       url.Values
	redirectURI *url.URL
}

func parseAuthURL(t *testing.T, raw string) authParams {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("authorization URL: %v", err)
	}
	q := u.Query()
	ru, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		t.Fatalf("redirect_uri: %v", err)
	}
	return authParams{raw: raw, query: q, redirectURI: ru}
}

// listenerBase is scheme://host:port of the listener.
func (a authParams) listenerBase() string {
	return a.redirectURI.Scheme + "://" + a.redirectURI.Host
}

// assertClosed checks nothing listens on addr any more.
func assertClosed(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after SignIn returned", addr)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s: want connection refused, got %v", addr, err)
	}
}

// goroutineBaseline returns a check that the goroutine count is back to
// what it is now (after idle connections are closed).
func goroutineBaseline(t *testing.T, clients ...*http.Client) func() {
	t.Helper()
	for _, c := range clients {
		c.CloseIdleConnections()
	}
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for {
			for _, c := range clients {
				c.CloseIdleConnections()
			}
			now := runtime.NumGoroutine()
			if now <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				n := runtime.Stack(buf, true)
				t.Fatalf("goroutines: %d before SignIn, %d after\n%s", before, now, buf[:n])
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// mustNotContain fails if text holds any of the secrets.
func mustNotContain(t *testing.T, what, text string, secrets map[string]string) {
	t.Helper()
	for name, s := range secrets {
		if s == "" {
			t.Errorf("%s: the secret %q to look for is empty", what, name)
			continue
		}
		if strings.Contains(text, s) {
			t.Errorf("%s contains the %s", what, name)
		}
	}
}
