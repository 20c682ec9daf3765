package companion

import "errors"

// Problem is an error a practitioner can act on: what happened and the one
// thing to do about it, in their words, with the technical cause kept for
// the log and for support. The cause must never hold a token or secret.
type Problem struct {
	What string // what happened
	Fix  string // the one thing to do about it
	Err  error  // the technical cause
	// Code names a problem the window offers its own way out of
	// (CodeBrowserNotOpened); most have none.
	Code string
}

// Codes of problems the window acts on.
const (
	// CodeBrowserNotOpened: the link was made, the system browser would not
	// take it: copying a new link can still work.
	CodeBrowserNotOpened = "browser_not_opened"
	// CodeSettingsMissing: the environment lacks what sign-in needs; the
	// window offers Settings.
	CodeSettingsMissing = "settings_missing"
)

func (p *Problem) Error() string {
	if p.Err == nil {
		return p.What
	}
	return p.What + ": " + p.Err.Error()
}

func (p *Problem) Unwrap() error { return p.Err }

// ErrorView is how an error reaches the window: the frontend shows Message
// and Fix, and folds Detail away for support.
type ErrorView struct {
	Message string `json:"message"`
	Fix     string `json:"fix"`
	Detail  string `json:"detail"`
	Code    string `json:"code,omitempty"`
}

// ViewOf describes any error for the window. A Problem speaks for itself;
// anything else is a fault of the app's, said plainly.
func ViewOf(err error) ErrorView {
	var p *Problem
	if errors.As(err, &p) {
		v := ErrorView{Message: p.What, Fix: p.Fix, Code: p.Code}
		if p.Err != nil {
			v.Detail = p.Err.Error()
		}
		return v
	}
	return ErrorView{
		Message: "Something went wrong inside the app.",
		Fix:     "Try again. If it keeps happening, restart the app; the details help support.",
		Detail:  err.Error(),
	}
}
