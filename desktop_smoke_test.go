//go:build smoke || package

// The desktop smoke test: the real binary, in a real window, on a real X
// server (Xvfb). `make smoke` builds the app and runs it:
//
//	go test -tags smoke -run TestDesktopSmoke -v .
//
// It needs Xvfb and ImageMagick's import (see .ci/install-deps).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// Bigger than the window, so nothing is clipped.
	smokeScreen = "1600x1000x24"
	// Generous: a cold WebKit start on a loaded 2-core CI machine.
	smokeReadyTimeout = 90 * time.Second
	smokeStopTimeout  = 15 * time.Second
)

// readyLine is the slog line companion.FrontendReady writes on first render.
var readyLine = regexp.MustCompile(`msg="frontend ready" origin=(\S+) view=(\S+)`)

func TestDesktopSmoke(t *testing.T) {
	binary := envOr("SMOKE_BINARY", filepath.Join("build", "bin", "fullscript-companion"))
	if _, err := os.Stat(binary); err != nil {
		t.Fatalf("no app binary at %s (%v): build it first with `make build`", binary, err)
	}
	binary, _ = filepath.Abs(binary)
	artifacts, _ := filepath.Abs(envOr("SMOKE_ARTIFACTS", filepath.Join("build", "smoke")))
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	assertBuiltPageIsLockedDown(t, filepath.Join("frontend", "dist", "index.html"))
	display := startXvfb(t)

	t.Run("first start shows the empty state", func(t *testing.T) {
		run := launch(t, binary, display, filepath.Join(artifacts, "app.log"))
		origin, view := run.waitReady()
		if origin != "wails://wails" {
			t.Errorf("webview origin = %q, want wails://wails (the Embed allow-list depends on it)", origin)
		}
		if view != "empty" {
			t.Errorf("first screen = %q, want the empty state on a fresh profile", view)
		}

		shot, stats := screenshotWindow(t, display, filepath.Join(artifacts, "desktop-smoke.png"))
		if shot.Dx() != 1200 || shot.Dy() != 820 {
			t.Errorf("window is %dx%d, want the default 1200x820", shot.Dx(), shot.Dy())
		}
		t.Logf("screenshot: %dx%d, %d colours, dominant colour %.1f%%", shot.Dx(), shot.Dy(), stats.colours, stats.dominantShare*100)

		if log := run.stop(); strings.Contains(log, "level=ERROR") {
			t.Errorf("app logged errors:\n%s", log)
		}

		// The data folder exists and is private, and so is everything WebKit
		// wrote for the app (its storage and cache hold Fullscript's pages).
		dataDir := filepath.Join(run.dirs["XDG_CONFIG_HOME"], "fullscript-companion")
		if info, err := os.Stat(dataDir); err != nil {
			t.Errorf("data folder not created: %v", err)
		} else if info.Mode().Perm() != 0o700 {
			t.Errorf("data folder mode = %v, want 0700", info.Mode().Perm())
		}
		for _, name := range []string{"XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"} {
			assertPrivateTree(t, run.dirs[name])
		}
	})

	t.Run("open hands a patient's treatment plan to the window", func(t *testing.T) {
		openTreatmentPlan(t, binary, display, artifacts, false)
	})

	t.Run("a fullscript-companion:// link starts the window on a patient's plan", func(t *testing.T) {
		openTreatmentPlan(t, binary, display, artifacts, true)
	})

	t.Run("a second open hands over to the running window", func(t *testing.T) {
		secondOpenHandsOver(t, binary, display, artifacts)
	})

	t.Run("Help > Check connection from the keyboard; the frame stays at 1064x640 and 1280x800", func(t *testing.T) {
		dataDir, _ := prepareAccount(t, binary)
		run := launch(t, binary, display, filepath.Join(artifacts, "app-diagnostics.log"), "FSC_DATA_DIR="+dataDir, "FSC_KEYRING=off")
		run.waitReady()
		resizeWindow(t, display, 1064, 640)
		// F10 opens the menu bar; Help is the third menu, Check connection its first item.
		pressKeys(t, display, "F10", "Right", "Right", "Down", "Return")
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(run.log.String(), "path=/api/clinic ") {
			if time.Now().After(deadline) {
				t.Fatalf("Check connection did not run (no request for the clinic):\n%s", run.log)
			}
			time.Sleep(200 * time.Millisecond)
		}
		time.Sleep(1500 * time.Millisecond) // the report paints
		shotAtFrameSizes(t, display, artifacts, "desktop-diagnostics", func() {
			// Down to the report: only the content scrolls, the frame stays.
			mustXdotool(t, display, "mousemove", "--window", "%1", "700", "400", "click", "--repeat", "20", "--delay", "30", "5")
			time.Sleep(500 * time.Millisecond)
		})
		if log := run.stop(); strings.Contains(log, "level=ERROR") {
			t.Errorf("app logged errors:\n%s", log)
		}
	})

	t.Run("Ctrl+Q quits cleanly, from the window's menu", func(t *testing.T) {
		run := launch(t, binary, display, filepath.Join(artifacts, "app-quit.log"))
		run.waitReady()
		screenshotWindow(t, display, filepath.Join(artifacts, "desktop-menu.png"))
		// The window is gone before xdotool is done with it: its status says
		// nothing; the app's exit does.
		keyOut, keyErr := xdotool(display, "windowfocus", "--sync", "%1", "key", "--clearmodifiers", "ctrl+q")
		select {
		case <-run.done:
			if run.exitErr != nil {
				t.Errorf("exit after Ctrl+Q: %v", run.exitErr)
			}
			if !strings.Contains(run.log.String(), `msg="shutdown complete"`) {
				t.Errorf("Ctrl+Q did not run the shutdown:\n%s", run.log)
			}
		case <-time.After(smokeStopTimeout):
			t.Fatalf("still running %v after Ctrl+Q (xdotool: %v %s)", smokeStopTimeout, keyErr, keyOut)
		}
	})

	t.Run("a lost database offers its backup, and Restore brings the account back", func(t *testing.T) {
		restoreLostDatabase(t, binary, display, artifacts)
	})

	t.Run("an unusable data folder is explained and nothing is lost", func(t *testing.T) {
		// Where the data folder should be, there is a file the user cares about.
		blocker := filepath.Join(t.TempDir(), "fullscript-companion")
		const content = "notes the practitioner keeps here"
		if err := os.WriteFile(blocker, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		run := launch(t, binary, display, filepath.Join(artifacts, "app-error.log"), "FSC_DATA_DIR="+blocker)
		if _, view := run.waitReady(); view != "error" {
			t.Errorf("first screen = %q, want the error state", view)
		}
		screenshotWindow(t, display, filepath.Join(artifacts, "desktop-smoke-error.png"))
		log := run.stop()
		if !strings.Contains(log, "is a file, not a folder") {
			t.Errorf("the log does not say what is wrong:\n%s", log)
		}
		if got, err := os.ReadFile(blocker); err != nil || string(got) != content {
			t.Errorf("the file in the way was changed: %q, %v", got, err)
		}
	})
}

// restoreLostDatabase deletes a signed-in data folder's database after a
// backup, starts the window, and restores with the keyboard: the recovery
// screen's first button is the newest backup, and it has the focus.
func restoreLostDatabase(t *testing.T, binary, display, artifacts string) {
	dataDir, _ := prepareAccount(t, binary)
	env := append(os.Environ(), "FSC_KEYRING=off", "FSC_DATA_DIR="+dataDir)
	cli := func(args ...string) string {
		c := exec.Command(binary, args...)
		c.Env = env
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cli("backup")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(filepath.Join(dataDir, "companion.db"+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	run := launch(t, binary, display, filepath.Join(artifacts, "app-restore.log"), "FSC_DATA_DIR="+dataDir, "FSC_KEYRING=off")
	if _, view := run.waitReady(); view != "error" {
		t.Errorf("first screen = %q, want the error state", view)
	}
	time.Sleep(1 * time.Second) // the backup is listed and its button painted
	screenshotWindow(t, display, filepath.Join(artifacts, "desktop-vault-recovery.png"))
	mustXdotool(t, display, "windowfocus", "--sync", "%1", "key", "--clearmodifiers", "Return")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(run.log.String(), `msg="vault restored from a backup"`) {
		if time.Now().After(deadline) {
			t.Fatalf("Return on the recovery screen did not restore:\n%s", run.log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // the accounts paint
	screenshotWindow(t, display, filepath.Join(artifacts, "desktop-vault-restored.png"))
	run.stop()
	if out := cli("accounts"); !strings.Contains(out, "Riverside Wellness Clinic") || !strings.Contains(out, "valid") {
		t.Errorf("accounts after the restore in the window:\n%s", out)
	}
}

// prepareAccount signs Dr. Ada Moss in at Riverside with the CLI: a
// sandbox keeping its state in the data folder (where the window's built-in
// sandbox will find it) and `login`. It returns the data folder and a
// patient's Fullscript id.
func prepareAccount(t *testing.T, binary string) (dataDir, patientID string) {
	dataDir = filepath.Join(t.TempDir(), "data")
	cliEnv := append(os.Environ(), "FSC_KEYRING=off", "FSC_DATA_DIR="+dataDir)
	cli := func(args ...string) *exec.Cmd {
		c := exec.Command(binary, args...)
		c.Env = cliEnv
		return c
	}
	return dataDir, signInWithCLI(t, cli, filepath.Join(dataDir, "sandbox", "state.json"))
}

// signInWithCLI runs `sandbox` (keeping its state where the window's
// built-in sandbox will find it) and `login` against it, through cli (the
// binary, however it is run), and returns a patient's Fullscript id.
func signInWithCLI(t *testing.T, cli func(args ...string) *exec.Cmd, state string) (patientID string) {
	t.Helper()
	sb := cli("sandbox", "--addr", "127.0.0.1:0", "--auto-approve", "--state", state)
	out, err := sb.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start(); err != nil {
		t.Fatal(err)
	}
	base, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("sandbox printed no URL: %v", err)
	}
	base = strings.TrimSpace(base)

	login := cli("login", "--env", "local", "--sandbox-url", base, "--no-browser")
	lout, _ := login.StdoutPipe()
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	lr := bufio.NewReader(lout)
	authURL, err := lr.ReadString('\n')
	if err != nil {
		t.Fatalf("login printed no URL: %v", err)
	}
	if res, err := http.Get(strings.TrimSpace(authURL)); err == nil { // the auto-approving "browser"
		res.Body.Close()
	}
	rest, _ := io.ReadAll(lr)
	if err := login.Wait(); err != nil {
		t.Fatalf("login: %v\n%s", err, rest)
	}

	// A patient to hand over, as an EHR would: by Fullscript id.
	var st struct {
		Tokens []struct {
			AccessToken string `json:"access_token"`
		} `json:"tokens"`
	}
	getJSON(t, base+"/_sandbox/state", "", &st)
	var patients struct {
		Patients []struct{ ID, FirstName, LastName string } `json:"patients"`
	}
	getJSON(t, base+"/api/clinic/search/patients?query=kline", st.Tokens[0].AccessToken, &patients)
	if len(patients.Patients) == 0 {
		t.Fatal("no patient to open")
	}
	_ = sb.Process.Signal(syscall.SIGTERM)
	if err := sb.Wait(); err != nil {
		t.Fatalf("sandbox exit: %v", err)
	}
	return patients.Patients[0].ID
}

// waitClaimedGrants waits until the window's built-in sandbox has seen n
// session grants claimed: Fullscript.js mounted a screen in the webview.
func waitClaimedGrants(t *testing.T, run *desktopRun, n int) {
	t.Helper()
	m := regexp.MustCompile(`msg="built-in sandbox started" url=(\S+)`).FindStringSubmatch(run.log.String())
	if m == nil {
		t.Fatalf("the window did not start its sandbox:\n%s", run.log)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var gs struct {
			Grants []struct {
				ClaimedAt *time.Time `json:"claimed_at"`
			} `json:"grants"`
		}
		getJSON(t, m[1]+"/_sandbox/state", "", &gs)
		claimed := 0
		for _, g := range gs.Grants {
			if g.ClaimedAt != nil {
				claimed++
			}
		}
		if claimed == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d grants claimed, want %d: Fullscript's screen did not load in the window\n%s", claimed, n, run.log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// openTreatmentPlan starts the window with `open` for a patient's treatment
// plan, on an account the CLI signed in. Once the built-in sandbox records
// the grant as claimed, Fullscript.js has mounted its screen in the real
// webview with a grant fetched for this mount.
// With link, the window is started as the desktop starts it for a
// fullscript-companion:// link (the link its only argument).
func openTreatmentPlan(t *testing.T, binary, display, artifacts string, link bool) {
	dataDir, patientID := prepareAccount(t, binary)
	args, name := []string{"open", "--account", "Riverside Wellness Clinic", "--patient-id", patientID, "--feature", "treatment-plan"}, "open"
	if link {
		args, name = []string{"fullscript-companion://open?account=Riverside%20Wellness%20Clinic&feature=treatment-plan&patient_id=" + patientID}, "link"
	}
	run := launchWith(t, binary, display, filepath.Join(artifacts, "app-"+name+".log"), args,
		"FSC_DATA_DIR="+dataDir, "FSC_KEYRING=off")
	if _, view := run.waitReady(); view != "accounts" {
		t.Errorf("first screen = %q, want the accounts", view)
	}
	waitClaimedGrants(t, run, 1)
	time.Sleep(1500 * time.Millisecond) // let the frame paint
	shot, _ := screenshotWindow(t, display, filepath.Join(artifacts, "desktop-"+name+"-treatment-plan.png"))
	if shot.Dx() != 1200 || shot.Dy() != 820 {
		t.Errorf("window is %dx%d", shot.Dx(), shot.Dy())
	}
	if !link {
		// The fixed frame in the real window, at the minimum size and at
		// 1280x800: header and sidebar stay, Fullscript takes what is left.
		shotAtFrameSizes(t, display, artifacts, "desktop-treatment-plan", func() {})
	}
	if log := run.stop(); strings.Contains(log, "level=ERROR") {
		t.Errorf("app logged errors:\n%s", log)
	}
}

// secondOpenHandsOver runs the window on a private D-Bus session (Wails'
// single-instance lock uses it on Linux), then a second `open`, which must
// hand its request to the running window and exit rather than open another:
// the running window then mounts Labs.
func secondOpenHandsOver(t *testing.T, binary, display, artifacts string) {
	busEnv := privateBus(t)

	dataDir, _ := prepareAccount(t, binary)
	run := launchWith(t, binary, display, filepath.Join(artifacts, "app-first-instance.log"), nil,
		"FSC_DATA_DIR="+dataDir, "FSC_KEYRING=off", busEnv)
	if _, view := run.waitReady(); view != "accounts" {
		t.Errorf("first screen = %q, want the accounts", view)
	}

	second := exec.Command(binary, "open", "--account", "Riverside Wellness Clinic", "--feature", "labs")
	second.Env = append([]string{"PATH=" + os.Getenv("PATH"), "DISPLAY=" + display, "GDK_BACKEND=x11", "NO_AT_BRIDGE=1",
		"FSC_DATA_DIR=" + dataDir, "FSC_KEYRING=off", busEnv}, run.xdgEnv()...)
	done := make(chan []byte, 1)
	go func() {
		b, _ := second.CombinedOutput()
		done <- b
	}()
	select {
	case b := <-done:
		if strings.Contains(string(b), "frontend ready") {
			t.Errorf("the second open opened its own window:\n%s", b)
		}
		// Handed over is a success: scripts and xdg-open read the status.
		if code := second.ProcessState.ExitCode(); code != 0 {
			t.Errorf("the second open exited %d after handing over, want 0:\n%s", code, b)
		}
	case <-time.After(30 * time.Second):
		_ = second.Process.Kill()
		t.Fatal("the second open did not hand over and exit: two windows run")
	}
	waitClaimedGrants(t, run, 1)
	time.Sleep(1500 * time.Millisecond)
	screenshotWindow(t, display, filepath.Join(artifacts, "desktop-open-handover.png"))
	if log := run.stop(); strings.Contains(log, "level=ERROR") {
		t.Errorf("app logged errors:\n%s", log)
	}
}

// privateBus starts a D-Bus session bus for this test alone and stops it
// when the test ends; the result is the environment entry that points an
// app at it. Without one, GTK starts a session bus of its own through X11
// autolaunch, which forks away and outlives the app (with an accessibility
// bus beside it): each run left such daemons behind, until the machine ran
// out of inotify instances and `wails dev` failed with "too many open files".
func privateBus(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatalf("the desktop tests need dbus-daemon (make deps installs it): %v", err)
	}
	return startBus(t, exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1"))
}

// startBus runs a dbus-daemon command (--nofork --print-address=1) until
// the test ends and returns the environment entry pointing at it.
func startBus(t *testing.T, bus *exec.Cmd) string {
	t.Helper()
	out, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	// Services the bus started (the accessibility bus) end with it.
	t.Cleanup(func() { _ = bus.Process.Kill(); _ = bus.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon gave no address: %v", err)
	}
	return "DBUS_SESSION_BUS_ADDRESS=" + strings.TrimSpace(addr)
}

// xdgEnv is the run's throwaway HOME and XDG folders, for a second process.
func (r *desktopRun) xdgEnv() []string {
	var env []string
	for name, dir := range r.dirs {
		env = append(env, name+"="+dir)
	}
	return env
}

func getJSON(t *testing.T, url, bearer string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// desktopRun is one run of the app binary with a throwaway HOME and XDG
// folders, so a test never reads or writes the developer's own profile.
type desktopRun struct {
	t       *testing.T
	dirs    map[string]string
	started time.Time
	log     *lockedBuffer
	ready   chan []string
	// done closes when the app has exited; exitErr is then its result.
	done     chan struct{}
	exitErr  error
	stopOnce sync.Once
	cmd      *exec.Cmd
}

func launch(t *testing.T, binary, display, logPath string, extraEnv ...string) *desktopRun {
	return launchWith(t, binary, display, logPath, nil, extraEnv...)
}

// launchWith runs the app with arguments (e.g. `open ...`).
func launchWith(t *testing.T, binary, display, logPath string, args []string, extraEnv ...string) *desktopRun {
	t.Helper()
	run := &desktopRun{t: t, dirs: map[string]string{}, log: &lockedBuffer{}, ready: make(chan []string, 1), done: make(chan struct{})}
	root := t.TempDir()
	for _, name := range []string{"HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"} {
		run.dirs[name] = filepath.Join(root, strings.ToLower(name))
		if err := os.Mkdir(run.dirs[name], 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(binary, args...)
	if !slices.ContainsFunc(extraEnv, func(e string) bool { return strings.HasPrefix(e, "DBUS_SESSION_BUS_ADDRESS=") }) {
		extraEnv = append(extraEnv, privateBus(t))
	}
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"DISPLAY=" + display,
		"GDK_BACKEND=x11",
		"NO_AT_BRIDGE=1", // no accessibility bus on a bare X server
		"LANG=C.UTF-8",
	}, extraEnv...)
	for name, dir := range run.dirs {
		cmd.Env = append(cmd.Env, name+"="+dir)
	}
	run.start(cmd, logPath)
	return run
}

// start runs cmd (the app, however it is started) as this run: its log is
// copied to logPath and watched for the readiness line; the test's end
// stops it.
func (run *desktopRun) start(cmd *exec.Cmd, logPath string) {
	t := run.t
	t.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	run.cmd = cmd
	run.cmd.Stdout = logFile
	stderr, err := run.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	run.started = time.Now()
	if err := run.cmd.Start(); err != nil {
		t.Fatalf("start app: %v", err)
	}
	t.Cleanup(func() {
		run.signalStop()
		select {
		case <-run.done:
		case <-time.After(smokeStopTimeout):
			_ = run.cmd.Process.Kill()
			<-run.done
		}
		logFile.Close()
	})

	// Copy the app's log to the artifact file, and catch the readiness line.
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logFile, line)
			run.log.WriteLine(line)
			if m := readyLine.FindStringSubmatch(line); m != nil {
				select {
				case run.ready <- m:
				default:
				}
			}
		}
		// Wait must not run before the pipe is drained.
		run.exitErr = run.cmd.Wait()
		close(run.done)
	}()
}

// waitReady waits for the frontend's readiness report and returns the
// webview origin and the view it reported.
func (r *desktopRun) waitReady() (origin, view string) {
	r.t.Helper()
	select {
	case m := <-r.ready:
		r.t.Logf("frontend ready after %v (origin %s, view %s)", time.Since(r.started).Round(time.Millisecond), m[1], m[2])
		return m[1], m[2]
	case <-r.done:
		r.t.Fatalf("app exited before its window was ready: %v\nlog:\n%s", r.exitErr, r.log)
	case <-time.After(smokeReadyTimeout):
		r.t.Fatalf("no readiness signal within %v\nlog:\n%s", smokeReadyTimeout, r.log)
	}
	return "", ""
}

func (r *desktopRun) signalStop() {
	r.stopOnce.Do(func() { _ = r.cmd.Process.Signal(syscall.SIGTERM) })
}

// stop sends SIGTERM and checks the app stops cleanly: exit status 0 and the
// shutdown hook ran. It returns the app's log.
func (r *desktopRun) stop() string {
	r.t.Helper()
	r.signalStop()
	select {
	case <-r.done:
		if r.exitErr != nil {
			r.t.Errorf("app exit after SIGTERM: %v", r.exitErr)
		}
	case <-time.After(smokeStopTimeout):
		r.t.Fatalf("app still running %v after SIGTERM", smokeStopTimeout)
	}
	log := r.log.String()
	if !strings.Contains(log, `msg="shutdown complete"`) {
		r.t.Errorf("shutdown hook did not run; log:\n%s", log)
	}
	return log
}

// assertBuiltPageIsLockedDown checks the page the binary embeds carries the
// Content-Security-Policy that keeps the window to bundled code only.
func assertBuiltPageIsLockedDown(t *testing.T, path string) {
	t.Helper()
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the built page: %v", err)
	}
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)"`).FindSubmatch(page)
	if csp == nil {
		t.Fatalf("%s has no Content-Security-Policy meta tag", path)
	}
	policy := strings.ReplaceAll(string(csp[1]), "&#39;", "'")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "object-src 'none'",
		// Frames only from Fullscript's Embed hosts and the loopback sandbox.
		"frame-src http://127.0.0.1:* https://us-snd.fullscript.io https://ca-snd.fullscript.io https://us.fullscript.com https://ca.fullscript.com;"} {
		if !strings.Contains(policy, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", policy, want)
		}
	}
	if regexp.MustCompile(`<script[^>]+src="(https?:)?//`).Match(page) {
		t.Errorf("%s loads a script from another origin", path)
	}
}

// startXvfb starts a private X server and returns its display name once it
// accepts connections (-displayfd writes the number only then).
func startXvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", smokeScreen, "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{w}
	if err := xvfb.Start(); err != nil {
		t.Fatalf("start Xvfb (install the xvfb package): %v", err)
	}
	w.Close()
	t.Cleanup(func() {
		_ = xvfb.Process.Kill()
		_ = xvfb.Wait()
	})
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- strings.TrimSpace(line)
	}()
	select {
	case n := <-got:
		if n == "" {
			t.Fatal("Xvfb exited without opening a display")
		}
		return ":" + n
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not open a display within 30s")
	}
	return ""
}

type imageStats struct {
	colours       int
	dominantShare float64
}

// screenshotWindow captures the window titled windowTitle (so a wrong title
// fails here) until it shows a rendered page, not a blank surface.
func screenshotWindow(t *testing.T, display, path string) (image.Rectangle, imageStats) {
	t.Helper()
	_ = os.Remove(path)
	deadline := time.Now().Add(20 * time.Second)
	var lastErr error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err := exec.CommandContext(ctx, "import", "-display", display, "-window", windowTitle, path).CombinedOutput()
		cancel()
		if err != nil {
			lastErr = fmt.Errorf("import -window %q: %v: %s", windowTitle, err, out)
		} else {
			bounds, stats, err := analyse(path)
			switch {
			case err != nil:
				lastErr = err
			case stats.dominantShare > 0.95 || stats.colours < 32:
				lastErr = fmt.Errorf("window looks blank: %d colours, one colour covers %.1f%%", stats.colours, stats.dominantShare*100)
			default:
				return bounds, stats
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no rendered window: %v (last screenshot: %s)", lastErr, path)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// analyse counts the colours in a PNG and how much of it the commonest covers.
func analyse(path string) (image.Rectangle, imageStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return image.Rectangle{}, imageStats{}, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return image.Rectangle{}, imageStats{}, fmt.Errorf("decode %s: %w", path, err)
	}
	b := img.Bounds()
	counts := map[[3]uint32]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			counts[[3]uint32{r >> 8, g >> 8, bl >> 8}]++
		}
	}
	top := 0
	for _, n := range counts {
		top = max(top, n)
	}
	total := b.Dx() * b.Dy()
	if total == 0 {
		return b, imageStats{}, errors.New("empty screenshot")
	}
	return b, imageStats{colours: len(counts), dominantShare: float64(top) / float64(total)}, nil
}

// assertPrivateTree fails for anything under dir that group or others can read.
func assertPrivateTree(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink == 0 && info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v: readable beyond its owner", path, info.Mode().Perm())
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("walk %s: %v", dir, err)
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// lockedBuffer collects log lines from one goroutine for reading in another.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) WriteLine(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
	l.b.WriteByte('\n')
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// resizeWindow sets the app window's size with xdotool (no window manager
// runs on Xvfb: the request is applied as asked).
func resizeWindow(t *testing.T, display string, w, h int) {
	t.Helper()
	mustXdotool(t, display, "windowsize", "%@", fmt.Sprint(w), fmt.Sprint(h))
}

// pressKeys types keys into the app window with xdotool.
func pressKeys(t *testing.T, display string, names ...string) {
	t.Helper()
	mustXdotool(t, display, append([]string{"windowfocus", "--sync", "%1", "key", "--delay", "150", "--clearmodifiers"}, names...)...)
}

// xdotool runs an xdotool command on the app window, found by its title
// (%1 or %@ in args is it; install xdotool, make deps does).
func xdotool(display string, args ...string) ([]byte, error) {
	cmd := exec.Command("xdotool", append([]string{"search", "--name", "^" + windowTitle + "$"}, args...)...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	return cmd.CombinedOutput()
}

// mustXdotool is xdotool, failing the test on an error.
func mustXdotool(t *testing.T, display string, args ...string) {
	t.Helper()
	if out, err := xdotool(display, args...); err != nil {
		t.Fatalf("xdotool %v: %v\n%s", args, err, out)
	}
}

// shotAtFrameSizes resizes the window to its minimum size and to 1280x800,
// runs then (a scroll) and takes a screenshot at each: name-WxH.png.
func shotAtFrameSizes(t *testing.T, display, artifacts, name string, then func()) {
	t.Helper()
	for _, size := range [][2]int{{1064, 640}, {1280, 800}} {
		resizeWindow(t, display, size[0], size[1])
		time.Sleep(800 * time.Millisecond)
		then()
		got, _ := screenshotWindow(t, display, filepath.Join(artifacts, fmt.Sprintf("%s-%dx%d.png", name, size[0], size[1])))
		if got.Dx() != size[0] || got.Dy() != size[1] {
			t.Errorf("resized to %dx%d, the window is %dx%d", size[0], size[1], got.Dx(), got.Dy())
		}
	}
}
