package companion

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"fullscript-companion/backend/auth"
	"fullscript-companion/backend/fullscript"
)

// settingEnvironment holds the environment new sign-ins use.
const settingEnvironment = "environment"

// EnvironmentSettings is one environment's credentials as the Settings
// view shows them. The client secret is write-only: the view only learns
// whether one is set.
type EnvironmentSettings struct {
	Name            string `json:"name"`
	ClientID        string `json:"clientId"`
	ClientSecretSet bool   `json:"clientSecretSet"`
	PublicKey       string `json:"publicKey"`
	RedirectURI     string `json:"redirectUri"`
	// Managed: the local sandbox publishes its own; nothing to set.
	Managed bool `json:"managed"`
	// OpenMode is "How Fullscript opens": automatic, window or browser.
	OpenMode string `json:"openMode"`
	// Missing is what the environment still lacks (settings, flags and
	// environment variables together): sign-in's needs first, then Embed's.
	Missing []string `json:"missing"`
}

// SettingsView is what the Settings view shows.
type SettingsView struct {
	Environment  string                `json:"environment"`
	Environments []EnvironmentSettings `json:"environments"`
}

// SettingsInput is one save from the Settings view: the environment to
// use, and the credentials of one environment. An empty ClientSecret keeps
// the stored one.
type SettingsInput struct {
	Environment  string `json:"environment"`
	Name         string `json:"name"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	PublicKey    string `json:"publicKey"`
	RedirectURI  string `json:"redirectUri"`
	// OpenMode of environment Name; "" keeps the saved one.
	OpenMode string `json:"openMode"`
}

// FieldError is a validation message for one field of a form.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// currentEnvironment is the environment new sign-ins use.
func (s *Service) currentEnvironment(ctx context.Context) string {
	st, err := s.ready(ctx)
	if err != nil {
		return s.environment
	}
	if v, ok, _ := st.Setting(ctx, settingEnvironment); ok && v != "" {
		return v
	}
	return s.environment
}

// Settings reads every environment's settings (no secret).
func (s *Service) Settings(ctx context.Context) (SettingsView, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return SettingsView{}, err
	}
	v := SettingsView{Environment: s.currentEnvironment(ctx), Environments: []EnvironmentSettings{}}
	for _, name := range fullscript.EnvironmentNames() {
		get := func(field string) string {
			val, _, _ := st.Setting(ctx, settingKey(name, field))
			return val
		}
		e := EnvironmentSettings{
			Name: name, ClientID: get("client_id"), ClientSecretSet: get("client_secret") != "",
			PublicKey: get("public_key"), RedirectURI: get("redirect_uri"), Managed: name == fullscript.EnvLocal,
			OpenMode: s.openModeOf(ctx, name), Missing: []string{},
		}
		// The built-in sandbox publishes its own; a custom one's addresses
		// are checked by Diagnostics.
		if !e.Managed {
			if c, err := s.resolveConnection(ctx, name, ConnectionOverrides{}); err == nil {
				for _, g := range append(signInGaps(c), publicKeyGap(c)...) {
					e.Missing = append(e.Missing, g.what)
				}
			}
		}
		v.Environments = append(v.Environments, e)
	}
	return v, nil
}

// ValidateSettings checks a Settings form and says what to fix, field by
// field. It checks the values as SaveSettings stores them (trimmed), so
// what it accepts is what sign-in will use.
func ValidateSettings(in SettingsInput) []FieldError {
	var errs []FieldError
	known := func(n string) bool {
		for _, e := range fullscript.EnvironmentNames() {
			if e == n {
				return true
			}
		}
		return false
	}
	if !known(in.Environment) {
		errs = append(errs, FieldError{"environment", "Choose one of: " + strings.Join(fullscript.EnvironmentNames(), ", ") + "."})
	}
	if in.Name != "" && !known(in.Name) {
		errs = append(errs, FieldError{"name", "Unknown environment " + strconv.Quote(clip(in.Name, 40)) + "."})
	}
	for _, f := range []struct{ field, value, what string }{
		{"clientId", in.ClientID, "The client id"}, {"clientSecret", in.ClientSecret, "The client secret"}, {"publicKey", in.PublicKey, "The public key"},
	} {
		if !plainCredential(strings.TrimSpace(f.value)) {
			errs = append(errs, FieldError{f.field, f.what + " has spaces or invisible characters in it; copy it again from Fullscript's API Dashboard."})
		}
	}
	if uri := strings.TrimSpace(in.RedirectURI); uri != "" {
		if msg := redirectProblem(uri); msg != "" {
			errs = append(errs, FieldError{"redirectUri", msg})
		}
	}
	if !validOpenMode(in.OpenMode) {
		errs = append(errs, FieldError{"openMode", "Choose Automatic, In this window or In the browser."})
	}
	return errs
}

// redirectProblem says why a redirect URI cannot work for a desktop app's
// loopback listener, or "".
func redirectProblem(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme == "" || u.Host == "":
		return "Write the full address, e.g. http://127.0.0.1:8765/callback."
	case u.Scheme != "http":
		return "Use http: the app receives the sign-in on this computer (http://127.0.0.1:PORT/...)."
	case u.Hostname() != "localhost" && net.ParseIP(u.Hostname()) == nil:
		return "Use 127.0.0.1 (or localhost): the app listens on this computer only."
	case u.Hostname() != "localhost" && !net.ParseIP(u.Hostname()).IsLoopback():
		return "Use 127.0.0.1: the app listens on this computer only."
	case u.Path == "" || u.Path == "/":
		return "Add the path registered at Fullscript, e.g. /callback."
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "A redirect URI has no #fragment."
	}
	// What sign-in itself will accept is the last word: the form must not
	// save an address the listener then refuses.
	if err := auth.CheckRedirectURI(raw); err != nil {
		return "The app cannot receive the sign-in at this address: use http://127.0.0.1:PORT/path (a port from 1 to 65535, no user name), as registered at Fullscript."
	}
	return ""
}

// plainCredential: a client id, secret or public key is printable ASCII
// with no space. A pasted no-break or zero-width space, or a control
// character, would be stored and then refused by Fullscript.
func plainCredential(s string) bool {
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	return true
}

// SaveSettings validates and stores a Settings form; the client secret is
// sealed like a token.
func (s *Service) SaveSettings(ctx context.Context, in SettingsInput) (SettingsView, error) {
	if errs := ValidateSettings(in); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Message
		}
		return SettingsView{}, &Problem{What: "Some settings need a fix.", Fix: strings.Join(msgs, " "), Err: fmt.Errorf("%w: invalid settings", ErrUsage)}
	}
	st, err := s.ready(ctx)
	if err != nil {
		return SettingsView{}, err
	}
	if err := st.SetSetting(ctx, settingEnvironment, in.Environment, false); err != nil {
		return SettingsView{}, fmt.Errorf("save environment: %w", err)
	}
	if in.Name != "" && in.OpenMode != "" {
		if err := s.SetOpenMode(ctx, in.Name, in.OpenMode); err != nil {
			return SettingsView{}, err
		}
	}
	if in.Name != "" && in.Name != fullscript.EnvLocal {
		for _, f := range []struct{ key, value string }{{"client_id", in.ClientID}, {"public_key", in.PublicKey}, {"redirect_uri", in.RedirectURI}} {
			if err := st.SetSetting(ctx, settingKey(in.Name, f.key), strings.TrimSpace(f.value), false); err != nil {
				return SettingsView{}, fmt.Errorf("save %s: %w", f.key, err)
			}
		}
		if in.ClientSecret != "" {
			if err := st.SetSetting(ctx, settingKey(in.Name, "client_secret"), strings.TrimSpace(in.ClientSecret), true); err != nil {
				return SettingsView{}, fmt.Errorf("save client secret: %w", err)
			}
		}
	}
	return s.Settings(ctx)
}
