package fullscript

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SandboxInfo is what the local sandbox publishes at GET
// <sandbox>/_sandbox/info. It is defined here, not imported, because the
// client must not share code with the emulator it is tested against.
// ClientSecret is a secret: String and LogValue leave it out.
type SandboxInfo struct {
	ClientID       string   `json:"client_id"`
	ClientSecret   string   `json:"client_secret"`
	PublicKey      string   `json:"public_key"`
	RedirectURI    string   `json:"redirect_uri"`
	AuthorizeURL   string   `json:"authorize_url"`
	TokenURL       string   `json:"token_url"`
	RevokeURL      string   `json:"revoke_url"`
	APIBase        string   `json:"api_base"`
	EmbedDomain    string   `json:"embed_domain"`
	EmbedEnv       string   `json:"embed_env"`
	AllowedOrigins []string `json:"allowed_origins"`
}

const sandboxInfoPath = "/_sandbox/info"

// Environment is the sandbox as the "local" environment.
func (i SandboxInfo) Environment() Environment {
	return Environment{
		Name: EnvLocal, APIBase: i.APIBase, AuthorizeURL: i.AuthorizeURL, TokenURL: i.TokenURL,
		RevokeURL: i.RevokeURL, EmbedDomain: i.EmbedDomain, EmbedEnv: i.EmbedEnv,
	}
}

// String keeps the client secret out of %v.
func (i SandboxInfo) String() string {
	return fmt.Sprintf("sandbox{client_id=%s api_base=%s embed_domain=%s embed_env=%s}", i.ClientID, i.APIBase, i.EmbedDomain, i.EmbedEnv)
}

// LogValue keeps the client secret out of logs.
func (i SandboxInfo) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", i.ClientID), slog.String("api_base", i.APIBase),
		slog.String("embed_domain", i.EmbedDomain), slog.String("embed_env", i.EmbedEnv))
}

// FetchSandboxInfo reads the running sandbox's settings. sandboxURL is its
// base URL (the info URL itself is accepted too). hc nil: a 10 s client.
func FetchSandboxInfo(ctx context.Context, hc *http.Client, sandboxURL string) (SandboxInfo, error) {
	base := strings.TrimRight(strings.TrimSpace(sandboxURL), "/")
	base = strings.TrimSuffix(base, sandboxInfoPath)
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return SandboxInfo{}, fmt.Errorf("sandbox URL %q is not an absolute URL like http://127.0.0.1:8787", sandboxURL)
	}
	// The sandbox is an emulator on this computer: an address elsewhere
	// would get the refresh tokens and the client secret of its accounts.
	if !isLoopbackName(u.Hostname()) {
		return SandboxInfo{}, fmt.Errorf("sandbox URL %q is not on this computer: the local sandbox listens on 127.0.0.1 or localhost", sandboxURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || strings.ContainsAny(base, "?#") {
		return SandboxInfo{}, fmt.Errorf("sandbox URL %q: give the base URL, without a query or fragment", sandboxURL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+sandboxInfoPath, nil)
	if err != nil {
		return SandboxInfo{}, fmt.Errorf("read sandbox info from %s: %w", base, err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		if IsOffline(err) {
			return SandboxInfo{}, fmt.Errorf("the local sandbox is not running at %s (start it with `fullscript-companion sandbox`): %w", base, err)
		}
		return SandboxInfo{}, fmt.Errorf("read sandbox info from %s: %w", base, err)
	}
	defer res.Body.Close()
	notSandbox := func(why string) error {
		return fmt.Errorf("%s does not look like the local Fullscript sandbox: %s; check the address (the sandbox prints its base URL when it starts)", base, why)
	}
	if res.StatusCode != http.StatusOK {
		return SandboxInfo{}, notSandbox(fmt.Sprintf("GET %s answered %s", sandboxInfoPath, res.Status))
	}
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return SandboxInfo{}, fmt.Errorf("read sandbox info from %s: %w", base, err)
	}
	var info SandboxInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		// Never quote the reply: whatever answered may have put a secret in
		// it (the sandbox's own reply holds the client secret). Say what it
		// was instead.
		what := "not JSON"
		if t := strings.TrimSpace(string(raw)); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			what = "not the JSON object expected"
		}
		kind := res.Header.Get("Content-Type")
		if kind == "" {
			kind = "no content type"
		}
		return SandboxInfo{}, notSandbox(fmt.Sprintf("its %s reply is %s (%d bytes, %s)", sandboxInfoPath, what, len(raw), kind))
	}
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"client_id", info.ClientID}, {"client_secret", info.ClientSecret}, {"api_base", info.APIBase},
		{"authorize_url", info.AuthorizeURL}, {"token_url", info.TokenURL}, {"embed_domain", info.EmbedDomain},
	} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return SandboxInfo{}, notSandbox("its reply has no " + strings.Join(missing, ", "))
	}
	if err := info.Environment().Validate(); err != nil {
		return SandboxInfo{}, fmt.Errorf("the sandbox at %s publishes settings the app cannot use: %w", base, err)
	}
	// Tokens and the client secret go to the token and revoke endpoints:
	// a sandbox names only its own, so a server at the sandbox's address
	// cannot send them on to another.
	for _, f := range []struct{ name, v string }{
		{"token_url", info.TokenURL}, {"revoke_url", info.RevokeURL}, {"authorize_url", info.AuthorizeURL},
		{"api_base", info.APIBase}, {"embed_domain", info.EmbedDomain},
	} {
		if f.v != "" && !sameSandboxOrigin(u, f.v) {
			return SandboxInfo{}, notSandbox(fmt.Sprintf("its %s is on another server (%s), and a sandbox serves everything itself", f.name, hostOnly(f.v)))
		}
	}
	return info, nil
}

// sameSandboxOrigin: raw is on base's scheme and port, and on its host or,
// for a loopback base, on any loopback name (the sandbox publishes
// 127.0.0.1 when reached as localhost).
func sameSandboxOrigin(base *url.URL, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != base.Scheme || portOf(u) != portOf(base) {
		return false
	}
	if strings.EqualFold(u.Hostname(), base.Hostname()) {
		return true
	}
	return isLoopbackName(u.Hostname()) && isLoopbackName(base.Hostname())
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

func isLoopbackName(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// hostOnly names a URL by its host, for a message.
func hostOnly(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "an unreadable address"
}
