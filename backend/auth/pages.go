package auth

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
)

// page is what the browser tab shows after a request to the listener. It
// never holds a code, token or state: only text written here, plus error
// codes and descriptions that are safe to show.
type page struct {
	Title  string
	Tone   string // ok, bad or info: the accent colour
	Lead   string
	Detail string
}

// pageCSP: the pages are self-contained (inline CSS, no scripts, no
// external resources) and may not be framed.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Fullscript Companion</title>
<style>
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f4f6f5;color:#1d2b27;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:32rem;margin:1.5rem;padding:2rem 2.25rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);border-top:6px solid #6b7c77}
main.ok{border-top-color:#2f8f5b}main.bad{border-top-color:#c0392b}main.info{border-top-color:#c98a12}
h1{font-size:1.35rem;margin:0 0 .75rem}
p{margin:.5rem 0}
.detail{color:#4d5c58;font-size:.9rem;overflow-wrap:anywhere}
.app{color:#6b7c77;font-size:.8rem;margin-top:1.5rem}
</style>
</head>
<body>
<main class="{{.Tone}}">
<h1>{{.Title}}</h1>
<p>{{.Lead}}</p>
{{if .Detail}}<p class="detail">{{.Detail}}</p>{{end}}
<p class="app">Fullscript Companion</p>
</main>
</body>
</html>
`))

func writePage(w http.ResponseWriter, status int, p page) {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		http.Error(w, p.Title, status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Cache-Control", "no-store")
	// The callback URL holds the code: no Referer may carry it anywhere.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

var (
	successPage = page{
		Title: "You are signed in to Fullscript",
		Tone:  "ok",
		Lead:  "You are signed in to Fullscript; you can close this tab and go back to Fullscript Companion.",
	}
	wrongStatePage = page{
		Title:  "This sign-in link is not the one the app is waiting for",
		Tone:   "info",
		Lead:   "This sign-in link is not the one the app is waiting for. It may come from an older sign-in, or from another tab.",
		Detail: "Go back to Fullscript Companion and use the sign-in it is showing now, or start again.",
	}
	wrongHostPage = page{
		Title: "Unexpected request",
		Tone:  "info",
		Lead:  "This address only receives Fullscript's sign-in redirect, at the address the app registered.",
	}
	cancelledPage = page{
		Title:  "This sign-in was cancelled in Fullscript Companion",
		Tone:   "info",
		Lead:   "This sign-in was cancelled in Fullscript Companion, so nothing was signed in.",
		Detail: "To add the account, choose Add account in the app again. You can close this tab.",
	}
	finishedPage = page{
		Title: "This sign-in is already finished",
		Tone:  "info",
		Lead:  "This sign-in is already finished; each sign-in link works once. You can close this tab.",
	}
	methodPage = page{
		Title: "Unexpected request",
		Tone:  "info",
		Lead:  "This address only receives Fullscript's sign-in redirect, as a plain link (GET).",
	}
)

func notFoundPage(path string, looksLikeRedirect bool) page {
	p := page{
		Title: "Nothing here",
		Tone:  "info",
		Lead:  "This address belongs to Fullscript Companion's sign-in and only receives Fullscript's redirect.",
	}
	if looksLikeRedirect {
		p.Detail = "This looks like Fullscript's sign-in redirect, but the app listens on " + path +
			". Check that the redirect URI in the app's settings is exactly the one registered with Fullscript."
	}
	return p
}

func callbackErrorPage(err *CallbackError) page {
	if errors.Is(err, ErrDenied) {
		return page{
			Title:  "Sign-in cancelled",
			Tone:   "bad",
			Lead:   "Fullscript Companion was not given access to your Fullscript account. You can close this tab.",
			Detail: "To connect the account, start signing in again from the app and choose Authorize.",
		}
	}
	return page{
		Title:  "Sign-in failed",
		Tone:   "bad",
		Lead:   "Fullscript did not complete the sign-in. You can close this tab and try again from the app.",
		Detail: err.Error(),
	}
}

// exchangeFailedPage shows the error text, which by construction holds no
// secret (see tokenEndpointError).
func exchangeFailedPage(err error) page {
	return page{
		Title:  "Sign-in failed",
		Tone:   "bad",
		Lead:   "Fullscript approved the sign-in, but the app could not get its tokens. You can close this tab and try again from the app.",
		Detail: err.Error(),
	}
}

// successPageFor names who signed in where ("Dr. Ada Moss at Riverside
// Wellness Clinic"), when the caller said.
func successPageFor(who string) page {
	if who == "" {
		return successPage
	}
	return page{
		Title: "Signed in as " + who,
		Tone:  "ok",
		Lead:  "Fullscript Companion now acts as " + who + ". You can close this tab and go back to the app.",
	}
}

// keepFailedPage: Fullscript said yes, but the app could not keep the
// sign-in (it gave the tokens back); the app says why.
func keepFailedPage() page {
	return page{
		Title:  "Signed in at Fullscript, but the app could not keep it",
		Tone:   "bad",
		Lead:   "Fullscript accepted the sign-in, but Fullscript Companion could not finish it, so no account was added.",
		Detail: "Go back to the app: it says what happened and what to do.",
	}
}
