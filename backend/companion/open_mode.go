package companion

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"fullscript-companion/backend/fullscript"
)

// How Fullscript's screens open, per environment ("How Fullscript opens"
// in Settings).
const (
	// OpenAutomatic: in the window where Fullscript is known to frame its
	// screens for this window's origin and public key, else in the browser.
	OpenAutomatic = "automatic"
	// OpenInWindow: always Embed, in the app's window.
	OpenInWindow = "window"
	// OpenInBrowser: always a Redirect link, in the system browser.
	OpenInBrowser = "browser"
)

const settingOpenMode = "open_mode"

// validOpenMode: "" counts as automatic (nothing saved yet).
func validOpenMode(m string) bool {
	switch m {
	case "", OpenAutomatic, OpenInWindow, OpenInBrowser:
		return true
	}
	return false
}

// OpenChoice is where an account's Treatment plan, Catalog and Labs open
// now, and why, in the practitioner's words.
type OpenChoice struct {
	Setting string `json:"setting"` // automatic, window or browser
	Opens   string `json:"opens"`   // window or browser
	Reason  string `json:"reason"`
}

// frameKey is what an Embed frame check depends on.
type frameKey struct{ env, domain, publicKey, origin string }

// Outcomes of asking Fullscript's Embed host whether it frames its screens
// for an origin and public key.
const (
	frameAllowed = "allowed"
	frameRefused = "refused"
	frameUnknown = "unknown" // the host could not be asked, or did not say
)

