package fullscript

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// fzInfoTransport answers every request with one canned /_sandbox/info
// reply and keeps the requests it was sent.
type fzInfoTransport struct {
	status int
	body   []byte
	sent   []*http.Request
}

func (tr *fzInfoTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tr.sent = append(tr.sent, r)
	return &http.Response{StatusCode: tr.status, Status: strconv.Itoa(tr.status) + " " + http.StatusText(tr.status),
		Header: http.Header{"Content-Type": {"application/json"}}, ContentLength: int64(len(tr.body)),
		Body: io.NopCloser(bytes.NewReader(tr.body)), Request: r}, nil
}

func fzFetchInfo(status int, body []byte, sandboxURL string) (SandboxInfo, []*http.Request, error) {
	tr := &fzInfoTransport{status: status, body: body}
	info, err := FetchSandboxInfo(context.Background(), &http.Client{Transport: tr}, sandboxURL)
	return info, tr.sent, err
}

// fzSecretField finds a client_secret string in a reply, however broken
// the JSON around it.
var fzSecretField = regexp.MustCompile(`"client_secret"\s*:\s*"([^"\\]*)`)

// FuzzSandboxInfo feeds any reply to GET /_sandbox/info (and any sandbox
// URL) to FetchSandboxInfo and checks:
//
//   - the one request it sends is a GET of <base>/_sandbox/info, with no
//     query, asking for JSON;
//   - an error never depends on the client secret the reply carried (the
//     same reply with another secret of the same length is refused in the
//     same words), and quotes a bounded amount of the reply;
//   - an accepted reply has every required field, describes an environment
//     that validates, decodes again from its own JSON to the same info,
//     and prints and logs without its client secret.
func FuzzSandboxInfo(f *testing.F) {
	good := `{"client_id":"sandbox-client","client_secret":"sb-secret-0123456789abcdef","public_key":"pk_sandbox",` +
		`"redirect_uri":"http://127.0.0.1:8765/callback","authorize_url":"http://127.0.0.1:8787/api/oauth/authorize",` +
		`"token_url":"http://127.0.0.1:8787/api/oauth/token","revoke_url":"http://127.0.0.1:8787/api/oauth/revoke",` +
		`"api_base":"http://127.0.0.1:8787/api","embed_domain":"http://127.0.0.1:8787","embed_env":"dev",` +
		`"allowed_origins":["wails://wails.localhost"]}`
	for _, seed := range []struct {
		status int
		body   string
		url    string
	}{
		{200, good, "http://127.0.0.1:8787"},
		{200, good, "http://127.0.0.1:8787/_sandbox/info"},
		{200, good[:90], "http://127.0.0.1:8787/"},
		{200, "\ufeff" + good, "http://127.0.0.1:8787"},
		{200, `)]}',` + "\n" + good, "http://127.0.0.1:8787"},
		{200, `{"status":"ok","version":"1.2.3"}`, "http://127.0.0.1:8787"},
		{200, strings.Replace(good, `"api_base":"http://127.0.0.1:8787/api"`, `"api_base":"http://example.com/api"`, 1), "http://127.0.0.1:8787"},
		{200, "<html><head><title>Router admin</title></head></html>", "http://192.168.1.1"},
		{404, "not found", "http://127.0.0.1:8787"},
		{200, good, "http://127.0.0.1:8787?"},
		{200, good, "127.0.0.1:8787"},
		{200, `[` + good + `]`, "http://[::1]:8787"},
	} {
		f.Add(seed.status, []byte(seed.body), seed.url)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte, sandboxURL string) {
		if status < 100 || status > 599 {
			status = http.StatusOK // mostly: the reply's body is what is fuzzed
		}
		info, sent, err := fzFetchInfo(status, body, sandboxURL)
		if len(sent) > 1 {
			t.Fatalf("%d requests, want at most one", len(sent))
		}
		for _, r := range sent {
			if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, sandboxInfoPath) || r.URL.RawQuery != "" || r.URL.ForceQuery || r.URL.Fragment != "" ||
				r.Header.Get("Accept") != "application/json" {
				t.Errorf("[sandbox-info-wrong-request] sandbox URL %q: sent %s %s (path %q), want GET <base>%s", sandboxURL, r.Method, r.URL, r.URL.Path, sandboxInfoPath)
			}
		}
		if err != nil {
			if !reflect.DeepEqual(info, SandboxInfo{}) {
				t.Errorf("an error with info %v", info)
			}
			msg := err.Error()
			// The same reply with another client secret of the same length
			// must be refused in the same words.
			if m := fzSecretField.FindSubmatchIndex(body); m != nil && m[3] > m[2] {
				secret := body[m[2]:m[3]]
				if bytes.Count(body, secret) == 1 && !bytes.ContainsFunc(secret, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
					twin := bytes.Clone(body)
					for i := m[2]; i < m[3]; i++ {
						twin[i] = 'x'
						if body[i] == 'x' {
							twin[i] = 'q'
						}
					}
					if _, _, err2 := fzFetchInfo(status, twin, sandboxURL); err2 == nil || err2.Error() != msg {
						t.Errorf("[sandbox-error-has-secret] the client secret %q changes the error:\n%s\n%v", secret, msg, err2)
					}
				}
			}
			if len(msg) > 2048+len(sandboxURL)*2 {
				t.Errorf("[sandbox-error-unbounded] a %d-byte error for a %d-byte reply: %.200q…", len(msg), len(body), msg)
			}
			return
		}
		if status != http.StatusOK {
			t.Fatalf("status %d accepted", status)
		}
		for name, v := range map[string]string{"client_id": info.ClientID, "client_secret": info.ClientSecret, "api_base": info.APIBase,
			"authorize_url": info.AuthorizeURL, "token_url": info.TokenURL, "embed_domain": info.EmbedDomain} {
			if v == "" {
				t.Errorf("accepted without %s: %s", name, body)
			}
		}
		if err := info.Environment().Validate(); err != nil {
			t.Errorf("accepted an environment that does not validate: %v", err)
		}
		// Tokens and the client secret go only to the sandbox itself.
		base, _ := url.Parse(strings.TrimSuffix(strings.TrimRight(strings.TrimSpace(sandboxURL), "/"), sandboxInfoPath))
		for name, v := range map[string]string{"token_url": info.TokenURL, "revoke_url": info.RevokeURL, "authorize_url": info.AuthorizeURL,
			"api_base": info.APIBase, "embed_domain": info.EmbedDomain} {
			if v != "" && !fzSameServer(base, v) {
				t.Errorf("sandbox %s: accepted a %s on another server: %s", sandboxURL, name, v)
			}
		}
		again, err := json.Marshal(info)
		if err != nil {
			t.Fatal(err)
		}
		info2, _, err := fzFetchInfo(http.StatusOK, again, sandboxURL)
		if err != nil || !reflect.DeepEqual(info, info2) {
			t.Errorf("the info does not decode again from its own JSON %s: %v\n%#v\n%#v", again, err, info, info2)
		}
		// The secret never shows: the same info with another secret prints
		// and logs the same.
		twin := info
		twin.ClientSecret = info.ClientSecret + "-other"
		var la, lb bytes.Buffer
		slog.New(slog.NewTextHandler(&la, nil)).Info("sandbox", "info", info)
		slog.New(slog.NewTextHandler(&lb, nil)).Info("sandbox", "info", twin)
		if fmt.Sprintf("%v|%+v|%s", info, info, info) != fmt.Sprintf("%v|%+v|%s", twin, twin, twin) ||
			strings.SplitN(la.String(), " ", 2)[1] != strings.SplitN(lb.String(), " ", 2)[1] {
			t.Errorf("printing or logging the info shows its client secret: %v / %s", info, la.String())
		}
	})
}

// fzSameServer: raw has base's scheme and port (the scheme's default when
// not written) and its host, or both are loopback names.
func fzSameServer(base *url.URL, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || base == nil || !strings.EqualFold(u.Scheme, base.Scheme) {
		return false
	}
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return strings.TrimLeft(p, "0")
		}
		return map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	if port(u) != port(base) {
		return false
	}
	loopback := func(h string) bool {
		ip := net.ParseIP(h)
		return strings.EqualFold(h, "localhost") || (ip != nil && ip.IsLoopback())
	}
	return strings.EqualFold(u.Hostname(), base.Hostname()) || (loopback(u.Hostname()) && loopback(base.Hostname()))
}
