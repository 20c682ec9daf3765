package companion

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"fullscript-companion/backend/auth"
)

// fzSettingsFix is, per field, the value that asks least of the others
// (the built-in sandbox, nothing to set).
var fzSettingsFix = map[string]func(*SettingsInput){
	"environment":  func(in *SettingsInput) { in.Environment = "local" },
	"name":         func(in *SettingsInput) { in.Name = "" },
	"clientId":     func(in *SettingsInput) { in.ClientID = "cid" },
	"clientSecret": func(in *SettingsInput) { in.ClientSecret = "" },
	"publicKey":    func(in *SettingsInput) { in.PublicKey = "" },
	"redirectUri":  func(in *SettingsInput) { in.RedirectURI = "" },
	"openMode":     func(in *SettingsInput) { in.OpenMode = "" },
}

// fzShapeTwin is another secret of the same shape: every ASCII letter and
// digit changed for another of its kind, everything else (spaces,
// punctuation, invisible characters, other scripts) kept where it is.
func fzShapeTwin(s string) string {
	other := func(r, a, b rune) rune {
		if r == a {
			return b
		}
		return a
	}
	var out strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			r = other(r, 'x', 'y')
		case r >= 'A' && r <= 'Z':
			r = other(r, 'X', 'Y')
		case r >= '0' && r <= '9':
			r = other(r, '0', '1')
		}
		out.WriteRune(r)
	}
	return out.String()
}

// fzRedirectUsable asks the sign-in itself whether it can use a redirect
// URI: SignIn checks it before anything else and, with a context already
// cancelled, stops right after (no listener, no network).
func fzRedirectUsable(t *testing.T, uri string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := auth.SignIn(ctx, auth.Config{ClientID: "cid", ClientSecret: "secret",
		AuthorizeURL: "https://us-snd.fullscript.io/oauth/authorize", TokenURL: "https://api-us-snd.fullscript.io/api/oauth/token",
		RedirectURI: uri, Logger: slog.New(slog.DiscardHandler)}, auth.SignInOptions{})
	switch {
	case errors.Is(err, auth.ErrCancelled):
		return nil
	case errors.Is(err, auth.ErrRedirectURI):
		return err
	}
	t.Fatalf("SignIn with %q and a cancelled context: %v, want ErrCancelled or ErrRedirectURI", uri, err)
	return nil
}

