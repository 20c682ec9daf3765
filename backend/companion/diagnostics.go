package companion

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"fullscript-companion/backend/fullscript"
)

// Diagnostics is what a practitioner (or their IT person) needs to register
// the app with Fullscript and see what is missing.
type Diagnostics struct {
	Environment string `json:"environment"`
	// WebviewOrigin is the origin to put on the app's Embed allow-list
	// (Fullscript's API Dashboard, "Origin URI").
	WebviewOrigin string `json:"webviewOrigin"`
	// RedirectURI is the redirect URI to register for the app.
	RedirectURI    string   `json:"redirectUri"`
	EmbedDomain    string   `json:"embedDomain"`
	SandboxURL     string   `json:"sandboxUrl"`
	Missing        []string `json:"missing"`
	KeyStorage     string   `json:"keyStorage"`
	KeyStorageNote string   `json:"keyStorageNote"`
	DataDir        string   `json:"dataDir"`
}

// Diagnostics reads the current environment's settings; no network needed
// except for the local sandbox's published settings.
func (s *Service) Diagnostics(ctx context.Context) (Diagnostics, error) {
	if _, err := s.ready(ctx); err != nil {
		return Diagnostics{}, err
	}
	env := s.currentEnvironment(ctx)
	storage, note, dir, err := s.keyStorage()
	if err != nil {
		return Diagnostics{}, err
	}
	s.mu.Lock()
	d := Diagnostics{Environment: env, WebviewOrigin: s.webviewOrigin, KeyStorage: storage, KeyStorageNote: note, DataDir: dir, Missing: []string{}}
	s.mu.Unlock()
	conn, err := s.resolveConnection(ctx, env, ConnectionOverrides{})
	if err != nil {
		d.Missing = append(d.Missing, ViewOf(err).Message+" "+ViewOf(err).Fix)
		return d, nil
	}
	d.RedirectURI, d.EmbedDomain, d.SandboxURL = conn.RedirectURI, conn.Env.EmbedDomain, conn.SandboxURL
	// Every gap at once, as Settings lists them: not the first, then the next.
	for _, g := range append(signInGaps(conn), publicKeyGap(conn)...) {
		d.Missing = append(d.Missing, ViewOf(missingSetting(env, g)).Message)
	}
	return d, nil
}