// checkEmbedFrame asks the Embed host for a session page with a dummy
// secret token, as the app's window would frame it: Fullscript answers
// frame-ancestors 'none' when the origin is not on the allow-list, is not
// https in production, or the public key is another environment's
// (reference 5.9, 5.11); a bad token alone is no refusal. A definite
// answer is kept for the app's run, per environment, origin and key, and
// reused when reuse is set (Check connection asks afresh).
func (s *Service) checkEmbedFrame(ctx context.Context, conn Connection, origin string, reuse bool) string {
	key := frameKey{env: conn.Env.Name, domain: conn.Env.EmbedDomain, publicKey: conn.PublicKey, origin: origin}
	s.mu.Lock()
	cached, ok := s.frameChecks[key]
	s.mu.Unlock()
	if ok && reuse {
		return cached
	}
	ctx, cancel := context.WithTimeout(ctx, 8*time.Second)
	defer cancel()
	page := strings.TrimRight(conn.Env.EmbedDomain, "/") + "/api/embeddable/session/treatment_plans/new?secret_token=diagnostics&public_key=" +
		url.QueryEscape(conn.PublicKey) + "&frame_id=diagnostics&target_origin=" + url.QueryEscape(origin)
	client := &http.Client{Timeout: 8 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := s.probe(ctx, client, page)
	if err != nil {
		s.log.Info("embed frame check: the Embed host could not be asked", "environment", conn.Env.Name, "origin", origin, "err", err)
		return frameUnknown // not kept: ask again next time
	}
	verdict := frameVerdict(res.StatusCode, res.Header.Values("Content-Security-Policy"), origin)
	s.log.Info("embed frame check", "environment", conn.Env.Name, "origin", origin, "status", res.StatusCode, "verdict", verdict)
	if verdict == frameUnknown {
		return verdict // not kept
	}
	s.mu.Lock()
	if s.frameChecks == nil {
		s.frameChecks = map[frameKey]string{}
	}
	s.frameChecks[key] = verdict
	s.mu.Unlock()
	return verdict
}

// openModeOf is the saved "How Fullscript opens" of an environment.
func (s *Service) openModeOf(ctx context.Context, env string) string {
	st, err := s.ready(ctx)
	if err != nil {
		return OpenAutomatic
	}
	v, _, err := st.Setting(ctx, settingKey(env, settingOpenMode))
	if err != nil || !validOpenMode(v) || v == "" {
		return OpenAutomatic
	}
	return v
}

// SetOpenMode saves how an environment's screens open (the panel's
// "Always open in the browser", and Settings).
func (s *Service) SetOpenMode(ctx context.Context, env, mode string) error {
	if !validOpenMode(mode) || mode == "" {
		return &Problem{What: fmt.Sprintf("%q is not a way for Fullscript to open.", mode), Fix: "Choose automatic, window or browser.",
			Err: fmt.Errorf("%w: open mode %q", ErrUsage, mode)}
	}
	if !slices.Contains(fullscript.EnvironmentNames(), env) {
		return &Problem{What: fmt.Sprintf("%q is not a Fullscript environment.", env), Fix: "Use one of: " + strings.Join(fullscript.EnvironmentNames(), ", ") + ".",
			Err: fmt.Errorf("%w: unknown environment %q", ErrUsage, env)}
	}
	st, err := s.ready(ctx)
	if err != nil {
		return err
	}
	if err := st.SetSetting(ctx, settingKey(env, settingOpenMode), mode, false); err != nil {
		return fmt.Errorf("save how Fullscript opens: %w", err)
	}
	return nil
}

// HowFullscriptOpens says where the account's screens open from a window
// at origin (the frontend's own window.location.origin). Automatic asks
// Fullscript's Embed host once per run (checkEmbedFrame) and opens in the
// browser wherever the frame is refused or cannot be checked: a Redirect
// link works for every environment, an Embed frame only where allowed.
func (s *Service) HowFullscriptOpens(ctx context.Context, accountID, origin string) (OpenChoice, error) {
	a, err := s.account(ctx, accountID)
	if err != nil {
		return OpenChoice{}, err
	}
	choice := OpenChoice{Setting: s.openModeOf(ctx, a.Env)}
	switch choice.Setting {
	case OpenInWindow:
		choice.Opens, choice.Reason = OpenInWindow, "Settings say to open Fullscript in this window."
		return choice, nil
	case OpenInBrowser:
		choice.Opens, choice.Reason = OpenInBrowser, "Settings say to open Fullscript in your browser."
		return choice, nil
	}
	conn, err := s.connection(ctx, a.Env, ConnectionOverrides{})
	if err != nil {
		return OpenChoice{}, err
	}
	if conn.PublicKey == "" || origin == "" {
		choice.Opens, choice.Reason = OpenInBrowser, "No Embed public key is set for this environment, so Fullscript opens in your browser."
		return choice, nil
	}
	switch s.checkEmbedFrame(ctx, conn, origin, true) {
	case frameAllowed:
		choice.Opens, choice.Reason = OpenInWindow, "Fullscript shows its screens in this window for "+environmentLabel(a.Env)+"."
	case frameRefused:
		choice.Opens, choice.Reason = OpenInBrowser, "Fullscript does not show its screens inside this app for "+environmentLabel(a.Env)+", so they open in your browser."
	default:
		choice.Opens, choice.Reason = OpenInBrowser, "The app could not check whether Fullscript shows its screens in this window, so they open in your browser."
	}
	return choice, nil
}

// EmbedFrameCheck is the panel's question when Fullscript's screen stays
// silent: is the frame refused? (refused, allowed or unknown.)
func (s *Service) EmbedFrameCheck(ctx context.Context, accountID, origin string) (string, error) {
	c, err := s.accountAPI(ctx, accountID)
	if err != nil {
		return "", err
	}
	if c.conn.PublicKey == "" {
		return frameRefused, nil
	}
	return s.checkEmbedFrame(ctx, c.conn, origin, true), nil
}

// environmentLabel names an environment for a practitioner.
func environmentLabel(env string) string {
	switch env {
	case "local":
		return "the built-in sandbox"
	case "us":
		return "Fullscript US"
	case "ca":
		return "Fullscript Canada"
	case "us-snd":
		return "Fullscript's US sandbox"
	case "ca-snd":
		return "Fullscript's Canadian sandbox"
	}
	return "the " + env + " environment"
}

// frameVerdict reads an Embed page's answer as a browser would for a frame
// at origin: the frame-ancestors directives of its Content-Security-Policy
// (every policy must allow it). No directive: a page that loaded (2xx) may
// be framed by anyone (reference 5.11, "no CSP header: embeds"); an error
// page says nothing.
func frameVerdict(status int, policies []string, origin string) string {
	var lists [][]string
	for _, header := range policies {
		for _, policy := range strings.Split(header, ",") {
			for _, directive := range strings.Split(policy, ";") {
				fields := strings.Fields(directive)
				if len(fields) > 0 && strings.EqualFold(fields[0], "frame-ancestors") {
					lists = append(lists, fields[1:])
				}
			}
		}
	}
	if len(lists) == 0 {
		if status >= 200 && status < 300 {
			return frameAllowed
		}
		return frameUnknown
	}
	for _, sources := range lists {
		if !slices.ContainsFunc(sources, func(src string) bool { return sourceMatches(src, origin) }) {
			return frameRefused
		}
	}
	return frameAllowed
}

// sourceMatches is one CSP source expression against an origin. '*' covers
// network schemes only: it does not let wails://wails frame a page (5.11).
func sourceMatches(src, origin string) bool {
	src, origin = strings.ToLower(strings.TrimSuffix(src, "/")), strings.ToLower(origin)
	scheme, host, _ := strings.Cut(origin, "://")
	switch {
	case src == "'none'" || strings.HasPrefix(src, "'"):
		return false // 'none', 'self' (the Embed host itself), nonces: never this window
	case src == "*":
		return scheme == "http" || scheme == "https"
	case strings.HasSuffix(src, ":") && !strings.Contains(src, "/"):
		return strings.TrimSuffix(src, ":") == scheme
	case src == origin:
		return true
	}
	srcScheme, srcHost, hasScheme := strings.Cut(src, "://")
	if !hasScheme {
		srcHost, srcScheme = src, scheme
	}
	if srcScheme != scheme {
		return false
	}
	if suffix, ok := strings.CutPrefix(srcHost, "*."); ok {
		return strings.HasSuffix(host, "."+suffix)
	}
	return srcHost == host
}
