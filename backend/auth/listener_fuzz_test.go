package auth

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// fzState is the attempt's state, shaped like newState's (base64url of 32
// bytes), so that it cannot run on into the fixed text around it on a page.
const fzState = "q7Zk0dT9xW2mB4rN8sLpVh3uYc6eJf1aGo5iKnXzR-_"

// fzWho is what the Finish hook says signed in.
const fzWho = "Dr. Ada Moss at Riverside Wellness Clinic"

// Bits of FuzzCallbackHandler's mode.
const (
	fzCancelled     = 1 << iota // the caller cancels before any request
	fzExchangeFails             // the token endpoint refuses the code
	fzFinishHook                // SignInOptions.Finish is set
	fzFinishFails               // ... and fails
	fzLocalhost                 // the redirect URI is http://localhost:5555/callback
)

// fzRequest is one request to the handler and what it answered.
type fzRequest struct {
	req    *http.Request
	status int
	header http.Header
	body   string
}

// fzCallbackRun sends the requests to a fresh handler. twin replaces every
// code= value (same length, other characters) and the access token the
// exchange returns, so a second run shows whether either reaches a page
// or a log line.
type fzCallbackRun struct {
	requests  []fzRequest
	exchanged []string // codes the exchange was called with
	results   []result
	log       string
}

func fzRunCallback(t *testing.T, lines []string, defaultHost string, mode byte, twin bool) fzCallbackRun {
	t.Helper()
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
	access := "sEcReT-access-token-A"
	if twin {
		access = "sEcReT-access-token-B"
	}
	var run fzCallbackRun
	cb := newCallback("/callback", fzState, log, func(code string) (*Token, error) {
		run.exchanged = append(run.exchanged, code)
		if mode&fzExchangeFails != 0 {
			return nil, &TokenError{Status: 400, Code: "invalid_grant", Description: "The authorization code expired"}
		}
		return &Token{AccessToken: access, RefreshToken: access + "-refresh", TokenType: "Bearer"}, nil
	})
	cb.host = "127.0.0.1:5555"
	if mode&fzLocalhost != 0 {
		cb.host = "localhost:5555"
	}
	if mode&fzFinishHook != 0 {
		cb.finishHook = func(tok *Token) (string, error) {
			if tok == nil || tok.AccessToken != access {
				t.Errorf("Finish got %v, want the exchanged token", tok)
			}
			if mode&fzFinishFails != 0 {
				return "", errors.New("store the account: disk full")
			}
			return fzWho, nil
		}
	}
	if mode&fzCancelled != 0 && !cb.cancel() {
		t.Fatal("cancel before any request reported a callback already taken")
	}
	for _, line := range lines {
		method, rest, _ := strings.Cut(line, " ")
		target, host, hasHost := strings.Cut(rest, " ")
		if !hasHost {
			host = defaultHost
		}
		if target == "" {
			target = "/"
		}
		raw := method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			continue // net/http answers it before the handler sees it
		}
		req.RemoteAddr = "127.0.0.1:40000"
		if twin {
			q := req.URL.Query()
			if codes, ok := q["code"]; ok {
				for i, c := range codes {
					codes[i] = fzTwin(c)
				}
				req.URL.RawQuery = q.Encode()
			}
		}
		req = req.WithContext(context.Background())
		rec := httptest.NewRecorder()
		cb.ServeHTTP(rec, req)
		run.requests = append(run.requests, fzRequest{req: req, status: rec.Code, header: rec.Header(), body: rec.Body.String()})
	}
	for len(cb.results) > 0 {
		run.results = append(run.results, <-cb.results)
	}
	run.log = logBuf.String()
	return run
}

// fzTwin is s with every character changed and the length in characters kept.
func fzTwin(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == 'q' {
			b.WriteRune('z')
		} else {
			b.WriteRune('q')
		}
	}
	return b.String()
}