// Check is one step of CheckConnection.
type Check struct {
	Name    string `json:"name"`
	Status  string `json:"status"` // ok, failed, skipped
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// ConnectionReport is CheckConnection's answer, one line per check.
type ConnectionReport struct {
	Environment string  `json:"environment"`
	Checks      []Check `json:"checks"`
}

// CheckConnection walks what must be right for sign-in, Embed and Redirect
// links to work, and explains each failure: settings, reaching Fullscript,
// the redirect URI, the Embed frame for the window at origin (its
// window.location.origin; "" means the one it reported at start) and, with
// an account, its access and whether it may make Redirect links.
func (s *Service) CheckConnection(ctx context.Context, accountID, origin string) (ConnectionReport, error) {
	if _, err := s.ready(ctx); err != nil {
		return ConnectionReport{}, err
	}
	// The environment Settings selected, the one Add account uses: not the
	// chosen account's, which may be another (the built-in sandbox all green
	// while the selected one has nothing set is what a practitioner saw).
	env := s.currentEnvironment(ctx)
	otherEnv := ""
	if accountID != "" {
		a, err := s.account(ctx, accountID)
		if err != nil {
			return ConnectionReport{}, err
		}
		if a.Env != env {
			otherEnv, accountID = a.Env, ""
		}
	}
	r := ConnectionReport{Environment: env}
	add := func(c Check) { r.Checks = append(r.Checks, c) }
	skipRest := func(names ...string) {
		for _, n := range names {
			add(Check{Name: n, Status: "skipped", Message: "Skipped: an earlier check failed."})
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()

	conn, err := s.connection(ctx, env, ConnectionOverrides{})
	if err != nil {
		v := ViewOf(err)
		status := "failed"
		add(Check{Name: "Settings", Status: status, Message: v.Message, Fix: v.Fix})
		skipRest("Reach Fullscript", "Redirect URI", "Embed frame", "Account access", "Browser links")
		return r, nil
	}
	settingsOK := "Client id, secret and redirect URI are set for " + environmentLabel(env) + "."
	if env == fullscript.EnvLocal {
		settingsOK = "The built-in sandbox gives its own client id, secret and redirect URI."
	}
	add(Check{Name: "Settings", Status: "ok", Message: settingsOK})

	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := s.probe(ctx, client, conn.Env.APIBase+"/clinic")
	if err != nil {
		add(Check{Name: "Reach Fullscript", Status: "failed", Message: "Fullscript cannot be reached at " + conn.Env.APIBase + ".", Fix: "Check the internet connection (or that the sandbox runs), then check again."})
		skipRest("Redirect URI", "Embed frame", "Account access", "Browser links")
		return r, nil
	}
	add(Check{Name: "Reach Fullscript", Status: "ok", Message: fmt.Sprintf("%s answers (HTTP %d).", conn.Env.APIBase, res.StatusCode)})

	// Fullscript answers an authorization request with a 404 when the
	// client id is unknown or the redirect URI is not the registered one.
	q := url.Values{"client_id": {conn.ClientID}, "redirect_uri": {sampleRedirect(conn.RedirectURI)}, "response_type": {"code"}, "state": {"diagnostics"}}
	if res, err := s.probe(ctx, client, conn.Env.AuthorizeURL+"?"+q.Encode()); err != nil {
		add(Check{Name: "Redirect URI", Status: "failed", Message: "The sign-in page could not be reached.", Fix: "Check the authorize URL in Settings."})
	} else if res.StatusCode == http.StatusNotFound {
		add(Check{Name: "Redirect URI", Status: "failed", Message: "Fullscript does not know this client id with the redirect URI " + conn.RedirectURI + ".", Fix: "Register exactly " + conn.RedirectURI + " for the app in Fullscript's API Dashboard, or correct the client id."})
	} else {
		add(Check{Name: "Redirect URI", Status: "ok", Message: "The sign-in page accepts " + conn.RedirectURI + "."})
	}

	if origin == "" {
		s.mu.Lock()
		origin = s.webviewOrigin
		s.mu.Unlock()
	}
	switch {
	case origin == "":
		add(Check{Name: "Embed frame", Status: "skipped", Message: "The window's origin is not known yet (open the window first)."})
	case conn.PublicKey == "":
		add(Check{Name: "Embed frame", Status: "failed", Message: "No Embed public key is set for " + environmentLabel(env) + ".", Fix: "Copy it from Fullscript's API Dashboard, Fullscript Embed tab, into Settings; until then Fullscript opens in the browser."})
	default:
		switch s.checkEmbedFrame(ctx, conn, origin, false) {
		case frameUnknown:
			add(Check{Name: "Embed frame", Status: "failed", Message: "Fullscript's Embed host " + conn.Env.EmbedDomain + " cannot be reached.", Fix: "Check the internet connection and the Embed domain in Settings."})
		case frameRefused:
			add(Check{Name: "Embed frame", Status: "failed", Message: "Fullscript refuses to show its screens in this window.",
				Fix: "Add " + origin + " to the app's Origin URIs (Fullscript Embed tab) and check the public key is this environment's; production accepts https origins only. Meanwhile, Automatic opens Fullscript in the browser."})
		default:
			add(Check{Name: "Embed frame", Status: "ok", Message: "Fullscript's screens may be shown in " + origin + "."})
		}
	}

	if otherEnv != "" {
		msg := "The chosen account is in " + environmentLabel(otherEnv) + ", not " + environmentLabel(env) + "; choose one of " + environmentLabel(env) + "'s to check its access."
		add(Check{Name: "Account access", Status: "skipped", Message: msg})
		add(Check{Name: "Browser links", Status: "skipped", Message: msg})
		return r, nil
	}
	if accountID == "" {
		add(Check{Name: "Account access", Status: "skipped", Message: "Choose an account to check its access."})
		add(Check{Name: "Browser links", Status: "skipped", Message: "Choose an account to check it may open Fullscript in the browser."})
		return r, nil
	}
	var access string
	a, err := s.account(ctx, accountID)
	if err == nil {
		err = s.checkAccountIssuer(ctx, a, conn)
	}
	if err == nil {
		access, err = s.AccessToken(ctx, accountID)
	}
	if err != nil {
		v := ViewOf(err)
		add(Check{Name: "Account access", Status: "failed", Message: v.Message, Fix: v.Fix})
		skipRest("Browser links")
		return r, nil
	}
	_, err = conn.api(s.http, s).Clinic(ctx, access)
	switch {
	case err == nil:
		add(Check{Name: "Account access", Status: "ok", Message: "The account can read its clinic."})
	case fullscript.IsForbidden(err):
		add(Check{Name: "Account access", Status: "failed", Message: "Fullscript refused: the app lacks a scope (clinic:read).", Fix: "Add the scopes in the API Dashboard, then sign in again: new scopes do not reach existing sign-ins."})
	default:
		var apiErr *fullscript.APIError
		msg := err.Error()
		if errors.As(err, &apiErr) {
			msg = apiErr.Error()
		}
		add(Check{Name: "Account access", Status: "failed", Message: msg, Fix: "Try again; the details help support."})
	}
	add(s.checkBrowserLinks(ctx, accountID))
	return r, nil
}

// checkBrowserLinks reads the scopes the account's sign-in was granted
// (from the token reply; nothing is sent): Redirect links need clinic:write,
// and patients:write when they may create the patient (reference 6.2).
func (s *Service) checkBrowserLinks(ctx context.Context, accountID string) Check {
	const name = "Browser links"
	st, err := s.ready(ctx)
	if err != nil {
		v := ViewOf(err)
		return Check{Name: name, Status: "failed", Message: v.Message, Fix: v.Fix}
	}
	t, _, err := s.tokensFor(ctx, st, accountID)
	if err != nil {
		v := ViewOf(err)
		return Check{Name: name, Status: "failed", Message: v.Message, Fix: v.Fix}
	}
	granted := strings.FieldsFunc(t.Scope, func(r rune) bool { return r == ' ' || r == ',' })
	if len(granted) == 0 {
		return Check{Name: name, Status: "skipped", Message: "Fullscript did not say which permissions this sign-in has; opening Fullscript in the browser will tell."}
	}
	var missing []string
	for _, need := range []string{scopeClinicWrite, scopePatientsWrite} {
		if !slices.Contains(granted, need) {
			missing = append(missing, need)
		}
	}
	if len(missing) > 0 {
		return Check{Name: name, Status: "failed",
			Message: "This sign-in lacks the " + strings.Join(missing, " and ") + " permission, so Fullscript's screens cannot open in the browser for it.",
			Fix:     scopeFix}
	}
	return Check{Name: name, Status: "ok", Message: "The sign-in may open Fullscript's screens in the browser (" + scopeClinicWrite + ", " + scopePatientsWrite + ")."}
}

func (s *Service) probe(ctx context.Context, client *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	return res, nil
}

// sampleRedirect fills in a port for a registered loopback URI without
// one, as the listener would.
func sampleRedirect(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Port() != "" {
		return raw
	}
	u.Host += ":53682"
	return u.String()
}
