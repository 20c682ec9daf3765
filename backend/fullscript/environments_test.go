package fullscript

import (
	"slices"
	"strings"
	"testing"
)

func TestKnownEnvironment(t *testing.T) {
	tests := []struct {
		name string
		want Environment
	}{
		{"us", Environment{Name: "us",
			APIBase:      "https://api-us.fullscript.com/api",
			AuthorizeURL: "https://api-us.fullscript.com/api/oauth/authorize",
			TokenURL:     "https://api-us.fullscript.com/api/oauth/token",
			RevokeURL:    "https://api-us.fullscript.com/api/oauth/revoke",
			EmbedDomain:  "https://us.fullscript.com", EmbedEnv: "us"}},
		{"ca", Environment{Name: "ca",
			APIBase:      "https://api-ca.fullscript.com/api",
			AuthorizeURL: "https://api-ca.fullscript.com/api/oauth/authorize",
			TokenURL:     "https://api-ca.fullscript.com/api/oauth/token",
			RevokeURL:    "https://api-ca.fullscript.com/api/oauth/revoke",
			EmbedDomain:  "https://ca.fullscript.com", EmbedEnv: "ca"}},
		{"us-snd", Environment{Name: "us-snd",
			APIBase:      "https://api-us-snd.fullscript.io/api",
			AuthorizeURL: "https://api-us-snd.fullscript.io/api/oauth/authorize",
			TokenURL:     "https://api-us-snd.fullscript.io/api/oauth/token",
			RevokeURL:    "https://api-us-snd.fullscript.io/api/oauth/revoke",
			EmbedDomain:  "https://us-snd.fullscript.io", EmbedEnv: "us-snd"}},
		{"ca-snd", Environment{Name: "ca-snd",
			APIBase:      "https://api-ca-snd.fullscript.io/api",
			AuthorizeURL: "https://api-ca-snd.fullscript.io/api/oauth/authorize",
			TokenURL:     "https://api-ca-snd.fullscript.io/api/oauth/token",
			RevokeURL:    "https://api-ca-snd.fullscript.io/api/oauth/revoke",
			EmbedDomain:  "https://ca-snd.fullscript.io", EmbedEnv: "ca-snd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := KnownEnvironment(tt.name)
			if !ok || got != tt.want {
				t.Fatalf("KnownEnvironment(%q) = %+v, %v; want %+v", tt.name, got, ok, tt.want)
			}
			if err := got.Validate(); err != nil {
				t.Fatalf("a known environment must validate: %v", err)
			}
		})
	}
	for _, name := range []string{"local", "custom", "dev", "", "US"} {
		if _, ok := KnownEnvironment(name); ok {
			t.Errorf("KnownEnvironment(%q) reported true", name)
		}
	}
}

func TestEnvironmentNames(t *testing.T) {
	want := []string{"us", "ca", "us-snd", "ca-snd", "local", "custom"}
	if got := EnvironmentNames(); !slices.Equal(got, want) {
		t.Fatalf("EnvironmentNames() = %v, want %v", got, want)
	}
}

