// Command benchdesktop measures what a practitioner feels of the desktop
// app, side by side with a bare Wails app built the same way: process start
// to the first bound call, memory (RSS and PSS of the app and all its WebKit
// processes) after it settles, and binary sizes, including a bare app that
// links the same heavy modules (SQLite, x/oauth2, go-keyring), so the floor
// is honest. Runs alternate between the apps; it writes the raw figures as
// JSON for cmd benchdoc.
//
// It needs Xvfb and the Wails CLI (built from this module's tool
// dependency), and npm for the bare app's frontend. Run it through
// `make bench`.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Result is what one invocation measured; cmd benchdoc reads it.
type Result struct {
	Date    string             `json:"date"`
	Machine string             `json:"machine"`
	Runs    int                `json:"runs"`
	Settle  string             `json:"settle"`
	Apps    map[string]*AppRun `json:"apps"`
	Command string             `json:"command"`
}

// AppRun is one app's figures over all runs.
type AppRun struct {
	Binary      string    `json:"binary"`
	SizeBytes   int64     `json:"sizeBytes"`
	FirstCallMS []float64 `json:"firstCallMs,omitempty"`
	RSSMB       []float64 `json:"rssMb,omitempty"`
	PSSMB       []float64 `json:"pssMb,omitempty"`
	Processes   []int     `json:"processes,omitempty"`
}

func main() {
	app := flag.String("app", "build/bin/fullscript-companion", "this app's binary, built with make build")
	out := flag.String("out", "build/bench/desktop.json", "where to write the figures")
	runs := flag.Int("runs", 9, "runs of each app, alternating")
	settle := flag.Duration("settle", 6*time.Second, "how long after start memory is read")
	work := flag.String("work", "", "where to generate the bare apps (default: a temp dir, removed after)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchdesktop: ")

	root, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	dir := *work
	if dir == "" {
		if dir, err = os.MkdirTemp("", "benchdesktop-"); err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
	}
	wails := filepath.Join(dir, "wails")
	must(run(root, nil, "go", "build", "-o", wails, "github.com/wailsapp/wails/v2/cmd/wails"))

	bare := generateBare(root, dir, wails, "bare", false)
	modules := generateBare(root, dir, wails, "bare-modules", true)
	ours, err := filepath.Abs(*app)
	must(err)

	res := Result{
		Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(), Runs: *runs, Settle: settle.String(),
		Apps:    map[string]*AppRun{"bare": {Binary: bare}, "bare-modules": {Binary: modules}, "app": {Binary: ours}},
		Command: "make bench (go run ./tools/benchdesktop -runs " + strconv.Itoa(*runs) + ")",
	}
	for _, a := range res.Apps {
		fi, err := os.Stat(a.Binary)
		must(err)
		a.SizeBytes = fi.Size()
	}

	display, stop := startXvfb()
	defer stop()
	profiles := map[string]string{}
	for _, name := range []string{"bare", "app"} {
		p := filepath.Join(dir, "profile-"+name)
		must(os.MkdirAll(p, 0o700))
		profiles[name] = p
		// One unmeasured start each: a practitioner's profile exists, and
		// WebKit's caches are warm, as on every start after the first.
		if _, err := startOnce(res.Apps[name].Binary, display, p, *settle, false); err != nil {
			log.Fatalf("%s warm-up: %v", name, err)
		}
	}
	for i := 0; i < *runs; i++ {
		order := []string{"bare", "app"}
		if i%2 == 1 {
			order = []string{"app", "bare"}
		}
		for _, name := range order {
			m, err := startOnce(res.Apps[name].Binary, display, profiles[name], *settle, true)
			if err != nil {
				log.Fatalf("%s run %d: %v", name, i+1, err)
			}
			a := res.Apps[name]
			a.FirstCallMS = append(a.FirstCallMS, m.firstCall.Seconds()*1000)
			a.RSSMB = append(a.RSSMB, m.rss)
			a.PSSMB = append(a.PSSMB, m.pss)
			a.Processes = append(a.Processes, m.procs)
			log.Printf("run %d %-4s first call %6.0f ms, PSS %6.1f MB, RSS %6.1f MB, %d processes", i+1, name, m.firstCall.Seconds()*1000, m.pss, m.rss, m.procs)
		}
	}
	must(os.MkdirAll(filepath.Dir(*out), 0o755))
	b, err := json.MarshalIndent(res, "", "  ")
	must(err)
	must(os.WriteFile(*out, append(b, '\n'), 0o644))
	log.Printf("wrote %s", *out)
}

