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
		{name: "linux xdg", goos: "linux", env: map[string]string{"XDG_CONFIG_HOME": "/conf"}, home: home, want: "/conf/fullscript-companion"},
		{name: "linux default", goos: "linux", home: home, want: "/home/ada/.config/fullscript-companion"},
		{name: "linux relative xdg ignored", goos: "linux", env: map[string]string{"XDG_CONFIG_HOME": "rel/dir"}, home: home, want: "/home/ada/.config/fullscript-companion"},
		{name: "not webkit's data folder", goos: "linux", env: map[string]string{"XDG_DATA_HOME": "/data"}, home: home, want: "/home/ada/.config/fullscript-companion"},
		{name: "freebsd follows xdg", goos: "freebsd", env: map[string]string{"XDG_CONFIG_HOME": "/x"}, home: home, want: "/x/fullscript-companion"},
		{name: "darwin", goos: "darwin", env: map[string]string{"XDG_CONFIG_HOME": "/ignored"}, home: home, want: "/home/ada/Library/Application Support/fullscript-companion"},
		{name: "windows", goos: "windows", env: map[string]string{"AppData": `/c/Users/ada/AppData/Roaming`}, home: home, want: filepath.Join(`/c/Users/ada/AppData/Roaming`, "fullscript-companion")},
		{name: "windows without AppData", goos: "windows", home: home, wantErr: "AppData is not set"},
		{name: "override wins", goos: "linux", env: map[string]string{DataDirEnv: "/tmp/profile-2/", "XDG_CONFIG_HOME": "/conf"}, home: home, want: "/tmp/profile-2"},
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
