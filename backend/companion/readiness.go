package companion

import (
	"context"
	"time"
)

// FrontendReport is what the window says about itself once its first screen
// has rendered.
type FrontendReport struct {
	// Origin is window.location.origin: the origin Fullscript's Embed
	// allow-list must contain (wails://wails in a Linux or macOS build).
	Origin string `json:"origin"`
	// View names what the first screen shows ("empty", "accounts", "error").
	View      string `json:"view"`
	UserAgent string `json:"userAgent"`
}

// FrontendReady records that the window rendered. The first call logs
// "frontend ready" with the time since Start: the smoke test waits for that
// line, and it is the app's startup time as a user feels it. Later calls mean
// the webview reloaded.
func (s *Service) FrontendReady(ctx context.Context, r FrontendReport) {
	s.mu.Lock()
	first := !s.frontendReady
	s.frontendReady = true
	s.webviewOrigin = r.Origin
	var since time.Duration
	if !s.started.IsZero() {
		since = s.now().Sub(s.started)
	}
	s.mu.Unlock()

	msg := "frontend reloaded"
	if first {
		msg = "frontend ready"
	}
	s.log.InfoContext(ctx, msg, "origin", r.Origin, "view", r.View, "since_start_ms", since.Milliseconds(), "user_agent", r.UserAgent)
}

// NoteFirstCall logs the page's first call into Go, with the time since
// Start: make bench measures process start to this line, beside a bare
// Wails app's first bound call.
func (s *Service) NoteFirstCall(ctx context.Context) {
	s.mu.Lock()
	var since time.Duration
	if !s.started.IsZero() {
		since = s.now().Sub(s.started)
	}
	s.mu.Unlock()
	s.log.InfoContext(ctx, "first bound call", "since_start_ms", since.Milliseconds())
}

// TakesLaunches says whether the page at origin is the one a launch goes
// to: the page that reported ready last (before any did, any page). The
// built window has one page; under `wails dev` the dev window and a
// browser tab share the Go side, and both hearing a launch must not race
// for it (the end-to-end test drives the tab).
func (s *Service) TakesLaunches(origin string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webviewOrigin == "" || s.webviewOrigin == origin
}
