package companion

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

// Sign-in through the app (loopback listener, state and PKCE, the code
// exchange, naming the clinic and the person, the sealed commit), beside
// the same HTTP requests made bare from the same process (issue 12). The
// "browser" is the auto-approving sandbox, so no person waits in either.
func BenchmarkSignIn(b *testing.B) {
	w := newWorld(b, sandbox.Config{})
	ctx := context.Background()
	for b.Loop() {
		if _, err := w.svc.SignIn(ctx, SignInRequest{Environment: "local", OpenBrowser: browser, Timeout: 20 * time.Second}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignInBareHTTP: authorize (the sandbox approves and redirects),
// exchange the code, read the clinic and the person: nothing listens,
// nothing is stored.
func BenchmarkSignInBareHTTP(b *testing.B) {
	w := newWorld(b, sandbox.Config{})
	info := w.sb.Info()
	noRedirect := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for b.Loop() {
		verifier := rand.Text() + rand.Text()
		sum := sha256.Sum256([]byte(verifier))
		q := url.Values{"response_type": {"code"}, "client_id": {info.ClientID}, "redirect_uri": {info.RedirectURI},
			"state": {rand.Text()}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
			"scope": {info.Scopes}}
		res, err := noRedirect.Get(info.AuthorizeURL + "?" + q.Encode())
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		loc, err := url.Parse(res.Header.Get("Location"))
		if err != nil || loc.Query().Get("code") == "" {
			b.Fatalf("authorize: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {info.RedirectURI},
			"client_id": {info.ClientID}, "client_secret": {info.ClientSecret}, "code_verifier": {verifier}}
		res, err = http.Post(info.TokenURL, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			b.Fatal(err)
		}
		var reply struct {
			OAuth struct {
				AccessToken   string                    `json:"access_token"`
				ResourceOwner struct{ ID, Type string } `json:"resource_owner"`
			} `json:"oauth"` // Fullscript's envelope
		}
		err = json.NewDecoder(res.Body).Decode(&reply)
		tok := reply.OAuth
		res.Body.Close()
		if err != nil || tok.AccessToken == "" {
			b.Fatalf("token: %d %v", res.StatusCode, err)
		}
		for _, path := range []string{"/clinic", "/clinic/practitioners/" + tok.ResourceOwner.ID} {
			req, _ := http.NewRequest(http.MethodGet, info.APIBase+path, nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("GET %s: %v", path, err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	}
}
