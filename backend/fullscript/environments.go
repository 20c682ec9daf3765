// Package fullscript is the client side of Fullscript's REST API: the
// environments (every URL is configuration), the clinic, user, patient and
// session-grant calls the companion makes, and typed errors that parse
// Fullscript's (unconfirmed) error bodies defensively.
//
// Nothing here logs or returns an access token; see Client.
package fullscript

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Environment is one Fullscript deployment. Every URL is configuration.
type Environment struct {
	Name         string // "us", "ca", "us-snd", "ca-snd", "local", "custom"
	APIBase      string // e.g. https://api-us-snd.fullscript.io/api
	AuthorizeURL string
	TokenURL     string
	RevokeURL    string
	EmbedDomain  string // Fullscript.js `domain` (iframe host = postMessage origin), e.g. https://us-snd.fullscript.io
	EmbedEnv     string // Fullscript.js `env` key: us, ca, us-snd, ca-snd
}

// Environment names. Local is the built-in sandbox (read from its
// /_sandbox/info); custom is whatever the user configures.
const (
	EnvUS     = "us"
	EnvCA     = "ca"
	EnvUSSnd  = "us-snd"
	EnvCASnd  = "ca-snd"
	EnvLocal  = "local"
	EnvCustom = "custom"
)

// embedEnvs are the `env` keys fullscript-js 3.2.0 knows (its "dev" is
// Fullscript-internal and not offered).
var embedEnvs = []string{EnvUS, EnvCA, EnvUSSnd, EnvCASnd}

// known builds the four public deployments. Hosts are the reference's
// "For AI" values (section 1); production's .com vs .io is unconfirmed,
// which is why a custom environment can override every URL.
func known(name string) (Environment, bool) {
	var apiHost, webHost string
	switch name {
	case EnvUS:
		apiHost, webHost = "api-us.fullscript.com", "us.fullscript.com"
	case EnvCA:
		apiHost, webHost = "api-ca.fullscript.com", "ca.fullscript.com"
	case EnvUSSnd:
		apiHost, webHost = "api-us-snd.fullscript.io", "us-snd.fullscript.io"
	case EnvCASnd:
		apiHost, webHost = "api-ca-snd.fullscript.io", "ca-snd.fullscript.io"
	default:
		return Environment{}, false
	}
	api := "https://" + apiHost + "/api"
	return Environment{
		Name:         name,
		APIBase:      api,
		AuthorizeURL: api + "/oauth/authorize",
		TokenURL:     api + "/oauth/token",
		RevokeURL:    api + "/oauth/revoke",
		EmbedDomain:  "https://" + webHost,
		EmbedEnv:     name,
	}, true
}

// KnownEnvironment returns one of the fixed deployments: us, ca, us-snd,
// ca-snd. Local and custom have no fixed URLs, so they report false.
func KnownEnvironment(name string) (Environment, bool) {
	return known(name)
}

// EnvironmentNames lists every accepted name, for help text and validation.
func EnvironmentNames() []string {
	return []string{EnvUS, EnvCA, EnvUSSnd, EnvCASnd, EnvLocal, EnvCustom}
}

// Validate checks every URL of e and reports all problems at once, each
// naming its field, so a settings screen can show them together.
func (e Environment) Validate() error {
	var errs []error
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
	}
	if !slices.Contains(EnvironmentNames(), e.Name) {
		add("Name", fmt.Errorf("%s is not an environment; use one of %s", quoted(e.Name), strings.Join(EnvironmentNames(), ", ")))
	}
	add("APIBase", checkEndpoint(e.APIBase))
	add("AuthorizeURL", checkEndpoint(e.AuthorizeURL))
	add("TokenURL", checkEndpoint(e.TokenURL))
	add("RevokeURL", checkEndpoint(e.RevokeURL))
	add("EmbedDomain", checkEmbedDomain(e.EmbedDomain))
	if !slices.Contains(embedEnvs, e.EmbedEnv) {
		add("EmbedEnv", fmt.Errorf("%s is not a Fullscript.js env; use one of %s", quoted(e.EmbedEnv), strings.Join(embedEnvs, ", ")))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("environment %s: %w", quoted(e.Name), errors.Join(errs...))
}

