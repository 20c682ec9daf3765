//go:build !linux

package notify

import "context"

// Desktop returns the platform's notifier: on Linux, freedesktop
// Notifications on the session bus (connected lazily on the first Notify,
// reconnecting after the bus goes away); elsewhere one whose Notify returns
// ErrUnsupported.
func Desktop(appName, desktopEntry string) Notifier { return unsupported{} }

// unsupported stands in where there is no notifier yet (Windows, macOS).
type unsupported struct{}

func (unsupported) Notify(context.Context, Notification) error { return ErrUnsupported }
