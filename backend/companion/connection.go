package companion

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"fullscript-companion/backend/auth"
	"fullscript-companion/backend/fullscript"
)

// Environment variables that configure the real Fullscript environments
// (us, ca, us-snd, ca-snd, custom). The local sandbox publishes its own
// credentials, so they do not apply to it.
const (
	EnvVarClientID     = "FULLSCRIPT_CLIENT_ID"
	EnvVarClientSecret = "FULLSCRIPT_CLIENT_SECRET"
	EnvVarPublicKey    = "FULLSCRIPT_PUBLIC_KEY"
	EnvVarRedirectURI  = "FULLSCRIPT_REDIRECT_URI"
	EnvVarSandboxURL   = "FULLSCRIPT_SANDBOX_URL"
)

// DefaultSandboxURL is where `fullscript-companion sandbox` listens by default.
const DefaultSandboxURL = "http://127.0.0.1:8787"

// urlFields are the per-environment URLs a setting or an environment
// variable can override (custom needs them all).
var urlFields = []struct {
	key, envVar string
	field       func(*fullscript.Environment) *string
}{
	{"api_base", "FULLSCRIPT_API_BASE", func(e *fullscript.Environment) *string { return &e.APIBase }},
	{"authorize_url", "FULLSCRIPT_AUTHORIZE_URL", func(e *fullscript.Environment) *string { return &e.AuthorizeURL }},
	{"token_url", "FULLSCRIPT_TOKEN_URL", func(e *fullscript.Environment) *string { return &e.TokenURL }},
	{"revoke_url", "FULLSCRIPT_REVOKE_URL", func(e *fullscript.Environment) *string { return &e.RevokeURL }},
	{"embed_domain", "FULLSCRIPT_EMBED_DOMAIN", func(e *fullscript.Environment) *string { return &e.EmbedDomain }},
	{"embed_env", "FULLSCRIPT_EMBED_ENV", func(e *fullscript.Environment) *string { return &e.EmbedEnv }},
}

// settingKey names a per-environment setting, e.g. env.us-snd.client_id.
func settingKey(env, field string) string { return "env." + env + "." + field }

// ConnectionOverrides are what one command's flags say; they win over
// environment variables and settings.
type ConnectionOverrides struct {
	ClientID    string
	PublicKey   string
	RedirectURI string
	SandboxURL  string // local only
}

// Connection is everything needed to talk to one Fullscript environment.
// It holds the client secret: it never leaves the Go side.
type Connection struct {
	Env          fullscript.Environment
	ClientID     string
	ClientSecret string
	PublicKey    string
	RedirectURI  string
	SandboxURL   string // local only: where its settings came from
	// ownSandbox: the settings came from this process's own built-in
	// sandbox, in-process, not from whatever answers at an address.
	ownSandbox bool
}

func (c Connection) authConfig(hc *http.Client, s *Service) auth.Config {
	return auth.Config{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		AuthorizeURL: c.Env.AuthorizeURL, TokenURL: c.Env.TokenURL, RevokeURL: c.Env.RevokeURL,
		RedirectURI: c.RedirectURI, HTTPClient: hc, Logger: s.log.With("component", "auth"),
	}
}

func (c Connection) api(hc *http.Client, s *Service) *fullscript.Client {
	return &fullscript.Client{APIBase: c.Env.APIBase, HTTP: hc, UserAgent: "fullscript-companion/" + Version(), Logger: s.log.With("component", "fullscript"),
		LinkHosts: c.Env.LinkHosts()}
}

