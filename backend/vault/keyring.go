package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// Keyring is the OS keyring as go-keyring exposes it.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
}

// SystemKeyring returns the OS keyring (Secret Service on Linux, Keychain on
// macOS, Credential Manager on Windows) through github.com/zalando/go-keyring.
func SystemKeyring() Keyring { return systemKeyring{} }

type systemKeyring struct{}

func (systemKeyring) Get(service, user string) (string, error) {
	if err := sessionBusCheck(); err != nil {
		return "", err
	}
	return keyring.Get(service, user)
}

func (systemKeyring) Set(service, user, password string) error {
	if err := sessionBusCheck(); err != nil {
		return err
	}
	return keyring.Set(service, user, password)
}

var (
	errNoSessionBus    = errors.New("no D-Bus session bus is running")
	errKeyringTimeout  = errors.New("the OS keyring did not answer")
	errKeyringMismatch = errors.New("the OS keyring did not return the key it was given")
	errKeyringGarbage  = errors.New("the OS keyring entry is not a data key")
)

// sessionBusCheck reports a missing D-Bus session bus before go-keyring is
// asked: with no bus, godbus autolaunches a fresh dbus-daemon (and with it a
// locked keyring daemon) on every call and never stops them.
func sessionBusCheck() error {
	switch runtime.GOOS {
	case "darwin", "windows":
		return nil
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return nil
	}
	// The places godbus itself looks before autolaunching.
	dirs := []string{filepath.Join("/run/user", strconv.Itoa(os.Getuid()))}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		for _, name := range []string{"bus", "dbus-session"} {
			if _, err := os.Stat(filepath.Join(d, name)); err == nil {
				return nil
			}
		}
	}
	return errNoSessionBus
}

// timedKeyring bounds every keyring call: a locked keyring waiting on an
// unlock prompt, or a wedged daemon, must not hang the app or the CLI.
type timedKeyring struct {
	kr      Keyring
	timeout time.Duration
}

func (t timedKeyring) get(ctx context.Context, service, user string) (string, error) {
	return withTimeout(ctx, t.timeout, func() (string, error) { return t.kr.Get(service, user) })
}

func (t timedKeyring) set(ctx context.Context, service, user, secret string) error {
	_, err := withTimeout(ctx, t.timeout, func() (struct{}, error) {
		return struct{}{}, t.kr.Set(service, user, secret)
	})
	return err
}

// withTimeout runs fn in its own goroutine and stops waiting after timeout or
// when ctx ends. A call that never returns leaks its goroutine; there is no
// way to cancel a keyring call, and leaking beats hanging.
func withTimeout[T any](ctx context.Context, timeout time.Duration, fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1) // buffered so a late answer never blocks its goroutine
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var zero T
	select {
	case r := <-ch:
		return r.v, r.err
	case <-timer.C:
		return zero, fmt.Errorf("%w within %s", errKeyringTimeout, timeout)
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// fallbackReason turns a keyring failure into the first half of Note's
// sentence. It never quotes err: keyring errors are free text from the OS.
func fallbackReason(err error, timeout time.Duration) string {
	msg := err.Error()
	switch {
	case errors.Is(err, errKeyringTimeout):
		return fmt.Sprintf("The OS keyring did not answer within %s", timeout)
	case errors.Is(err, errNoSessionBus),
		errors.Is(err, keyring.ErrUnsupportedPlatform),
		strings.Contains(msg, "org.freedesktop.secrets"),
		strings.Contains(msg, "ServiceUnknown"):
		return "No keyring service is running"
	case strings.Contains(msg, "failed to unlock"):
		return "The OS keyring is locked and could not be unlocked"
	case errors.Is(err, errKeyringMismatch):
		return "The OS keyring did not return the key it was given"
	case errors.Is(err, errKeyringGarbage):
		return "The OS keyring holds an unreadable data key entry"
	default:
		return "The OS keyring returned an error"
	}
}