// generateBare makes `wails init -t vanilla-ts` in dir/name, with one change
// that both apps then have: a bound call (Greet) on first paint, which says
// so on stderr. With modules, it also links what this app links that is
// heavy: modernc.org/sqlite, golang.org/x/oauth2 and go-keyring, at this
// module's versions.
func generateBare(root, dir, wails, name string, modules bool) string {
	proj := filepath.Join(dir, name)
	_ = os.RemoveAll(proj)
	must(run(dir, nil, wails, "init", "-n", name, "-t", "vanilla-ts", "-d", proj, "-q"))
	mainTS := filepath.Join(proj, "frontend", "src", "main.ts")
	b, err := os.ReadFile(mainTS)
	must(err)
	b = append(b, []byte("\n// Benchmark: a bound call on first paint, as the app makes one.\nGreet(\"first paint\");\n")...)
	must(os.WriteFile(mainTS, b, 0o644))
	appGo := filepath.Join(proj, "app.go")
	b, err = os.ReadFile(appGo)
	must(err)
	s := strings.Replace(string(b), `import (
	"context"
	"fmt"
)`, `import (
	"context"
	"fmt"
	"os"
	"sync"
)

var firstCall sync.Once`, 1)
	s = strings.Replace(s, "func (a *App) Greet(name string) string {\n", "func (a *App) Greet(name string) string {\n\tfirstCall.Do(func() { fmt.Fprintln(os.Stderr, \"benchmark: first bound call\") })\n", 1)
	must(os.WriteFile(appGo, []byte(s), 0o644))
	if modules {
		must(os.WriteFile(filepath.Join(proj, "modules.go"), []byte(modulesGo), 0o644))
	}
	// This module's Go and module versions, so the comparison is of code,
	// not of versions.
	goVersion := strings.TrimPrefix(runtime.Version(), "go")
	must(run(proj, nil, "go", "mod", "edit", "-go="+goVersion))
	for _, m := range []string{"github.com/wailsapp/wails/v2", "modernc.org/sqlite", "golang.org/x/oauth2", "github.com/zalando/go-keyring"} {
		v, err := output(root, "go", "list", "-m", "-f", "{{.Version}}", m)
		must(err)
		must(run(proj, nil, "go", "mod", "edit", "-require="+m+"@"+strings.TrimSpace(v)))
	}
	must(run(proj, []string{"GOFLAGS=-mod=mod"}, "go", "mod", "tidy"))
	must(run(proj, nil, wails, "build", "-m", "-tags", "webkit2_41"))
	return filepath.Join(proj, "build", "bin", name)
}

// modulesGo links the modules without changing what the app does: the
// calls are reachable (so linked) but never made.
const modulesGo = `package main

import (
	"database/sql"
	"os"

	"github.com/zalando/go-keyring"
	"golang.org/x/oauth2"
	_ "modernc.org/sqlite"
)

func init() {
	if os.Getenv("BENCH_NEVER_SET_THIS") == "yes" {
		db, _ := sql.Open("sqlite", ":memory:")
		_ = db.Ping()
		_, _ = keyring.Get("bench", "bench")
		c := oauth2.Config{ClientID: "bench"}
		_, _ = c.Exchange(nil, "code")
	}
}
`

type measure struct {
	firstCall time.Duration
	rss, pss  float64
	procs     int
}

// firstCallLine is what each app prints on its first bound call: the bare
// app's Greet, and this app's Overview (the first call its page makes).
var firstCallLine = regexp.MustCompile(`benchmark: first bound call|msg="first bound call"`)

// startOnce starts binary on display with its own HOME, waits for its first
// bound call, reads memory after settle, and stops it with SIGTERM.
func startOnce(binary, display, profile string, settle time.Duration, timed bool) (measure, error) {
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "HOME="+profile,
		"XDG_CONFIG_HOME="+filepath.Join(profile, "config"), "XDG_DATA_HOME="+filepath.Join(profile, "data"),
		"XDG_CACHE_HOME="+filepath.Join(profile, "cache"), "XDG_RUNTIME_DIR="+filepath.Join(profile, "run"),
		"FSC_KEYRING=off", "FULLSCRIPT_COMPANION_LOG=info", "DBUS_SESSION_BUS_ADDRESS=disabled:")
	must(os.MkdirAll(filepath.Join(profile, "run"), 0o700))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return measure{}, err
	}
	cmd.Stdout = io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measure{}, err
	}
	seen := make(chan time.Duration, 1)
	var tail strings.Builder
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		sent := false
		for sc.Scan() {
			if !sent && firstCallLine.MatchString(sc.Text()) {
				seen <- time.Since(start)
				sent = true
			}
			mu.Lock()
			if tail.Len() < 8192 {
				tail.WriteString(sc.Text() + "\n")
			}
			mu.Unlock()
		}
	}()
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}()
	var m measure
	select {
	case m.firstCall = <-seen:
	case <-time.After(60 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		return measure{}, fmt.Errorf("no first bound call within 60 s; stderr:\n%s", tail.String())
	}
	if !timed {
		return m, nil
	}
	time.Sleep(time.Until(start.Add(settle)))
	m.rss, m.pss, m.procs = memoryOf(cmd.Process.Pid)
	return m, nil
}

// memoryOf sums RSS and PSS (MB) over pid and all its descendants (the
// WebKit web and network processes).
func memoryOf(pid int) (rss, pss float64, procs int) {
	for _, p := range descendants(pid) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", p))
		if err != nil {
			continue
		}
		procs++
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			kb, _ := strconv.ParseFloat(f[1], 64)
			switch f[0] {
			case "Rss:":
				rss += kb / 1024
			case "Pss:":
				pss += kb / 1024
			}
		}
	}
	return rss, pss, procs
}

func descendants(root int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command is in parentheses and may hold spaces.
		s := string(b)
		rest := s[strings.LastIndexByte(s, ')')+2:]
		f := strings.Fields(rest)
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	sort.Ints(out[1:])
	return out
}

func startXvfb() (string, func()) {
	for n := 140; n < 160; n++ {
		display := ":" + strconv.Itoa(n)
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		cmd := exec.Command("Xvfb", display, "-screen", "0", "1400x1000x24", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			log.Fatalf("start Xvfb (apt-get install xvfb): %v", err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
				return display, func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = cmd.Process.Kill()
	}
	log.Fatal("no free X display for Xvfb")
	return "", nil
}

func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0]); len(f) >= 2 {
			kb, _ := strconv.ParseFloat(f[1], 64)
			mem = fmt.Sprintf(", %.0f GiB", kb/1024/1024)
		}
	}
	osName := runtime.GOOS
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
				osName = strings.Trim(v, `"`)
			}
		}
	}
	return fmt.Sprintf("%d × %s%s, %s, %s", runtime.NumCPU(), model, mem, osName, runtime.Version())
}

func run(dir string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(context.Background(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func output(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	b, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return "", fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, ee.Stderr)
	}
	return string(b), err
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
