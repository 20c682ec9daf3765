package sandbox

import (
	"mime"
	"net"
	"net/http"
	"strings"
)

// withGuard keeps web pages away from the sandbox. Every request must name
// the sandbox by a loopback host and its own port in Host: a page whose
// own name was rebound to 127.0.0.1 (DNS rebinding) sends its name, and is
// refused. The control routes (/_sandbox/: every live token is there) also
// refuse cross-site requests: a browser's fetch from another origin, and a
// "simple" POST that skips CORS (text/plain), which any page can send.
func (s *Sandbox) withGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		port := localPort(r)
		if !loopbackHost(r.Host, port) {
			s.log.Warn("sandbox: refused a request for another host", "path", r.URL.Path)
			http.Error(w, "This sandbox answers at 127.0.0.1, localhost or [::1] with its own port only.", http.StatusMisdirectedRequest)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/_sandbox/") && !strings.HasPrefix(r.URL.Path, "/_sandbox/assets/") {
			if why := crossSite(r, port); why != "" {
				s.log.Warn("sandbox: refused a cross-site control request", "path", r.URL.Path, "why", why)
				http.Error(w, "The sandbox's control routes are for the app and tests on this machine, not for web pages ("+why+").", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// localPort is the port the request came in on ("" when the handler is
// mounted without a listener of its own, e.g. in a unit test).
func localPort(r *http.Request) string {
	addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return ""
	}
	_, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return ""
	}
	return port
}

// loopbackHost: 127.0.0.1, localhost or [::1], with the sandbox's port.
func loopbackHost(host, port string) bool {
	name, p, err := net.SplitHostPort(host)
	if err != nil {
		name, p = host, "80"
	}
	switch strings.ToLower(name) {
	case "127.0.0.1", "localhost", "::1":
	default:
		return false
	}
	return port == "" || p == port
}

// crossSite says why a control request comes from a web page, or "".
func crossSite(r *http.Request, port string) string {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return "Sec-Fetch-Site: " + r.Header.Get("Sec-Fetch-Site")
	}
	if o := r.Header.Get("Origin"); o != "" {
		host, ok := strings.CutPrefix(o, "http://")
		if !ok || !loopbackHost(host, port) {
			return "Origin " + o
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" && r.ContentLength != 0 {
			return "a body that is not application/json"
		}
	}
	return ""
}
