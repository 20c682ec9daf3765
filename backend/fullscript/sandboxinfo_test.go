package fullscript

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestFetchSandboxInfo(t *testing.T) {
	e := newTestEnv(t)
	want := e.sb.Info()
	for _, url := range []string{e.base, e.base + "/", e.base + "/_sandbox/info"} {
		t.Run(url, func(t *testing.T) {
			got, err := FetchSandboxInfo(ctxT(t), nil, url)
			if err != nil {
				t.Fatal(err)
			}
			if got.ClientID != want.ClientID || got.ClientSecret != want.ClientSecret || got.PublicKey != want.PublicKey ||
				got.RedirectURI != want.RedirectURI || got.AuthorizeURL != want.AuthorizeURL || got.TokenURL != want.TokenURL ||
				got.RevokeURL != want.RevokeURL || got.APIBase != want.APIBase || got.EmbedDomain != want.EmbedDomain ||
				got.EmbedEnv != want.EmbedEnv || !slices.Equal(got.AllowedOrigins, want.AllowedOrigins) {
				t.Fatalf("got %#v\nwant %#v", got, want)
			}
			env := got.Environment()
			if env.Name != "local" || env.APIBase != e.base+"/api" || env.EmbedDomain != e.base || env.TokenURL != want.TokenURL {
				t.Fatalf("Environment() = %+v", env)
			}
			if err := env.Validate(); err != nil {
				t.Fatalf("the sandbox's environment must validate: %v", err)
			}
			for _, out := range []string{fmt.Sprint(got), fmt.Sprintf("%+v", got), slog.AnyValue(got).String()} {
				if strings.Contains(out, want.ClientSecret) {
					t.Errorf("formatting the info shows the client secret: %s", out)
				}
			}
		})
	}

	// Reached as localhost, the sandbox names its endpoints at 127.0.0.1:
	// still its own.
	if _, err := FetchSandboxInfo(ctxT(t), nil, strings.Replace(e.base, "127.0.0.1", "localhost", 1)); err != nil {
		t.Errorf("the sandbox reached as localhost: %v", err)
	}

	// The environment it describes works end to end.
	info, err := FetchSandboxInfo(ctxT(t), nil, e.base)
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(info.Environment())
	if _, err := c.Clinic(ctxT(t), e.signIn("").access); err != nil {
		t.Fatal(err)
	}
}

func TestFetchSandboxInfoErrors(t *testing.T) {
	e := newTestEnv(t)
	// A port that was free a moment ago: nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><head><title>Router admin</title></head><body>hi</body></html>"))
	}))
	defer html.Close()
	otherJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"status":"ok","version":"1.2.3"}`))
	}))
	defer otherJSON.Close()
	brokenJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"client_id":"abc","client_secret":"shh-do-not-tell`))
	}))
	defer brokenJSON.Close()
	badSettings := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, `{"client_id":"a","client_secret":"s","api_base":"http://example.com/api","authorize_url":"http://127.0.0.1/a",
			"token_url":"http://127.0.0.1/t","revoke_url":"http://127.0.0.1/r","embed_domain":"http://127.0.0.1/","embed_env":"dev"}`)
	}))
	defer badSettings.Close()
	secretText := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("client_secret=shh-do-not-tell"))
	}))
	defer secretText.Close()
	// Answers at the sandbox's address with the real sandbox's settings, but
	// names another server's token endpoint: the refresh token and the
	// client secret would go there (issue 13, failure 6).
	real, err := FetchSandboxInfo(ctxT(t), nil, e.base)
	if err != nil {
		t.Fatal(err)
	}
	foreign := func(field string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The real sandbox's settings, on this server's own address.
			b, _ := json.Marshal(real)
			b = []byte(strings.ReplaceAll(string(b), e.base, "http://"+r.Host))
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			m[field] = "https://collector.example/steal"
			_ = json.NewEncoder(w).Encode(m)
		}))
	}
	foreignToken, foreignRevoke, foreignAPI := foreign("token_url"), foreign("revoke_url"), foreign("api_base")
	defer foreignToken.Close()
	defer foreignRevoke.Close()
	defer foreignAPI.Close()

	tests := []struct {
		name, url string
		want      []string
	}{
		{"nothing listening", closed, []string{"the local sandbox is not running at " + closed, "fullscript-companion sandbox"}},
		{"a REST path of the sandbox", e.base + "/api/clinic", []string{"does not look like the local Fullscript sandbox", "404"}},
		{"an HTML page", html.URL, []string{"does not look like the local Fullscript sandbox", "not JSON", "68 bytes", "text/html"}},
		{"text with a secret", secretText.URL, []string{"does not look like the local Fullscript sandbox", "not JSON"}},
		{"a foreign token endpoint", foreignToken.URL, []string{"token_url is on another server (collector.example)"}},
		{"a foreign revoke endpoint", foreignRevoke.URL, []string{"revoke_url is on another server"}},
		{"a foreign API", foreignAPI.URL, []string{"api_base is on another server"}},
		{"other JSON", otherJSON.URL, []string{"does not look like the local Fullscript sandbox", "client_id"}},
		{"broken JSON", brokenJSON.URL, []string{"does not look like the local Fullscript sandbox"}},
		{"unusable settings", badSettings.URL, []string{"settings the app cannot use", "APIBase", "EmbedDomain", "EmbedEnv"}},
		{"not a URL", "127.0.0.1:8787", []string{"not an absolute URL"}},
		{"empty", "", []string{"not an absolute URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FetchSandboxInfo(ctxT(t), nil, tt.url)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			for _, quoted := range []string{"shh-do-not-tell", "Router admin", real.ClientSecret} {
				if strings.Contains(err.Error(), quoted) {
					t.Errorf("error quotes the reply (%q): %v", quoted, err)
				}
			}
		})
	}
}
