package companion

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// logRecords decodes the JSON lines a test logger wrote.
func logRecords(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

func newTestService(t *testing.T, dir string) (*Service, *bytes.Buffer, *time.Time) {
	t.Helper()
	var buf bytes.Buffer
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	s := New(Options{
		DataDir: dir,
		// An empty DataDir is resolved from this platform: one with no home.
		Platform: Platform{
			GOOS:    "linux",
			Getenv:  func(string) string { return "" },
			HomeDir: func() (string, error) { return "", errors.New("no passwd entry") },
		},
		Logger: slog.New(slog.NewJSONHandler(&buf, nil)),
		Now:    func() time.Time { return now },
		// Tests never touch the developer's keyring.
		KeyringOff: true,
	})
	return s, &buf, &now
}

// fileAt writes a file where a folder is expected and returns its path.
func fileAt(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNewHasNoSideEffects(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	New(Options{DataDir: dir})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("New touched the disk: stat %s: %v", dir, err)
	}
}

func TestStartCreatesPrivateDataDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits do not apply on Windows")
	}
	tests := []struct {
		name     string
		prepare  func(dir string) error
		wantWarn bool
	}{
		{name: "missing folder is created", prepare: func(string) error { return nil }},
		{name: "open folder is tightened", prepare: func(dir string) error { return os.Mkdir(dir, 0o755) }, wantWarn: true},
		{name: "private folder is kept", prepare: func(dir string) error { return os.Mkdir(dir, 0o700) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "nested", "fullscript-companion")
			if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := tt.prepare(dir); err != nil {
				t.Fatal(err)
			}
			s, buf, _ := newTestService(t, dir)
			if err := s.Start(context.Background()); err != nil {
				t.Fatalf("Start() = %v", err)
			}
			info, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != 0o700 {
				t.Errorf("data folder mode = %v, want 0700", got)
			}
			warned := strings.Contains(buf.String(), "made it private")
			if warned != tt.wantWarn {
				t.Errorf("warning logged = %v, want %v; log:\n%s", warned, tt.wantWarn, buf)
			}
		})
	}
}

func TestStartFailureIsReportedByOverview(t *testing.T) {
	tests := []struct {
		name       string
		dir        func(t *testing.T) string
		wantWhat   string
		wantFix    string
		wantDetail string
	}{
		{
			name:       "a file is in the way",
			dir:        func(t *testing.T) string { return fileAt(t, filepath.Join(t.TempDir(), "fullscript-companion"), "x") },
			wantWhat:   "The app cannot open its data folder.",
			wantFix:    "A file is in the way at ",
			wantDetail: "is a file, not a folder",
		},
		{
			// A data folder linked to a drive that is not mounted. (A read-only
			// parent would do too, but root, as in CI, writes anywhere.)
			name: "it cannot be created",
			dir: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "fullscript-companion")
				if err := os.Symlink(filepath.Join(t.TempDir(), "unmounted", "drive"), p); err != nil {
					t.Fatal(err)
				}
				return p
			},
			wantWhat:   "The app cannot create its data folder.",
			wantFix:    "Make sure your user account can write to ",
			wantDetail: "create data folder: ",
		},
		{
			name: "a file is in the way further up",
			dir: func(t *testing.T) string {
				return filepath.Join(fileAt(t, filepath.Join(t.TempDir(), "Application Support"), ""), "fullscript-companion")
			},
			wantWhat:   "The app cannot open its data folder.",
			wantFix:    "Make sure your user account can open ",
			wantDetail: "not a directory",
		},
		{
			name:       "no home to put it in",
			dir:        func(*testing.T) string { return "" },
			wantWhat:   "The app cannot tell where to keep its data.",
			wantFix:    "Set " + DataDirEnv,
			wantDetail: "find home directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := newTestService(t, tt.dir(t))
			if err := s.Start(context.Background()); err == nil {
				t.Fatal("Start() succeeded")
			}
			_, err := s.Overview(context.Background())
			if err == nil {
				t.Fatal("Overview() succeeded after a failed Start")
			}
			v := ViewOf(err)
			if v.Message != tt.wantWhat || !strings.HasPrefix(v.Fix, tt.wantFix) || !strings.Contains(v.Detail, tt.wantDetail) {
				t.Errorf("ViewOf(Overview error) = %+v, want message %q, fix starting %q, detail containing %q", v, tt.wantWhat, tt.wantFix, tt.wantDetail)
			}
		})
	}
}

