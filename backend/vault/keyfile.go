package vault

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
)

var errNotAKey = errors.New("not a base64-encoded 32-byte key")

func encodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// decodeKey never puts the input in its error: it may be a key.
func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != keyLen {
		return nil, errNotAKey
	}
	return key, nil
}

// writeKeyFile creates path with O_EXCL, so an existing key is never
// overwritten, and syncs file and directory before the metadata points at it.
func writeKeyFile(path string, key []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create key file: %w", err)
	}
	_, werr := f.WriteString(encodeKey(key) + "\n")
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("write key file %s: %w", path, err)
	}
	if err := syncDir(path); err != nil {
		return fmt.Errorf("write key file %s: %w", path, err)
	}
	return nil
}

// readKeyFile reads the key file, first tightening its mode to 0600 if group
// or others could read it (a copy or restore may have widened it). A missing
// file comes back as an fs.ErrNotExist error.
func readKeyFile(path string, log *slog.Logger) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat key file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("key file %s is not a regular file", path)
	}
	// Windows has no mode bits to speak of; the file inherits the data dir's ACL.
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return nil, fmt.Errorf("tighten key file %s to 0600: %w", path, err)
		}
		log.Warn("vault: key file was readable by other users; tightened it to 0600",
			"path", path, "was", fi.Mode().Perm().String())
	}
	b, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return nil, fmt.Errorf("read key file %s: %w", path, err)
	}
	key, err := decodeKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return key, nil
}
