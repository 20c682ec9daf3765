package companion

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// AppDirName is the folder the app keeps its data in, under the platform's
// per-user configuration directory (os.UserConfigDir's convention).
const AppDirName = "fullscript-companion"

// DataDirEnv overrides the data directory (tests, portable installs, several
// isolated profiles on one machine); the CLI's --data-dir overrides both.
const DataDirEnv = "FSC_DATA_DIR"

// Platform is what data-directory resolution reads from the process, so tests
// can describe any OS without touching the real environment.
type Platform struct {
	GOOS    string
	Getenv  func(string) string
	HomeDir func() (string, error)
}

// HostPlatform is this process's OS and environment.
func HostPlatform() Platform {
	return Platform{GOOS: runtime.GOOS, Getenv: os.Getenv, HomeDir: os.UserHomeDir}
}

// DataDir returns the per-user folder for the vault and history: what
// os.UserConfigDir gives, computed from p so tests can describe any OS. It
// is not WebKit's folder (XDG_DATA_HOME on Linux), so the vault is never
// mixed with website storage. It only computes a path; creating it is
// Start's job, so nothing touches the disk before the app runs.
func DataDir(p Platform) (string, error) {
	if dir := p.Getenv(DataDirEnv); dir != "" {
		if !filepath.IsAbs(dir) {
			return "", fmt.Errorf("%s must be an absolute path, got %q", DataDirEnv, dir)
		}
		return filepath.Clean(dir), nil
	}
	switch p.GOOS {
	case "windows":
		if dir := p.Getenv("AppData"); dir != "" {
			return filepath.Join(dir, AppDirName), nil
		}
		return "", errors.New("AppData is not set: cannot find where to keep app data")
	case "darwin":
		home, err := homeDir(p)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support", AppDirName), nil
	default:
		// XDG Base Directory spec: a relative XDG_CONFIG_HOME is invalid and ignored.
		if dir := p.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
			return filepath.Join(dir, AppDirName), nil
		}
		home, err := homeDir(p)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, ".config", AppDirName), nil
	}
}

func homeDir(p Platform) (string, error) {
	home, err := p.HomeDir()
	if err != nil {
		return "", fmt.Errorf("find home directory: %w", err)
	}
	if home == "" {
		return "", errors.New("find home directory: HOME is empty")
	}
	return home, nil
}
