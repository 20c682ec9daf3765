// Package browser opens a URL in the person's default web browser, and
// says when that failed: the sign-in page and Fullscript's Redirect links
// go there. The URL goes as one argument to a fixed program (no shell).
package browser

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
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

// Open opens url in the default browser. The error says what the opener
// said (never the URL: it may carry a one-time sign-in).
func Open(url string) error {
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return errors.New("open a browser: only http and https addresses are opened")
	}
	name, args := command()
	var stderr bytes.Buffer
	cmd := exec.Command(name, append(args, url)...)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open a browser: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			msg := strings.TrimSpace(strings.ReplaceAll(stderr.String(), url, "[the address]"))
			if msg != "" {
				return fmt.Errorf("open a browser: %s: %w (%s)", name, err, firstLine(msg))
			}
			return fmt.Errorf("open a browser: %s: %w", name, err)
		}
		return nil
	case <-time.After(grace):
		return nil // still running: the browser itself, in the foreground; reaped by the goroutine
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if len(line) > 200 {
		line = line[:200]
	}
	return line
}