// FuzzValidateSettings validates any Settings form (the window's, as the
// Wails binding receives it) and checks:
//
//   - it never panics and is deterministic;
//   - each refusal names one known field, once, with a sentence that says
//     what to do (capitalised, ending in a full stop, bounded in length);
//   - a field's refusal depends on that field only: giving it a good value
//     removes its error and leaves the others;
//   - the client secret's characters never reach a message (a secret of
//     the same shape gives the same messages);
//   - an accepted form, stored as SaveSettings stores it (trimmed), is
//     accepted again, holds no credential with a space, control or
//     invisible formatting character in it, and has a redirect URI the
//     sign-in can use.
func FuzzValidateSettings(f *testing.F) {
	for _, in := range []SettingsInput{
		{Environment: "us-snd", Name: "us-snd", ClientID: "cid", ClientSecret: "sekret-value-123", PublicKey: "pk_1", RedirectURI: "http://127.0.0.1:8765/callback", OpenMode: "automatic"},
		{Environment: "local"},
		{Environment: "eu", Name: "mars", ClientID: "abc def", ClientSecret: "s\ts", PublicKey: "pk\n", RedirectURI: "https://example.com/cb", OpenMode: "tab"},
		{Environment: "us", Name: "us", RedirectURI: "http://192.168.1.5:8765/cb"},
		{Environment: "us", Name: "us", RedirectURI: "http://127.0.0.1:8765"},
		{Environment: "us", Name: "us", RedirectURI: "http://127.0.0.1/ "},
		{Environment: "us", Name: "us", RedirectURI: "http://user:pw@127.0.0.1:8765/callback"},
		{Environment: "us", Name: "us", RedirectURI: "http://127.0.0.2:8765/callback"},
		{Environment: "us", Name: "us", RedirectURI: "http://127.0.0.1:99999/callback"},
		{Environment: "us", Name: "us", RedirectURI: "http://[::1]:8765/callback#"},
		{Environment: "ca", Name: "custom", RedirectURI: "http://localhost/cb", OpenMode: "browser"},
		{Environment: "us", Name: strings.Repeat("n", 5000)},
	} {
		f.Add(in.Environment, in.Name, in.ClientID, in.ClientSecret, in.PublicKey, in.RedirectURI, in.OpenMode)
	}
	f.Fuzz(func(t *testing.T, environment, name, clientID, clientSecret, publicKey, redirectURI, openMode string) {
		in := SettingsInput{Environment: environment, Name: name, ClientID: clientID, ClientSecret: clientSecret,
			PublicKey: publicKey, RedirectURI: redirectURI, OpenMode: openMode}
		errs := ValidateSettings(in)
		if again := ValidateSettings(in); !reflect.DeepEqual(errs, again) {
			t.Fatalf("two validations differ: %v / %v", errs, again)
		}
		seen := map[string]bool{}
		for _, e := range errs {
			if fzSettingsFix[e.Field] == nil || seen[e.Field] {
				t.Errorf("error %+v: unknown or repeated field", e)
			}
			seen[e.Field] = true
			first, _ := utf8.DecodeRuneInString(e.Message)
			if len(e.Message) < 10 || !unicode.IsUpper(first) || !strings.HasSuffix(e.Message, ".") {
				t.Errorf("field %s: %q is not a sentence saying what to do", e.Field, e.Message)
			}
			if len(e.Message) > 300 {
				t.Errorf("[settings-message-unbounded] field %s: a %d-byte message quotes the input unclipped: %.80q…", e.Field, len(e.Message), e.Message)
			}
		}
		// Independence: fixing one field removes its error only.
		for _, e := range errs {
			fixed := in
			fzSettingsFix[e.Field](&fixed)
			var want []FieldError
			for _, o := range errs {
				if o.Field != e.Field {
					want = append(want, o)
				}
			}
			if got := ValidateSettings(fixed); !reflect.DeepEqual(got, want) {
				t.Errorf("fixing %s: errors %v, want %v", e.Field, got, want)
			}
		}
		// The secret's characters never reach a message.
		twin := in
		twin.ClientSecret = fzShapeTwin(in.ClientSecret)
		if got := ValidateSettings(twin); !reflect.DeepEqual(got, errs) {
			t.Errorf("the client secret changes the messages: %v / %v", errs, got)
		}
		if len(errs) > 0 {
			return
		}
		// Accepted: as stored, still accepted, and usable by the sign-in.
		stored := in
		stored.ClientID, stored.ClientSecret = strings.TrimSpace(in.ClientID), strings.TrimSpace(in.ClientSecret)
		stored.PublicKey, stored.RedirectURI = strings.TrimSpace(in.PublicKey), strings.TrimSpace(in.RedirectURI)
		for field, v := range map[string]string{"clientId": stored.ClientID, "clientSecret": stored.ClientSecret, "publicKey": stored.PublicKey} {
			if i := strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }); i >= 0 {
				r, _ := utf8.DecodeRuneInString(v[i:])
				t.Errorf("[settings-credential-invisible-chars] %s %q is accepted with %U in it, which no credential has", field, v, r)
			}
		}
		if got := ValidateSettings(stored); len(got) > 0 {
			t.Errorf("[settings-stored-value-rejected] accepted %+v, but as stored it is refused: %v", in, got)
		}
		if stored.RedirectURI != "" {
			if err := fzRedirectUsable(t, stored.RedirectURI); err != nil {
				t.Errorf("[settings-redirect-unusable] the Settings accept the redirect URI %q, but the sign-in refuses it: %v", stored.RedirectURI, err)
			}
		}
	})
}
