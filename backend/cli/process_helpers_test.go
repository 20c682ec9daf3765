package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fullscript-companion/backend/companion"
	"fullscript-companion/backend/internal/syncbuf"
	"fullscript-companion/backend/sandbox"
)

// fixture is a sandbox on loopback and a data folder the CLI processes share.
type fixture struct {
	t       *testing.T
	sb      *sandbox.Sandbox
	base    string
	addr    string
	dataDir string
	mu      sync.Mutex
	outputs []string // everything every process printed, for the secrets check
}

func newFixture(t *testing.T, cfg sandbox.Config) *fixture {
	t.Helper()
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close(context.Background()) })
	return &fixture{t: t, sb: sb, base: base, addr: strings.TrimPrefix(base, "http://"), dataDir: filepath.Join(t.TempDir(), "data")}
}

type proc struct {
	cmd    *exec.Cmd
	stdout *syncbuf.Buffer
	stderr *syncbuf.Buffer
	done   chan struct{}
	code   int
}

// start runs the CLI in a new process with the fixture's data folder.
func (f *fixture) start(extraEnv []string, args ...string) *proc {
	f.t.Helper()
	cmd := exec.Command(os.Args[0], append(args, "--data-dir", f.dataDir)...)
	cmd.Env = append(os.Environ(), cliMainEnv+"=1", companion.KeyringEnv+"=off", "FULLSCRIPT_COMPANION_LOG=debug", companion.TestHookEnv+"=")
	cmd.Env = append(cmd.Env, extraEnv...)
	p := &proc{cmd: cmd, stdout: &syncbuf.Buffer{}, stderr: &syncbuf.Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			p.code = ee.ExitCode()
		case err != nil:
			p.code = -1
		}
		f.mu.Lock()
		f.outputs = append(f.outputs, p.stdout.String(), p.stderr.String())
		f.mu.Unlock()
		close(p.done)
	}()
	return p
}

func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Fatalf("%v did not finish; stderr:\n%s", p.cmd.Args, p.stderr.String())
		return -1
	}
}

// run runs the CLI to the end.
func (f *fixture) run(args ...string) (code int, stdout, stderr string) {
	f.t.Helper()
	p := f.start(nil, args...)
	code = p.wait(f.t)
	return code, p.stdout.String(), p.stderr.String()
}

// waitFor polls s until it contains want.
func waitFor(t *testing.T, what string, s func() string, want string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if v := s(); strings.Contains(v, want) {
			return v
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never showed %q; got:\n%s", what, want, s())
	return ""
}

// login signs in through a real `login --no-browser` process; the test
// plays the browser by opening the printed URL.
func (f *fixture) login(hint string) string {
	f.t.Helper()
	p := f.start(nil, "login", "--env", "local", "--sandbox-url", f.base, "--no-browser")
	url := firstLine(waitFor(f.t, "login stdout", p.stdout.String, "\n"))
	if hint != "" {
		url += "&login_hint=" + hint
	}
	browse(f.t, url)
	if code := p.wait(f.t); code != 0 {
		f.t.Fatalf("login: exit %d\n%s", code, p.stderr.String())
	}
	return p.stdout.String()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// browse follows the authorize URL through the auto-approving sandbox to
// the CLI's loopback listener.
func browse(t *testing.T, url string) *http.Response {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func (f *fixture) accounts() companion.AccountsReport {
	f.t.Helper()
	code, out, errOut := f.run("accounts", "--json")
	if code != 0 {
		f.t.Fatalf("accounts: exit %d\n%s", code, errOut)
	}
	var r companion.AccountsReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		f.t.Fatalf("accounts --json: %v\n%s", err, out)
	}
	return r
}

func (f *fixture) pairs() int { return len(f.sb.Snapshot().Tokens) }

func (f *fixture) stopSandbox() {
	f.t.Helper()
	if err := f.sb.Close(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) startSandbox() {
	f.t.Helper()
	if _, err := f.sb.Start(f.addr); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) allOutput() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.outputs, "\n")
}

// lines reads s line by line.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}
