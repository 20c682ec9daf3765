// Package notify shows desktop notifications ("Lab results for Amos
// Kline", "Order placed by ..."). On Linux they go to the freedesktop
// Notifications service on the session bus; elsewhere Notify says it is
// unsupported. It logs nothing: the caller decides what a failure is worth.
package notify

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"
)

// Notification is one desktop notification.
type Notification struct {
	Title string // summary line
	Body  string // plain text; freedesktop servers may render a subset of markup, so escape & < >
}

// Notifier shows notifications.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// ErrUnsupported is what Notify returns where the platform has no
// notifier this package can reach.
var ErrUnsupported = errors.New("desktop notifications are not supported on this platform")

// The longest title and body sent, in runes: servers show a line or a few,
// and a runaway string (a whole lab report) must not make a huge message.
const (
	maxTitle = 200
	maxBody  = 1000
)

// markup escapes what freedesktop servers that render body markup would
// read as markup, so a patient's "<b>&" shows as typed.
var markup = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// clean makes s a valid D-Bus string: godbus refuses invalid UTF-8 and the
// bus drops a connection that sends a NUL inside a string.
func clean(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// truncate cuts s to at most max runes, ending a cut string with "…" so
// the reader sees there was more.
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
