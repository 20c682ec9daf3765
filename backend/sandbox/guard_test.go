package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A web page must not reach the sandbox: not by a rebound name (Host), and
// not its control routes from another origin (issue 13, failure 2).
func TestGuardRefusesWebPages(t *testing.T) {
	e := newEnv(t, Config{})
	u, _ := url.Parse(e.base)
	port := u.Port()
	json := map[string]string{"Content-Type": "application/json"}
	with := func(h map[string]string, more map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range h {
			out[k] = v
		}
		for k, v := range more {
			out[k] = v
		}
		return out
	}
	fault := `{"path":"/api/clinic","kind":"status","status":500,"count":1}`
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		want                     int
	}{
		{"state by a rebound name", "GET", "/_sandbox/state", "", map[string]string{"Host": "evil.example:" + port}, http.StatusMisdirectedRequest},
		{"tokens by a rebound name", "POST", "/api/oauth/token", "grant_type=x", map[string]string{"Host": "evil.example:" + port, "Content-Type": "application/x-www-form-urlencoded"}, http.StatusMisdirectedRequest},
		{"another port", "GET", "/_sandbox/state", "", map[string]string{"Host": "127.0.0.1:1"}, http.StatusMisdirectedRequest},
		{"no port", "GET", "/_sandbox/info", "", map[string]string{"Host": "localhost"}, http.StatusMisdirectedRequest},
		{"localhost", "GET", "/_sandbox/info", "", map[string]string{"Host": "localhost:" + port}, http.StatusOK},
		{"[::1]", "GET", "/_sandbox/info", "", map[string]string{"Host": "[::1]:" + port}, http.StatusOK},
		{"a text/plain POST (no CORS preflight)", "POST", "/_sandbox/faults", fault, map[string]string{"Content-Type": "text/plain"}, http.StatusForbidden},
		{"a cross-site fetch", "GET", "/_sandbox/state", "", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"another origin", "DELETE", "/_sandbox/faults", "", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"a page of the sandbox itself", "GET", "/_sandbox/state", "", map[string]string{"Origin": "http://127.0.0.1:" + port, "Sec-Fetch-Site": "same-origin"}, http.StatusOK},
		{"the app or a test, JSON", "POST", "/_sandbox/faults", fault, json, http.StatusCreated},
		{"the Embed page's own calls are not control routes", "GET", "/_sandbox/assets/sandbox.css", "", with(nil, map[string]string{"Sec-Fetch-Site": "cross-site"}), http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, strings.NewReader(tt.body), tt.header)
			if r.status != tt.want {
				t.Errorf("%s %s: %d %s, want %d", tt.method, tt.path, r.status, r.body, tt.want)
			}
			if tt.want == http.StatusForbidden && !strings.Contains(string(r.body), "not for web pages") {
				t.Errorf("refusal does not say why: %s", r.body)
			}
		})
	}
	// Nothing a refused request asked for happened.
	if st := e.sb.Snapshot(); len(st.Faults) != 1 {
		t.Errorf("faults = %+v, want only the JSON one", st.Faults)
	}
}