// firstSet returns the first non-empty value.
func firstSet(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// connection resolves an environment: flags, then environment variables,
// then settings, then the environment's defaults (for local: what the
// running sandbox publishes).
func (s *Service) connection(ctx context.Context, envName string, ov ConnectionOverrides) (Connection, error) {
	c, err := s.resolveConnection(ctx, envName, ov)
	if err != nil {
		return Connection{}, err
	}
	if gaps := signInGaps(c); len(gaps) > 0 {
		return Connection{}, missingSettings(envName, gaps)
	}
	return c, nil
}

// resolveConnection is connection without the check that sign-in has what
// it needs: Settings and Diagnostics list every gap from it.
func (s *Service) resolveConnection(ctx context.Context, envName string, ov ConnectionOverrides) (Connection, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return Connection{}, err
	}
	// One read for all of the environment's settings: this runs before
	// every call to Fullscript.
	saved, err := st.SettingsWithPrefix(ctx, settingKey(envName, ""))
	if err != nil {
		s.log.Warn("read settings", "environment", envName, "err", err)
	}
	setting := func(field string) string { return saved[settingKey(envName, field)] }
	getenv := s.platform.Getenv
	if envName == fullscript.EnvLocal {
		url := firstSet(ov.SandboxURL, getenv(EnvVarSandboxURL), s.embeddedSandboxURL(), setting("sandbox_url"), DefaultSandboxURL)
		info, own, err := s.sandboxInfo(ctx, url)
		if err != nil {
			return Connection{}, &Problem{
				What: "The built-in Fullscript sandbox is not answering at " + url + ".",
				Fix:  "Start it with `fullscript-companion sandbox`, or give its address with --sandbox-url.",
				Err:  fmt.Errorf("%w: %w", ErrOffline, err),
			}
		}
		return Connection{
			Env: info.Environment(), ClientID: info.ClientID, ClientSecret: info.ClientSecret, PublicKey: info.PublicKey,
			RedirectURI: firstSet(ov.RedirectURI, setting("redirect_uri"), info.RedirectURI), SandboxURL: url, ownSandbox: own,
		}, nil
	}

	env, known := fullscript.KnownEnvironment(envName)
	if !known && envName != fullscript.EnvCustom {
		return Connection{}, &Problem{
			What: fmt.Sprintf("%q is not a Fullscript environment.", envName),
			Fix:  "Use one of: " + strings.Join(fullscript.EnvironmentNames(), ", ") + ".",
			Err:  fmt.Errorf("%w: unknown environment %q", ErrUsage, envName),
		}
	}
	env.Name = envName
	for _, f := range urlFields {
		if v := firstSet(getenv(f.envVar), setting(f.key)); v != "" {
			*f.field(&env) = v
		}
	}
	if err := env.Validate(); err != nil {
		return Connection{}, &Problem{
			What: fmt.Sprintf("The %s environment's addresses are not usable.", envName),
			Fix:  "Check the environment's URLs in Settings (or the FULLSCRIPT_API_BASE, ..._URL variables).",
			Err:  fmt.Errorf("%w: %w", ErrUsage, err),
		}
	}
	c := Connection{
		Env:          env,
		ClientID:     firstSet(ov.ClientID, getenv(EnvVarClientID), setting("client_id")),
		ClientSecret: firstSet(getenv(EnvVarClientSecret), setting("client_secret")),
		PublicKey:    firstSet(ov.PublicKey, getenv(EnvVarPublicKey), setting("public_key")),
		RedirectURI:  firstSet(ov.RedirectURI, getenv(EnvVarRedirectURI), setting("redirect_uri")),
	}
	return c, nil
}

// setting is one credential an environment needs, and where else it can come from.
type setting struct {
	what, flag, envVar string
}

var (
	settingClientID     = setting{"client id", "--client-id", EnvVarClientID}
	settingClientSecret = setting{"client secret", "", EnvVarClientSecret} // never a flag: ps shows command lines to every user
	settingRedirectURI  = setting{"redirect URI", "--redirect-uri", EnvVarRedirectURI}
	settingPublicKey    = setting{"Embed public key", "--public-key", EnvVarPublicKey}
)

// signInGaps lists what sign-in needs and c lacks, in the order Settings shows it.
func signInGaps(c Connection) []setting {
	var gaps []setting
	for _, g := range []struct {
		value string
		s     setting
	}{{c.ClientID, settingClientID}, {c.ClientSecret, settingClientSecret}, {c.RedirectURI, settingRedirectURI}} {
		if g.value == "" {
			gaps = append(gaps, g.s)
		}
	}
	return gaps
}

// publicKeyGap is the Embed public key when c lacks it (Embed needs it; sign-in does not).
func publicKeyGap(c Connection) []setting {
	if c.PublicKey == "" {
		return []setting{settingPublicKey}
	}
	return nil
}

// missingSettings says everything sign-in lacks for env at once (not the
// first gap, then the next) and every place to set it. The window offers
// its own way out (CodeSettingsMissing: a button to Settings).
func missingSettings(env string, gaps []setting) error {
	names := make([]string, len(gaps))
	var flags, vars []string
	for i, g := range gaps {
		names[i] = g.what
		if g.flag != "" {
			flags = append(flags, g.flag)
		}
		vars = append(vars, g.envVar)
	}
	fix := "Set " + pronoun(len(gaps)) + " in Settings"
	if len(flags) > 0 {
		fix += ", with " + joinWords(flags, "and")
	}
	fix += ", or in the " + joinWords(vars, "and") + " environment variable"
	if len(vars) > 1 {
		fix += "s"
	}
	return &Problem{
		What: fmt.Sprintf("No %s is set for %s.", joinWords(names, "or"), environmentLabel(env)),
		Fix:  fix + ".",
		Code: CodeSettingsMissing,
		Err:  fmt.Errorf("%w: %s missing for %s", ErrUsage, strings.Join(names, ", "), env),
	}
}

// missingSetting is missingSettings for one setting.
func missingSetting(env string, s setting) error { return missingSettings(env, []setting{s}) }

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// joinWords writes a, b and c (or "or").
func joinWords(words []string, and string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + and + " " + words[len(words)-1]
}
