package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// The freedesktop Notifications service (Desktop Notifications
// Specification 1.2).
const (
	serviceName = "org.freedesktop.Notifications"
	servicePath = dbus.ObjectPath("/org/freedesktop/Notifications")
	notifyCall  = serviceName + ".Notify"
)

// callTimeout bounds one Notify, connecting included: a wedged bus or
// notification server must not hold the caller up. A variable so tests can
// shorten it.
var callTimeout = 3 * time.Second

// Freedesktop shows notifications through the freedesktop Notifications
// service. It connects on the first Notify and again after the bus went
// away. It is safe for concurrent use.
type Freedesktop struct {
	connect      func() (*dbus.Conn, error)
	appName      string
	desktopEntry string

	mu   sync.Mutex
	conn *dbus.Conn // nil until the first Notify, and after the bus went away
	dial *dialing   // the connection attempt in flight, if any
}

var _ Notifier = (*Freedesktop)(nil)

// dialing is one connection attempt, shared by every Notify that needs a
// connection while it runs. It runs on its own so that each caller waits
// only as long as its own ctx allows.
type dialing struct {
	done chan struct{} // closed when conn and err are set
	conn *dbus.Conn
	err  error
}

// NewFreedesktop returns a notifier that reaches the notification service
// through connections from connect, which must return a connection that is
// authenticated and has said Hello (as dbus.Connect does). appName is the
// sending application's name; desktopEntry is its desktop file's name
// without ".desktop", sent as its icon and its desktop-entry hint.
func NewFreedesktop(connect func() (*dbus.Conn, error), appName, desktopEntry string) *Freedesktop {
	return &Freedesktop{connect: connect, appName: clean(appName), desktopEntry: clean(desktopEntry)}
}

// Notify shows n, bounded by ctx and by callTimeout. If the connection
// turns out to be dead (the bus restarted, the session went away), it
// drops it and tries once more on a fresh one.
func (f *Freedesktop) Notify(ctx context.Context, n Notification) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	args := f.args(n)
	var err error
	for range 2 {
		var conn *dbus.Conn
		if conn, err = f.session(ctx); err != nil {
			if parent.Err() != nil {
				return fmt.Errorf("show a desktop notification: %w", err) // the caller gave up
			}
			return fmt.Errorf("show a desktop notification: cannot reach the session bus: %w", err)
		}
		err = conn.Object(serviceName, servicePath).CallWithContext(ctx, notifyCall, 0, args...).Err
		if err == nil || !lostBus(ctx, err) {
			break
		}
		f.drop(conn)
	}
	return callError(parent, err)
}

// Close closes the connection, if there is one. A later Notify connects
// again.
func (f *Freedesktop) Close() error {
	f.mu.Lock()
	conn := f.conn
	f.conn = nil
	f.mu.Unlock()
	if conn == nil {
		return nil
	}
	return conn.Close()
}

// args are Notify's arguments, in the specification's order.
func (f *Freedesktop) args(n Notification) []any {
	return []any{
		f.appName,
		uint32(0), // replaces_id: always a new notification
		f.desktopEntry,
		truncate(clean(n.Title), maxTitle),
		markup.Replace(truncate(clean(n.Body), maxBody)),
		[]string{}, // actions: none, nothing listens for ActionInvoked
		map[string]dbus.Variant{
			"desktop-entry": dbus.MakeVariant(f.desktopEntry),
			"urgency":       dbus.MakeVariant(byte(1)), // normal
		},
		int32(-1), // expire_timeout: the server's default
	}
}

// session returns the live connection, connecting if there is none.
func (f *Freedesktop) session(ctx context.Context) (*dbus.Conn, error) {
	f.mu.Lock()
	if f.conn != nil && f.conn.Connected() {
		conn := f.conn
		f.mu.Unlock()
		return conn, nil
	}
	f.conn = nil
	d := f.dial
	if d == nil {
		d = &dialing{done: make(chan struct{})}
		f.dial = d
		go f.run(d)
	}
	f.mu.Unlock()
	select {
	case <-d.done:
		return d.conn, d.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run makes the connection attempt d and keeps what it got.
func (f *Freedesktop) run(d *dialing) {
	var conn *dbus.Conn
	var err error
	if f.connect == nil {
		err = errors.New("no way to connect was given")
	} else if conn, err = f.connect(); err == nil && conn == nil {
		err = errors.New("connect returned no connection")
	}
	f.mu.Lock()
	d.conn, d.err = conn, err
	f.dial = nil
	if err == nil {
		f.conn = conn
	}
	f.mu.Unlock()
	close(d.done)
}

// drop closes conn and forgets it, unless a newer connection replaced it.
func (f *Freedesktop) drop(conn *dbus.Conn) {
	f.mu.Lock()
	if f.conn == conn {
		f.conn = nil
	}
	f.mu.Unlock()
	_ = conn.Close()
}

// lostBus reports whether err says the connection failed, as opposed to the
// service answering with an error or the time running out.
func lostBus(ctx context.Context, err error) bool {
	_, answered := errorName(err)
	return !answered && ctx.Err() == nil
}

// callError words a failed Notify call for the person reading the log.
func callError(parent context.Context, err error) error {
	if err == nil {
		return nil
	}
	name, answered := errorName(err)
	switch {
	case name == "org.freedesktop.DBus.Error.ServiceUnknown", name == "org.freedesktop.DBus.Error.NameHasNoOwner":
		return fmt.Errorf("show a desktop notification: no notification service on the session bus (%w)", err)
	case strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn."):
		return fmt.Errorf("show a desktop notification: the notification service failed to start (%w)", err)
	case answered:
		return fmt.Errorf("show a desktop notification: the notification service answered %s: %w", name, err)
	case parent.Err() != nil:
		return fmt.Errorf("show a desktop notification: %w", err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("show a desktop notification: the notification service did not answer within %s: %w", callTimeout, err)
	}
	return fmt.Errorf("show a desktop notification: lost the session bus: %w", err)
}

// errorName is the name of the D-Bus error err carries, if the bus or the
// service answered with one.
func errorName(err error) (string, bool) {
	var v dbus.Error
	if errors.As(err, &v) {
		return v.Name, true
	}
	var p *dbus.Error
	if errors.As(err, &p) && p != nil {
		return p.Name, true
	}
	return "", false
}
