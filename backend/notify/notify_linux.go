package notify

import "github.com/godbus/dbus/v5"

// Desktop returns the platform's notifier: on Linux, freedesktop
// Notifications on the session bus (connected lazily on the first Notify,
// reconnecting after the bus goes away); elsewhere one whose Notify returns
// ErrUnsupported.
func Desktop(appName, desktopEntry string) Notifier {
	return NewFreedesktop(sessionBus, appName, desktopEntry)
}

// sessionBus connects to a session bus that is already running, found the
// way godbus finds it (DBUS_SESSION_BUS_ADDRESS, then /run/user/<uid>).
// With none, it fails rather than let godbus autolaunch a dbus-daemon: no
// notification service would listen there, and it would outlive the app.
func sessionBus() (*dbus.Conn, error) {
	conn, err := dbus.SessionBusPrivateNoAutoStartup()
	if err != nil {
		return nil, err
	}
	if err := conn.Auth(nil); err != nil {
		_ = conn.Close()
		return nil, err
	}
	if err := conn.Hello(); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return conn, nil
}