func TestValidate(t *testing.T) {
	local := Environment{Name: "local",
		APIBase: "http://127.0.0.1:8787/api", AuthorizeURL: "http://127.0.0.1:8787/api/oauth/authorize",
		TokenURL: "http://127.0.0.1:8787/api/oauth/token", RevokeURL: "http://127.0.0.1:8787/api/oauth/revoke",
		EmbedDomain: "http://127.0.0.1:8787", EmbedEnv: "us-snd"}
	snd, _ := KnownEnvironment("us-snd")
	with := func(base Environment, f func(*Environment)) Environment { f(&base); return base }

	tests := []struct {
		name    string
		env     Environment
		wantErr []string // substrings; nil means valid
	}{
		{"sandbox loopback http", local, nil},
		{"ipv6 loopback", with(local, func(e *Environment) {
			e.APIBase, e.EmbedDomain = "http://[::1]:8787/api", "http://[::1]:8787"
		}), nil},
		{"localhost", with(local, func(e *Environment) { e.TokenURL = "http://localhost:8787/api/oauth/token" }), nil},
		{"custom https", with(snd, func(e *Environment) { e.Name = "custom" }), nil},
		{"http on a public host", with(snd, func(e *Environment) { e.APIBase = "http://api-us-snd.fullscript.io/api" }),
			[]string{"APIBase", "uses http"}},
		{"http embed domain on a public host", with(snd, func(e *Environment) { e.EmbedDomain = "http://us-snd.fullscript.io" }),
			[]string{"EmbedDomain", "uses http"}},
		{"relative URL", with(snd, func(e *Environment) { e.TokenURL = "/api/oauth/token" }),
			[]string{"TokenURL", "not absolute"}},
		{"empty revoke URL", with(snd, func(e *Environment) { e.RevokeURL = "" }),
			[]string{"RevokeURL", "empty"}},
		{"ftp scheme", with(snd, func(e *Environment) { e.AuthorizeURL = "ftp://x.example/a" }),
			[]string{"AuthorizeURL", "scheme must be https"}},
		{"embed domain with trailing slash", with(snd, func(e *Environment) { e.EmbedDomain = "https://us-snd.fullscript.io/" }),
			[]string{"EmbedDomain", `"https://us-snd.fullscript.io"`}},
		{"embed domain with a path", with(snd, func(e *Environment) { e.EmbedDomain = "https://us-snd.fullscript.io/embed" }),
			[]string{"EmbedDomain", "path"}},
		{"embed domain in upper case", with(snd, func(e *Environment) { e.EmbedDomain = "https://US-snd.fullscript.io" }),
			[]string{"EmbedDomain", "exactly"}},
		{"unknown embed env", with(snd, func(e *Environment) { e.EmbedEnv = "dev" }),
			[]string{"EmbedEnv", `"dev"`, "us-snd"}},
		{"unknown name", with(snd, func(e *Environment) { e.Name = "staging" }),
			[]string{"Name", `"staging"`}},
		{"several problems at once", with(snd, func(e *Environment) { e.EmbedEnv = ""; e.TokenURL = "" }),
			[]string{"EmbedEnv", "TokenURL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.env.Validate()
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error naming %v, got nil", tt.wantErr)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestNormalizeOrigin(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "https://us-snd.fullscript.io", want: "https://us-snd.fullscript.io"},
		{in: "https://us-snd.fullscript.io/", want: "https://us-snd.fullscript.io"},
		{in: "  https://us-snd.fullscript.io/  ", want: "https://us-snd.fullscript.io"},
		{in: "HTTPS://US-SND.Fullscript.IO", want: "https://us-snd.fullscript.io"},
		{in: "https://us.fullscript.com:443", want: "https://us.fullscript.com"},
		{in: "http://127.0.0.1:80", want: "http://127.0.0.1"},
		{in: "http://127.0.0.1:8787", want: "http://127.0.0.1:8787"},
		{in: "http://[::1]:8787/", want: "http://[::1]:8787"},
		{in: "wails://wails.localhost:34115", want: "wails://wails.localhost:34115"},
		{in: "https://us-snd.fullscript.io/embed", wantErr: true},
		{in: "https://us-snd.fullscript.io//", wantErr: true},
		{in: "https://us-snd.fullscript.io?x=1", wantErr: true},
		{in: "https://us-snd.fullscript.io#top", wantErr: true},
		{in: "https://user:pw@us-snd.fullscript.io", wantErr: true},
		{in: "us-snd.fullscript.io", wantErr: true},
		{in: "", wantErr: true},
		{in: "mailto:a@b.c", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizeOrigin(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %q", got)
				}
				if strings.Contains(err.Error(), "pw") {
					t.Errorf("error quotes the password: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeOrigin(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}
