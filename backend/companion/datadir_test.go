package companion

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestDataDir(t *testing.T) {
	home := func() (string, error) { return "/home/ada", nil }
	noHome := func() (string, error) { return "", errors.New("no passwd entry") }
	tests := []struct {
		name    string
		goos    string
		env     map[string]string
		home    func() (string, error)
		want    string
		wantErr string
	}{
		{name: "linux xdg", goos: "linux", env: map[string]string{"XDG_DATA_HOME": "/data"}, home: home, want: "/data/fullscript-companion"},
		{name: "linux default", goos: "linux", home: home, want: "/home/ada/.local/share/fullscript-companion"},
		{name: "linux relative xdg ignored", goos: "linux", env: map[string]string{"XDG_DATA_HOME": "rel/dir"}, home: home, want: "/home/ada/.local/share/fullscript-companion"},
		{name: "freebsd follows xdg", goos: "freebsd", env: map[string]string{"XDG_DATA_HOME": "/x"}, home: home, want: "/x/fullscript-companion"},
		{name: "darwin", goos: "darwin", env: map[string]string{"XDG_DATA_HOME": "/ignored"}, home: home, want: "/home/ada/Library/Application Support/fullscript-companion"},
		{name: "windows", goos: "windows", env: map[string]string{"LocalAppData": `/c/Users/ada/AppData/Local`}, home: home, want: filepath.Join(`/c/Users/ada/AppData/Local`, "fullscript-companion")},
		{name: "windows without LocalAppData", goos: "windows", home: home, wantErr: "LocalAppData is not set"},
		{name: "override wins", goos: "linux", env: map[string]string{DataDirEnv: "/tmp/profile-2/", "XDG_DATA_HOME": "/data"}, home: home, want: "/tmp/profile-2"},
		{name: "relative override refused", goos: "linux", env: map[string]string{DataDirEnv: "profile"}, home: home, wantErr: "must be an absolute path"},
		{name: "no home", goos: "linux", home: noHome, wantErr: "find home directory: no passwd entry"},
		{name: "empty home", goos: "darwin", home: func() (string, error) { return "", nil }, wantErr: "HOME is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DataDir(Platform{
				GOOS:    tt.goos,
				Getenv:  func(k string) string { return tt.env[k] },
				HomeDir: tt.home,
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("DataDir() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DataDir() error = %v", err)
			}
			if got != tt.want {
				t.Errorf("DataDir() = %q, want %q", got, tt.want)
			}
		})
	}
}