// FuzzCallbackHandler sends sequences of requests (one per line: method,
// target and optionally a Host) to the loopback listener's handler, as
// net/http would parse them, and checks it against what it promises:
//
//   - every request is answered with the app's own page (status, HTML,
//     no-store, no-referrer, the CSP), never a panic;
//   - the code is exchanged only for the first GET on the redirect path and
//     host whose state is this attempt's, never after a cancel, at most
//     once, and with the code the request carried; exactly that request
//     ends the attempt, with the outcome it carried;
//   - neither the code nor the access token reaches a page or a log line
//     (the same requests with other codes and another token give the same
//     pages and logs), and the state only when an error= redirect quotes it.
func FuzzCallbackHandler(f *testing.F) {
	ok := "GET /callback?code=c0de-xyz-123&state=" + fzState
	for _, seed := range []struct {
		requests, host string
		mode           byte
	}{
		{ok, "127.0.0.1:5555", 0},
		{"GET /\nGET /callback?code=c&state=other\n" + ok + "\n" + ok, "127.0.0.1:5555", fzFinishHook},
		{"GET /callback?error=access_denied&error_description=The+user+denied&state=" + fzState, "127.0.0.1:5555", 0},
		{ok, "LOCALHOST:5555", fzLocalhost | fzFinishHook | fzFinishFails},
		{ok + " evil.test:5555\n" + ok, "127.0.0.1:5555", fzExchangeFails},
		{"POST /callback?code=c&state=" + fzState + "\n" + ok, "127.0.0.1:5555", fzCancelled},
		{"GET http://127.0.0.1:5555/callback?state=" + fzState + "&state=x&code=a&code=b", "127.0.0.1:5555", 0},
		{"GET /callback/?code=c&state=" + fzState + "\nGET /Callback?code=c&state=" + fzState + "\nGET /callback?code=%zz&state=" + fzState, "127.0.0.1:5555", 0},
	} {
		f.Add(seed.requests, seed.host, seed.mode)
	}
	f.Fuzz(func(t *testing.T, requests, host string, mode byte) {
		lines := strings.Split(requests, "\n")
		if len(lines) > 8 {
			lines = lines[:8]
		}
		a := fzRunCallback(t, lines, host, mode, false)
		b := fzRunCallback(t, lines, host, mode, true)

		cbHost := "127.0.0.1:5555"
		if mode&fzLocalhost != 0 {
			cbHost = "localhost:5555"
		}
		done := false
		var wantCodes []string
		wantResults, endStatus := 0, 0
		for i, r := range a.requests {
			q := r.req.URL.Query()
			want, accepted := 0, false
			switch {
			case !strings.EqualFold(r.req.Host, cbHost):
				want = http.StatusMisdirectedRequest
			case r.req.URL.Path != "/callback":
				want = http.StatusNotFound
			case r.req.Method != http.MethodGet:
				want = http.StatusMethodNotAllowed
			case mode&fzCancelled != 0, done:
				want = http.StatusGone
			case q.Get("state") != fzState:
				want = http.StatusBadRequest
			default:
				accepted, done = true, true
				wantResults++
				switch e := q.Get("error"); {
				case strings.TrimSpace(e) == "access_denied":
					want = http.StatusForbidden
				case e != "", q.Get("code") == "":
					want = http.StatusBadRequest
				case mode&fzExchangeFails != 0, mode&(fzFinishHook|fzFinishFails) == fzFinishHook|fzFinishFails:
					want = http.StatusBadGateway
					wantCodes = append(wantCodes, q.Get("code"))
				default:
					want = http.StatusOK
					wantCodes = append(wantCodes, q.Get("code"))
				}
			}
			what := r.req.Method + " " + r.req.URL.RequestURI() + " Host " + r.req.Host
			if r.status != want {
				t.Errorf("request %d, %s: status %d, want %d", i, what, r.status, want)
			}
			if accepted {
				endStatus = want
			}
			fzCheckPage(t, what, r)
			// The state is shown only when Fullscript's error= redirect quotes it.
			shown := ""
			if accepted {
				shown = q.Get("error") + " " + q.Get("error_description")
			}
			if strings.Contains(r.body, fzState) && !strings.Contains(shown, fzState) {
				t.Errorf("[callback-page-shows-state] request %d, %s: the page shows the state", i, what)
			}
			if strings.Contains(r.body, "sEcReT") && !strings.Contains(shown, "sEcReT") {
				t.Errorf("[callback-page-shows-token] request %d, %s: the page shows the access token", i, what)
			}
		}
		if !slices.Equal(a.exchanged, wantCodes) {
			t.Errorf("codes exchanged: %q, want %q", a.exchanged, wantCodes)
		}
		if len(a.results) != wantResults {
			t.Fatalf("%d outcomes, want %d", len(a.results), wantResults)
		}
		if wantResults == 1 {
			res := a.results[0]
			wantOK := endStatus == http.StatusOK
			if wantOK != (res.err == nil) || (res.err == nil && (res.tok == nil || res.tok.AccessToken != "sEcReT-access-token-A")) {
				t.Errorf("outcome %v, %v; want success %v", res.tok, res.err, wantOK)
			}
			if res.err != nil && res.tok != nil {
				t.Errorf("outcome has both a token and an error: %v", res.err)
			}
		}
		// The log holds paths, and Fullscript's error code and description;
		// the state and the token only when one of those quotes them.
		echoed := ""
		for _, r := range a.requests {
			q := r.req.URL.Query()
			echoed += r.req.URL.Path + " " + q.Get("error") + " " + q.Get("error_description") + " "
		}
		if strings.Contains(a.log, fzState) && !strings.Contains(echoed, fzState) {
			t.Errorf("[callback-log-has-state] the log holds the state:\n%s", a.log)
		}
		if strings.Contains(a.log, "sEcReT") && !strings.Contains(echoed, "sEcReT") {
			t.Errorf("[callback-log-has-token] the log holds the access token:\n%s", a.log)
		}

		// The twin run: other codes, another token, the same pages and logs.
		if len(a.requests) != len(b.requests) {
			t.Fatalf("twin run: %d requests reached the handler, want %d", len(b.requests), len(a.requests))
		}
		for i := range a.requests {
			ra, rb := a.requests[i], b.requests[i]
			if ra.status != rb.status || ra.body != rb.body {
				t.Errorf("[callback-page-depends-on-code] request %d, %s: another code or token changes the page (%d vs %d):\n%s\n---\n%s",
					i, ra.req.URL.RequestURI(), ra.status, rb.status, ra.body, rb.body)
			}
		}
		if a.log != b.log {
			t.Errorf("[callback-log-depends-on-code] another code or token changes the log:\n%s\n---\n%s", a.log, b.log)
		}
		for i := range wantCodes {
			if i < len(b.exchanged) && b.exchanged[i] != fzTwin(wantCodes[i]) {
				t.Errorf("twin run exchanged %q, want %q", b.exchanged[i], fzTwin(wantCodes[i]))
			}
		}
	})
}

// fzCheckPage: every answer is one of the app's pages, with its headers.
func fzCheckPage(t *testing.T, what string, r fzRequest) {
	t.Helper()
	for k, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "no-referrer",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": pageCSP,
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s: %s = %q, want %q", what, k, got, want)
		}
	}
	if r.status == http.StatusMethodNotAllowed && r.header.Get("Allow") != http.MethodGet {
		t.Errorf("%s: 405 without Allow: GET", what)
	}
	if !strings.HasPrefix(r.body, "<!doctype html>") || !strings.Contains(r.body, "</html>") || !strings.Contains(r.body, "Fullscript Companion") {
		t.Errorf("%s: not one of the app's pages: %q", what, r.body)
	}
	// A page quotes at most a clipped error code and description.
	if len(r.body) > 16<<10 {
		t.Errorf("[callback-page-unbounded] %s: a %d-byte page", what, len(r.body))
	}
	// Whatever a request carries is escaped: no markup of its own.
	for _, tag := range []string{"<script", "<img", "<iframe", "<link", "<a ", "<form", "<meta http-equiv"} {
		if strings.Contains(strings.ToLower(r.body), tag) {
			t.Errorf("%s: the page holds %s: %s", what, tag, r.body)
		}
	}
}
