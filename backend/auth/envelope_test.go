package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestEnvelopeTransport(t *testing.T) {
	const bare = `{"access_token":"at","token_type":"Bearer","expires_in":7200,"refresh_token":"rt"}`
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        string // exact, or JSON-equal when wantJSON
		wantJSON    bool
	}{
		{name: "envelope", status: 200, contentType: "application/json; charset=utf-8",
			body: `{"oauth":{"access_token":"at","token_type":"Bearer","expires_in":7200,"refresh_token":"rt","scope":"catalog:read","created_at":"2021-06-16T14:57:21.000Z","resource_owner":{"id":"u1","type":"Practitioner"}}}`,
			want: `{"access_token":"at","token_type":"Bearer","expires_in":7200,"refresh_token":"rt","scope":"catalog:read","created_at":"2021-06-16T14:57:21.000Z","resource_owner":{"id":"u1","type":"Practitioner"}}`, wantJSON: true},
		{name: "bare body untouched", status: 200, contentType: "application/json", body: bare, want: bare},
		{name: "expires_in string in envelope", status: 200, contentType: "application/json",
			body: `{"oauth":{"access_token":"at","expires_in":"7200"}}`, want: `{"access_token":"at","expires_in":7200}`, wantJSON: true},
		{name: "expires_in string in bare body", status: 200, contentType: "application/json",
			body: `{"access_token":"at","expires_in":" 3600 "}`, want: `{"access_token":"at","expires_in":3600}`, wantJSON: true},
		{name: "expires_in not a number left for x/oauth2", status: 200, contentType: "application/json",
			body: `{"access_token":"at","expires_in":"soon"}`, want: `{"access_token":"at","expires_in":"soon"}`},
		{name: "no content type, envelope", status: 200, body: `{"oauth":{"access_token":"at"}}`, want: `{"access_token":"at"}`, wantJSON: true},
		{name: "non-JSON body", status: 200, contentType: "text/html", body: `<html>maintenance</html>`, want: `<html>maintenance</html>`},
		{name: "truncated JSON", status: 200, contentType: "application/json", body: `{"oauth": {"access_token": "`, want: `{"oauth": {"access_token": "`},
		{name: "JSON array", status: 200, contentType: "application/json", body: `[{"oauth":{}}]`, want: `[{"oauth":{}}]`},
		{name: "oauth not an object", status: 200, contentType: "application/json", body: `{"oauth":"yes"}`, want: `{"oauth":"yes"}`},
		{name: "form body", status: 200, contentType: "application/x-www-form-urlencoded", body: `access_token=at&expires_in=7200`, want: `access_token=at&expires_in=7200`},
		{name: "400 error body", status: 400, contentType: "application/json",
			body: `{"error":"invalid_grant","error_description":"The refresh token is not valid"}`, want: `{"error":"invalid_grant","error_description":"The refresh token is not valid"}`},
		{name: "error status with an envelope", status: 500, contentType: "application/json", body: `{"oauth":{"access_token":"at"}}`, want: `{"oauth":{"access_token":"at"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				h := http.Header{}
				if tt.contentType != "" {
					h.Set("Content-Type", tt.contentType)
				}
				h.Set("Content-Length", strconv.Itoa(len(tt.body)))
				return &http.Response{StatusCode: tt.status, Header: h, ContentLength: int64(len(tt.body)),
					Body: io.NopCloser(bytes.NewBufferString(tt.body)), Request: r}, nil
			})
			req := httptest.NewRequest(http.MethodPost, "http://fullscript.test/api/oauth/token", nil)
			resp, err := (&envelopeTransport{base: base}).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tt.wantJSON {
				var g, w any
				if err := json.Unmarshal(got, &g); err != nil {
					t.Fatalf("body %q is not JSON: %v", got, err)
				}
				_ = json.Unmarshal([]byte(tt.want), &w)
				gb, _ := json.Marshal(g)
				wb, _ := json.Marshal(w)
				if !bytes.Equal(gb, wb) {
					t.Errorf("body = %s, want %s", got, tt.want)
				}
			} else if string(got) != tt.want {
				t.Errorf("body = %q, want %q untouched", got, tt.want)
			}
			if cl := resp.ContentLength; cl != int64(len(got)) && cl != -1 {
				t.Errorf("ContentLength = %d, body is %d bytes", cl, len(got))
			}
			if h := resp.Header.Get("Content-Length"); h != "" && h != strconv.Itoa(len(got)) {
				t.Errorf("Content-Length header %s, body is %d bytes", h, len(got))
			}
		})
	}
}

// fromOAuth2 reads what x/oauth2 parsed through the adapter: expiry from
// created_at, and the Fullscript fields kept in Extra.
func TestTokenFromReply(t *testing.T) {
	created := time.Date(2021, 6, 16, 14, 57, 21, 0, time.UTC)
	tests := []struct {
		name       string
		body       string
		wantExpiry func(received time.Time) (time.Time, time.Duration) // want, tolerance
		wantOwner  [2]string
		wantScope  string
		wantCreate time.Time // zero: about now
		wantRT     string    // x/oauth2 keeps the old one (rt1) when a reply has none
	}{
		{
			name:       "envelope, ISO created_at",
			body:       `{"oauth":{"access_token":"at","token_type":"Bearer","expires_in":7200,"refresh_token":"rt2","scope":"clinic:read patients:read","created_at":"2021-06-16T14:57:21.000Z","resource_owner":{"id":"u1","type":"Staff"}}}`,
			wantExpiry: func(time.Time) (time.Time, time.Duration) { return created.Add(2 * time.Hour), 0 },
			wantOwner:  [2]string{"u1", "Staff"}, wantScope: "clinic:read patients:read", wantCreate: created, wantRT: "rt2",
		},
		{
			name:       "bare, Unix created_at, string expires_in",
			body:       `{"access_token":"at","token_type":"bearer","expires_in":"60","refresh_token":"rt2","created_at":1623855441,"resource_owner":{"id":42,"type":"Practitioner"}}`,
			wantExpiry: func(time.Time) (time.Time, time.Duration) { return created.Add(time.Minute), 0 },
			wantOwner:  [2]string{"42", "Practitioner"}, wantCreate: created, wantRT: "rt2",
		},
		{
			name:       "no created_at: now + expires_in",
			body:       `{"oauth":{"access_token":"at","expires_in":7200,"refresh_token":"rt2"}}`,
			wantExpiry: func(r time.Time) (time.Time, time.Duration) { return r.Add(2 * time.Hour), 5 * time.Second },
			wantRT:     "rt2",
		},
		{
			name:       "unparseable created_at: now + expires_in",
			body:       `{"oauth":{"access_token":"at","expires_in":7200,"created_at":"yesterday"}}`,
			wantExpiry: func(r time.Time) (time.Time, time.Duration) { return r.Add(2 * time.Hour), 5 * time.Second },
			wantRT:     "rt1",
		},
		{
			name:       "no expires_in: no expiry",
			body:       `{"oauth":{"access_token":"at","refresh_token":"rt2"}}`,
			wantExpiry: func(time.Time) (time.Time, time.Duration) { return time.Time{}, 0 },
			wantRT:     "rt2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			cfg := Config{ClientID: "id", ClientSecret: "secret", TokenURL: srv.URL, HTTPClient: srv.Client()}
			received := time.Now()
			tok, err := Refresh(context.Background(), cfg, "rt1")
			if err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			want, tol := tt.wantExpiry(received)
			if d := tok.Expiry.Sub(want); d < -tol || d > tol {
				t.Errorf("Expiry = %s, want %s (±%s)", tok.Expiry, want, tol)
			}
			if !tt.wantCreate.IsZero() && !tok.CreatedAt.Equal(tt.wantCreate) {
				t.Errorf("CreatedAt = %s, want %s", tok.CreatedAt, tt.wantCreate)
			}
			if tok.ResourceOwnerID != tt.wantOwner[0] || tok.ResourceOwnerType != tt.wantOwner[1] {
				t.Errorf("owner = %s/%s, want %s/%s", tok.ResourceOwnerID, tok.ResourceOwnerType, tt.wantOwner[0], tt.wantOwner[1])
			}
			if tok.Scope != tt.wantScope {
				t.Errorf("Scope = %q, want %q", tok.Scope, tt.wantScope)
			}
			if tok.AccessToken != "at" || tok.RefreshToken != tt.wantRT {
				t.Errorf("tokens = %q/%q, want at/%s", tok.AccessToken, tok.RefreshToken, tt.wantRT)
			}
		})
	}
}