func TestOverviewRetriesAfterTheProblemIsFixed(t *testing.T) {
	const content = "someone's file"
	dir := fileAt(t, filepath.Join(t.TempDir(), "fullscript-companion"), content)
	s, buf, _ := newTestService(t, dir)
	if err := s.Start(context.Background()); err == nil {
		t.Fatal("Start() succeeded with a file in the way")
	}
	if _, err := s.Overview(context.Background()); err == nil {
		t.Fatal("Overview() succeeded with the file still in the way")
	}
	// Nothing was lost: the file in the way is untouched.
	if got, err := os.ReadFile(dir); err != nil || string(got) != content {
		t.Fatalf("file in the way = %q, %v; want it untouched", got, err)
	}

	// The practitioner moves the file away and chooses Try again.
	if err := os.Rename(dir, dir+".moved"); err != nil {
		t.Fatal(err)
	}
	ov, err := s.Overview(context.Background())
	if err != nil {
		t.Fatalf("Overview() after the fix = %v", err)
	}
	if ov.DataDir != dir {
		t.Errorf("DataDir = %q, want %q", ov.DataDir, dir)
	}
	if !strings.Contains(buf.String(), "data folder ready on retry") {
		t.Errorf("retry not logged:\n%s", buf)
	}
}

func TestOverview(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, _, _ := newTestService(t, dir)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ov, err := s.Overview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ov.Environment != DefaultEnvironment || ov.DataDir != dir || ov.AppVersion == "" {
		t.Errorf("Overview() = %+v", ov)
	}
	// The frontend iterates the list: it must arrive as [] and never as null.
	b, err := json.Marshal(ov)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"accounts":[]`) {
		t.Errorf("Overview JSON = %s, want an empty accounts array", b)
	}
}

func TestFrontendReadyLogsFirstRenderOnce(t *testing.T) {
	s, buf, now := newTestService(t, filepath.Join(t.TempDir(), "data"))
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(1500 * time.Millisecond)
	report := FrontendReport{Origin: "wails://wails", View: "empty", UserAgent: "WebKit"}
	s.FrontendReady(context.Background(), report)
	s.FrontendReady(context.Background(), report)

	var msgs []string
	for _, rec := range logRecords(t, buf) {
		msg := rec["msg"].(string)
		if !strings.HasPrefix(msg, "frontend") {
			continue
		}
		msgs = append(msgs, msg)
		if rec["origin"] != "wails://wails" || rec["view"] != "empty" {
			t.Errorf("%s record = %v", msg, rec)
		}
		if got := rec["since_start_ms"]; got != float64(1500) {
			t.Errorf("%s since_start_ms = %v, want 1500", msg, got)
		}
	}
	if strings.Join(msgs, ",") != "frontend ready,frontend reloaded" {
		t.Errorf("messages = %v, want ready then reloaded", msgs)
	}
}

func TestStartResolvesDataDirFromPlatform(t *testing.T) {
	xdg := t.TempDir()
	s := New(Options{KeyringOff: true, Platform: Platform{
		GOOS:    "linux",
		Getenv:  func(k string) string { return map[string]string{"XDG_CONFIG_HOME": xdg}[k] },
		HomeDir: func() (string, error) { return "/nonexistent", nil },
	}})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ov, err := s.Overview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(xdg, AppDirName)
	if ov.DataDir != want {
		t.Errorf("DataDir = %q, want %q", ov.DataDir, want)
	}
	if info, err := os.Stat(want); err != nil || !info.IsDir() {
		t.Errorf("data folder not created: %v", err)
	}
}

// A task still running when the window closes (the sign-out retry loop,
// say) must not reopen the vault after Shutdown closed it.
func TestNothingReopensTheVaultAfterShutdown(t *testing.T) {
	s, _, _ := newTestService(t, filepath.Join(t.TempDir(), "data"))
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Shutdown(context.Background())
	if _, _, err := s.SendPendingSignOuts(context.Background()); !errors.Is(err, errShutDown) {
		t.Errorf("SendPendingSignOuts after Shutdown: %v", err)
	}
	if _, err := s.Overview(context.Background()); !errors.Is(err, errShutDown) {
		t.Errorf("Overview after Shutdown: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		t.Error("the vault was reopened")
	}
}