// checkEndpoint: absolute, https (http only on loopback, for the sandbox),
// no fragment and no credentials in the URL.
func checkEndpoint(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return errors.New("is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s is not a URL (%s)", quoted(raw), urlReason(err))
	}
	if u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("%s is not absolute; write it as https://host/path", quoted(raw))
	}
	if u.User != nil {
		return fmt.Errorf("%s has credentials in it; remove the user:password@ part", quoted(redactUserinfo(u)))
	}
	if u.Fragment != "" {
		return fmt.Errorf("%s has a #fragment; remove it", quoted(raw))
	}
	return checkScheme(raw, u)
}

func checkScheme(raw string, u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%s uses http; Fullscript requires https (http is allowed only on 127.0.0.1, [::1] or localhost)", quoted(raw))
	default:
		return fmt.Errorf("%s: the scheme must be https, got %s", quoted(raw), quoted(u.Scheme))
	}
}

// checkEmbedDomain: fullscript-js compares `domain` with MessageEvent.origin
// using ===, so anything but the exact origin serialization silently drops
// every message from the frame.
func checkEmbedDomain(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return errors.New("is empty")
	}
	norm, err := NormalizeOrigin(raw)
	if err != nil {
		return err
	}
	u, _ := url.Parse(norm)
	if err := checkScheme(raw, u); err != nil {
		return err
	}
	if norm != raw {
		return fmt.Errorf("%s must be written exactly as the browser reports the origin, %s (Fullscript.js compares them character for character)", quoted(raw), quoted(norm))
	}
	return nil
}

// NormalizeOrigin turns s into an origin as a browser serializes it
// (scheme://host[:port], lower case, no default port): it trims spaces and
// one trailing slash, and rejects paths, queries, fragments and credentials.
func NormalizeOrigin(s string) (string, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "/")
	u, err := url.Parse(t)
	if err != nil {
		return "", fmt.Errorf("%s is not an origin (%s)", quoted(s), urlReason(err))
	}
	if u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%s is not an origin; write it as scheme://host[:port], e.g. https://us-snd.fullscript.io", quoted(s))
	}
	if u.User != nil {
		return "", fmt.Errorf("%s has credentials in it; an origin is scheme://host[:port]", quoted(redactUserinfo(u)))
	}
	if u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(t, "#") {
		return "", fmt.Errorf("%s has a path, query or fragment; an origin is only scheme://host[:port]", quoted(s))
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// isLoopbackHost: the names a local sandbox can be reached by. Only these
// may use plain http.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func redactUserinfo(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// LinkHosts are the hosts a Redirect link of this environment may lead to
// (Client.LinkHosts): its own hosts, and any other host of Fullscript's
// domain one of them is on (the web app may serve links from a host the
// API does not name).
func (e Environment) LinkHosts() []string {
	var hosts []string
	add := func(h string) {
		if h != "" && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	for _, raw := range []string{e.EmbedDomain, e.APIBase, e.AuthorizeURL} {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			continue
		}
		h := strings.ToLower(u.Hostname())
		add(h)
		for _, domain := range []string{"fullscript.com", "fullscript.io"} {
			if h == domain || strings.HasSuffix(h, "."+domain) {
				add("*." + domain)
			}
		}
	}
	return hosts
}

// quoted quotes a value for an error message, clipped: the value may come
// from a server's reply (a sandbox's settings), and must not fill the
// message.
func quoted(s string) string {
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return strconv.Quote(s)
}

// urlReason is why url.Parse refused a value, without the value (its
// *url.Error quotes it whole).
func urlReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
