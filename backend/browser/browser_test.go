//go:build linux

package browser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeOpener puts an xdg-open that runs script first on PATH.
func fakeOpener(t *testing.T, script string) string {
	t.Helper()
	dir := t.TempDir()
	got := filepath.Join(dir, "got")
	body := "#!/bin/sh\nprintf '%s' \"$1\" > '" + got + "'\n" + script + "\n"
	if err := os.WriteFile(filepath.Join(dir, "xdg-open"), []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	return got
}

func TestOpen(t *testing.T) {
	old := grace
	grace = 500 * time.Millisecond
	t.Cleanup(func() { grace = old })
	const url = "https://example.test/o/secret-abc?x=1&y=2"
	tests := []struct {
		name   string
		script string
		want   string // "" = no error
	}{
		{"handed over", "exit 0", ""},
		{"no browser", "echo \"xdg-open: no method available for opening '$1'\" >&2; exit 3", "no method available for opening '[an address]"},
		{"an opener that prints the address decoded", "echo 'cannot open https://example.test/o/secret-abc?x=1&y=2 now' >&2; exit 4", "cannot open [an address] now"},
		{"a browser in the foreground", "sleep 2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fakeOpener(t, tt.script)
			start := time.Now()
			err := Open(url)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("Open took %s", took)
			}
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret-abc") {
				t.Errorf("the error quotes the URL: %v", err)
			}
			b, _ := os.ReadFile(got)
			if string(b) != url {
				t.Errorf("the opener got %q, want the URL as one argument", b)
			}
		})
	}
	t.Run("an upper-case scheme is a web address too", func(t *testing.T) {
		got := fakeOpener(t, "exit 0")
		if err := Open("HTTPS://example.test/a"); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(got); string(b) != "https://example.test/a" {
			t.Errorf("the opener got %q", b)
		}
	})
	for _, bad := range []string{"file:///etc/passwd", "javascript:alert(1)", "https://example.test/a b", "https://example.test/\t--new", "https://example.test/\u00e9", "//example.test/x"} {
		t.Run("refused: "+bad, func(t *testing.T) {
			got := fakeOpener(t, "exit 0")
			if err := Open(bad); err == nil {
				t.Error("opened")
			}
			if _, err := os.Stat(got); err == nil {
				t.Error("the opener ran")
			}
		})
	}
	t.Run("no opener at all", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		if err := Open(url); err == nil || !strings.Contains(err.Error(), "xdg-open") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestCappedKeepsTheStart(t *testing.T) {
	c := &capped{max: 8}
	for range 100 {
		if n, err := c.Write([]byte("0123456789")); n != 10 || err != nil {
			t.Fatalf("write: %d %v", n, err)
		}
	}
	if c.String() != "01234567" {
		t.Errorf("kept %q", c.String())
	}
}
