package companion

import "testing"

func TestFrameVerdict(t *testing.T) {
	const wails = "wails://wails"
	tests := []struct {
		name     string
		status   int
		policies []string
		origin   string
		want     string
	}{
		{"refused", 403, []string{"frame-ancestors 'none'"}, wails, frameRefused},
		{"framed for this origin", 200, []string{"default-src 'none'; frame-ancestors wails://wails"}, wails, frameAllowed},
		{"framed for another origin only", 200, []string{"frame-ancestors https://app.example"}, wails, frameRefused},
		{"a list with this origin", 200, []string{"frame-ancestors https://app.example wails://wails"}, wails, frameAllowed},
		{"the scheme alone", 200, []string{"frame-ancestors wails:"}, wails, frameAllowed},
		{"a star does not cover wails:", 200, []string{"frame-ancestors *"}, wails, frameRefused},
		{"a star covers https", 200, []string{"frame-ancestors *"}, "https://app.example", frameAllowed},
		{"'self' is the Embed host, not this window", 200, []string{"frame-ancestors 'self'"}, wails, frameRefused},
		{"a host wildcard", 200, []string{"frame-ancestors https://*.example.com"}, "https://app.example.com", frameAllowed},
		{"a host wildcard, another domain", 200, []string{"frame-ancestors https://*.example.com"}, "https://example.com.evil.test", frameRefused},
		{"a trailing slash and upper case", 200, []string{"FRAME-ANCESTORS HTTP://LOCALHOST:34115/"}, "http://localhost:34115", frameAllowed},
		{"two policies: both must allow", 200, []string{"frame-ancestors wails://wails", "frame-ancestors 'none'"}, wails, frameRefused},
		{"two policies in one header", 200, []string{"frame-ancestors wails://wails, frame-ancestors https://app.example"}, wails, frameRefused},
		{"no CSP on a page that loaded", 200, nil, wails, frameAllowed},
		{"no CSP on an error page", 404, nil, wails, frameUnknown},
		{"no frame-ancestors on a server error", 503, []string{"default-src 'none'"}, wails, frameUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := frameVerdict(tt.status, tt.policies, tt.origin); got != tt.want {
				t.Errorf("frameVerdict(%d, %q, %q) = %s, want %s", tt.status, tt.policies, tt.origin, got, tt.want)
			}
		})
	}
}
