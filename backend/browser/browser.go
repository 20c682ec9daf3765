// Package browser opens a URL in the person's default web browser, and
// says when that failed: the sign-in page and Fullscript's Redirect links
// go there. The URL goes as one argument to a fixed program (no shell).
package browser

import (
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"
)

// grace is how long Open waits for the opener to finish. xdg-open, open
// and friends hand the URL over and exit at once, with a status that says
// whether a browser took it; some start the browser in the foreground and
// only exit with it, so a program still running after grace is taken as
// having opened it.
var grace = 3 * time.Second

// command is the opener of this platform, with its arguments before the URL.
func command() (string, []string) {
	switch runtime.GOOS {
	case "darwin":
		return "open", nil
	case "windows":
		return "rundll32", []string{"url.dll,FileProtocolHandler"}
	}
	return "xdg-open", nil
}

// Open opens raw, an http or https URL, in the default browser. It refuses
// anything else, and any space, control or non-ASCII character (some
// openers would split the URL into more arguments). The error says what the
// opener said, with every address in it taken out: the URL may carry a
// one-time sign-in.
func Open(raw string) error {
	for _, r := range raw {
		if r <= ' ' || r >= 0x7f {
			return errors.New("open a browser: the address has spaces, control or non-ASCII characters")
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("open a browser: only http and https addresses are opened")
	}
	name, args := command()
	stderr := &capped{max: 4 << 10}
	cmd := exec.Command(name, append(args, u.String())...)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open a browser: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		if msg := redact(stderr.String()); msg != "" {
			return fmt.Errorf("open a browser: %s: %w (%s)", name, err, msg)
		}
		return fmt.Errorf("open a browser: %s: %w", name, err)
	case <-time.After(grace):
		return nil // still running: the browser itself, in the foreground; reaped by the goroutine
	}
}

// addresses are URLs as an opener may print them: as given, decoded or cut.
var addresses = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s'"]*`)

// redact is the opener's first line without any address in it.
func redact(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	line = addresses.ReplaceAllString(line, "[an address]")
	if len(line) > 200 {
		line = line[:200]
	}
	return line
}

// capped keeps the first max bytes written to it: a browser running in
// the foreground may write for hours.
type capped struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - len(c.b); room > 0 {
		c.b = append(c.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.b)
}
