package main

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fullscript-companion/backend/companion"
)

func TestAppForwardsToCompanion(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var logs bytes.Buffer
	app := NewApp(companion.New(companion.Options{DataDir: dir, KeyringOff: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	app.startup(context.Background())

	ov, err := app.Overview()
	if err != nil {
		t.Fatalf("Overview() = %v", err)
	}
	if ov.DataDir != dir || ov.Accounts == nil {
		t.Errorf("Overview() = %+v", ov)
	}
	app.FrontendReady(companion.FrontendReport{Origin: "wails://wails", View: "empty"})
	app.shutdown(context.Background())
	for _, want := range []string{`msg="frontend ready" origin=wails://wails view=empty`, `msg="shutdown complete"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

// Wails runs main() to generate bindings, so setting up the window must not
// touch the disk: only startup may.
func TestWindowSetupHasNoSideEffects(t *testing.T) {
	root := t.TempDir()
	t.Setenv("HOME", root)
	t.Setenv("XDG_DATA_HOME", filepath.Join(root, "data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, "config"))
	t.Setenv(companion.DataDirEnv, "")

	log := newLogger(&bytes.Buffer{}, "")
	opts := appOptions(NewApp(companion.New(companion.Options{Logger: log})), log)
	if opts.OnStartup == nil || opts.OnShutdown == nil {
		t.Fatal("startup and shutdown hooks are not wired")
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("window setup created %v in HOME", entries)
	}
}

func TestAppOptions(t *testing.T) {
	app := NewApp(companion.New(companion.Options{}))
	opts := appOptions(app, newLogger(&bytes.Buffer{}, ""))

	if opts.Title != "Fullscript Companion" {
		t.Errorf("Title = %q", opts.Title)
	}
	// Fullscript's Embed wants 768 px; the sidebar and padding take 296.
	if opts.MinWidth < 768+296 || opts.Width < opts.MinWidth || opts.Height < opts.MinHeight {
		t.Errorf("window %dx%d (min %dx%d) cannot hold the embed beside the sidebar", opts.Width, opts.Height, opts.MinWidth, opts.MinHeight)
	}
	if len(opts.Bind) != 1 || opts.Bind[0] != app {
		t.Errorf("Bind = %v, want exactly the App", opts.Bind)
	}
	view, ok := opts.ErrorFormatter(&companion.Problem{What: "W", Fix: "F", Err: errors.New("D")}).(companion.ErrorView)
	if !ok || view != (companion.ErrorView{Message: "W", Fix: "F", Detail: "D"}) {
		t.Errorf("ErrorFormatter(problem) = %#v, want the problem's view", view)
	}
	if opts.Linux == nil {
		t.Fatal("no Linux options")
	}
	icon, err := png.Decode(bytes.NewReader(opts.Linux.Icon))
	if err != nil {
		t.Fatalf("Linux icon is not a PNG: %v", err)
	}
	if b := icon.Bounds(); b.Dx() != b.Dy() || b.Dx() < 256 {
		t.Errorf("icon is %v, want a square of at least 256 px", b)
	}
}

func TestNewLogger(t *testing.T) {
	tests := []struct {
		level     string
		wantDebug bool
		wantInfo  bool
	}{
		{level: "", wantInfo: true},
		{level: "debug", wantDebug: true, wantInfo: true},
		{level: " DEBUG ", wantDebug: true, wantInfo: true},
		{level: "warn"},
		{level: "nonsense", wantInfo: true},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			var buf bytes.Buffer
			log := newLogger(&buf, tt.level)
			log.Debug("d-line")
			log.Info("i-line")
			if got := strings.Contains(buf.String(), "d-line"); got != tt.wantDebug {
				t.Errorf("debug logged = %v, want %v", got, tt.wantDebug)
			}
			if got := strings.Contains(buf.String(), "i-line"); got != tt.wantInfo {
				t.Errorf("info logged = %v, want %v", got, tt.wantInfo)
			}
		})
	}
}

func TestWailsLoggerDropsTrace(t *testing.T) {
	var buf bytes.Buffer
	l := wailsLogger{log: newLogger(&buf, "debug")}
	l.Trace(`json call result data: {"secretToken":"SECRET"}`)
	l.Debug("asset served")
	l.Warning("slow")
	out := buf.String()
	if strings.Contains(out, "SECRET") {
		t.Errorf("trace output reached the log: %s", out)
	}
	for _, want := range []string{"level=DEBUG msg=\"asset served\"", "level=WARN msg=slow"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// The sidebar shows the same icon as the window and the desktop; make icons
// copies it, and this catches an edit to one copy only.
func TestSidebarIconMatchesAppIcon(t *testing.T) {
	source, err := os.ReadFile(filepath.Join("build", "appicon.svg"))
	if err != nil {
		t.Fatal(err)
	}
	sidebar, err := os.ReadFile(filepath.Join("frontend", "src", "assets", "app-icon.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(source, sidebar) {
		t.Error("frontend/src/assets/app-icon.svg differs from build/appicon.svg: run make icons")
	}
}

// Tokens never cross to the frontend: no type a bound method returns has a
// text field that could hold an access token, a refresh token or a client
// secret, and no argument could hold a token (the frontend never has one).
// The Settings form's client secret goes the other way only (write-only).
// A session grant's secretToken is the one secret the frontend needs (it
// hands it to Fullscript.js), and it is single use.
func TestBoundMethodsCarryNoTokens(t *testing.T) {
	appType := reflect.TypeOf(&App{})
	var args, results []reflect.Type
	for i := range appType.NumMethod() {
		m := appType.Method(i)
		for j := 1; j < m.Type.NumIn(); j++ {
			args = append(args, m.Type.In(j))
		}
		for j := range m.Type.NumOut() {
			results = append(results, m.Type.Out(j))
		}
	}
	inspected, leaks := secretFields(results...)
	if inspected < 10 {
		t.Fatalf("only %d result types inspected: the test proves nothing", inspected)
	}
	for _, l := range leaks {
		t.Errorf("%s could carry a secret to the frontend", l)
	}
	_, argLeaks := secretFields(args...)
	for _, l := range argLeaks {
		if !strings.HasSuffix(l, "SettingsInput.ClientSecret") {
			t.Errorf("%s: the frontend has no tokens to send", l)
		}
	}
	type grant struct{ SecretToken string }
	type leaky struct {
		Grant  grant
		Tokens []struct {
			Refresh string `json:"refresh_token"`
		}
		AccessToken string
	}
	if _, leaks := secretFields(reflect.TypeOf(leaky{})); len(leaks) != 2 {
		t.Errorf("the check found %v in a type with two token fields", leaks)
	}
}

// secretFields walks struct types (through pointers, slices and maps) and
// names every text field whose name or json tag looks like a token or
// secret (a bool such as clientSecretSet says nothing secret).
func secretFields(types ...reflect.Type) (inspected int, leaks []string) {
	// A Redirect link may carry a one-time sign-in: it goes from the Go side
	// to the browser, never through the frontend.
	forbidden := []string{"accesstoken", "refreshtoken", "clientsecret", "access_token", "refresh_token", "client_secret", "verifier", "password",
		"redirecturl", "redirect_url"}
	seen := map[reflect.Type]bool{}
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		inspected++
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := strings.ToLower(f.Name + " " + f.Tag.Get("json"))
			text := f.Type.Kind() == reflect.String || f.Type.Kind() == reflect.Slice || f.Type.Kind() == reflect.Interface
			for _, bad := range forbidden {
				if text && strings.Contains(name, bad) {
					leaks = append(leaks, path+"."+f.Name)
					break
				}
			}
			walk(path+"."+f.Name, f.Type)
		}
	}
	for _, typ := range types {
		walk(typ.String(), typ)
	}
	return inspected, leaks
}
