//go:build linux

package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
)

func TestFreedesktopNotifyDelivers(t *testing.T) {
	bus := startBus(t)
	srv := serve(t, bus.addr, &fakeServer{})
	f := notifierOn(t, bus.addr)
	long := strings.Repeat("é", 300)
	tests := []struct {
		name        string
		in          Notification
		title, body string
	}{
		{"as given", Notification{Title: "Lab results for Amos Kline", Body: "CBC panel is ready."}, "Lab results for Amos Kline", "CBC panel is ready."},
		{"body markup escaped", Notification{Title: "Order placed by A & B", Body: "<b>&"}, "Order placed by A & B", "&lt;b&gt;&amp;"},
		{"long title truncated", Notification{Title: long}, strings.Repeat("é", maxTitle-1) + "…", ""},
		{"long body truncated before escaping", Notification{Title: "t", Body: strings.Repeat("&", 2*maxBody)}, "t", strings.Repeat("&amp;", maxBody-1) + "…"},
		{"invalid UTF-8 and NUL cleaned", Notification{Title: "a\x00b\xff", Body: "c\x00d"}, "ab\uFFFD", "cd"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := f.Notify(t.Context(), tc.in); err != nil {
				t.Fatalf("Notify: %v", err)
			}
			got := srv.next(t)
			if got.summary != tc.title || got.body != tc.body {
				t.Errorf("summary, body = %q, %q; want %q, %q", got.summary, got.body, tc.title, tc.body)
			}
			if utf8.RuneCountInString(got.summary) > maxTitle {
				t.Errorf("summary has %d runes, more than %d", utf8.RuneCountInString(got.summary), maxTitle)
			}
			if got.appName != "Fullscript Companion" || got.appIcon != "org.fullscriptcompanion.Companion" ||
				got.replacesID != 0 || len(got.actions) != 0 || got.timeout != -1 {
				t.Errorf("app %q, icon %q, replaces %d, actions %q, timeout %d; want the app's name and icon, 0, none, -1",
					got.appName, got.appIcon, got.replacesID, got.actions, got.timeout)
			}
			if v, ok := got.hints["desktop-entry"].Value().(string); !ok || v != "org.fullscriptcompanion.Companion" {
				t.Errorf("desktop-entry hint = %v, want the desktop entry as a string", got.hints["desktop-entry"])
			}
			if v, ok := got.hints["urgency"].Value().(byte); !ok || v != 1 {
				t.Errorf("urgency hint = %v, want byte 1", got.hints["urgency"])
			}
		})
	}
}

func TestFreedesktopNotifyErrors(t *testing.T) {
	old := callTimeout
	callTimeout = 300 * time.Millisecond // for "server hangs"
	t.Cleanup(func() { callTimeout = old })
	tests := []struct {
		name    string
		server  *fakeServer                // nil: nobody owns the name
		connect func() (*dbus.Conn, error) // nil: connect to the test's bus
		want    string
	}{
		{name: "no notification service", want: "no notification service on the session bus"},
		{
			name:    "no session bus",
			connect: func() (*dbus.Conn, error) { return nil, errors.New("dial: no such file") },
			want:    "cannot reach the session bus: dial: no such file",
		},
		{
			name:   "server refuses",
			server: &fakeServer{fail: dbus.NewError("org.example.Error.Full", []any{"too many notifications"})},
			want:   "the notification service answered org.example.Error.Full: too many notifications",
		},
		{
			name:   "server hangs",
			server: &fakeServer{hold: make(chan struct{})},
			want:   "did not answer within 300ms",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bus := startBus(t)
			if tc.server != nil {
				serve(t, bus.addr, tc.server)
				if tc.server.hold != nil {
					t.Cleanup(func() { close(tc.server.hold) })
				}
			}
			f := notifierOn(t, bus.addr)
			if tc.connect != nil {
				f = NewFreedesktop(tc.connect, "app", "app")
			}
			err := f.Notify(t.Context(), Notification{Title: "t", Body: "b"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Notify = %v, want an error saying %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "show a desktop notification: ") {
				t.Errorf("Notify = %v, want it to say what failed first", err)
			}
		})
	}
}

func TestFreedesktopNotifyWrapsTheServiceError(t *testing.T) {
	bus := startBus(t)
	serve(t, bus.addr, &fakeServer{fail: dbus.NewError("org.example.Error.Full", []any{"too many"})})
	err := notifierOn(t, bus.addr).Notify(t.Context(), Notification{Title: "t"})
	var de dbus.Error
	if !errors.As(err, &de) || de.Name != "org.example.Error.Full" {
		t.Fatalf("Notify = %v, want it to wrap the D-Bus error org.example.Error.Full", err)
	}
}

func TestFreedesktopReconnectsAfterTheBusGoesAway(t *testing.T) {
	first := startBus(t)
	srv := serve(t, first.addr, &fakeServer{})
	var addr atomic.Value
	addr.Store(first.addr)
	var dials atomic.Int32
	f := NewFreedesktop(func() (*dbus.Conn, error) {
		dials.Add(1)
		return dbus.Connect(addr.Load().(string))
	}, "app", "app")
	t.Cleanup(func() { _ = f.Close() })

	if err := f.Notify(t.Context(), Notification{Title: "before"}); err != nil {
		t.Fatalf("Notify on the first bus: %v", err)
	}
	srv.next(t)

	first.stop()
	err := f.Notify(t.Context(), Notification{Title: "while down"})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the session bus") {
		t.Fatalf("Notify with the bus gone = %v, want cannot reach the session bus", err)
	}

	second := startBus(t)
	srv = serve(t, second.addr, &fakeServer{})
	addr.Store(second.addr)
	if err := f.Notify(t.Context(), Notification{Title: "after"}); err != nil {
		t.Fatalf("Notify on the new bus: %v", err)
	}
	if got := srv.next(t); got.summary != "after" {
		t.Errorf("the new bus's server got %q, want %q", got.summary, "after")
	}
	if n := dials.Load(); n < 2 {
		t.Errorf("connected %d times, want a new connection for the new bus", n)
	}
}

func TestFreedesktopRetriesWhenTheBusHangsUpMidCall(t *testing.T) {
	bus := startBus(t)
	srv := serve(t, bus.addr, &fakeServer{})
	proxy := startProxy(t, bus.addr)
	var dials atomic.Int32
	f := NewFreedesktop(func() (*dbus.Conn, error) {
		if dials.Add(1) == 1 {
			return dbus.Connect(proxy.addr)
		}
		return dbus.Connect(bus.addr)
	}, "app", "app")
	t.Cleanup(func() { _ = f.Close() })

	if err := f.Notify(t.Context(), Notification{Title: "first"}); err != nil {
		t.Fatalf("Notify through the proxy: %v", err)
	}
	srv.next(t)
	proxy.armed.Store(true)
	if err := f.Notify(t.Context(), Notification{Title: "second"}); err != nil {
		t.Fatalf("Notify with the connection hung up mid-call = %v, want it retried on a fresh one", err)
	}
	if got := srv.next(t); got.summary != "second" {
		t.Errorf("server got %q, want %q", got.summary, "second")
	}
	if d := dials.Load(); d != 2 {
		t.Errorf("connected %d times, want 2", d)
	}
}

func TestFreedesktopConcurrentNotify(t *testing.T) {
	bus := startBus(t)
	srv := serve(t, bus.addr, &fakeServer{})
	var dials atomic.Int32
	f := NewFreedesktop(func() (*dbus.Conn, error) {
		dials.Add(1)
		return dbus.Connect(bus.addr)
	}, "app", "app")
	t.Cleanup(func() { _ = f.Close() })

	const n = 10
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs <- f.Notify(t.Context(), Notification{Title: fmt.Sprint("n", i)}) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Notify: %v", err)
		}
	}
	seen := map[string]bool{}
	for range n {
		seen[srv.next(t).summary] = true
	}
	for i := range n {
		if !seen[fmt.Sprint("n", i)] {
			t.Errorf("notification n%d did not arrive (got %v)", i, seen)
		}
	}
	if d := dials.Load(); d != 1 {
		t.Errorf("connected %d times for concurrent first calls, want 1 shared connection", d)
	}
}

func TestFreedesktopNotifyHonoursCtx(t *testing.T) {
	tests := []struct {
		name   string
		server *fakeServer
		after  time.Duration // when the ctx is cancelled
	}{
		{"cancelled before", &fakeServer{}, 0},
		{"cancelled while the server is slow", &fakeServer{hold: make(chan struct{})}, 50 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bus := startBus(t)
			serve(t, bus.addr, tc.server)
			if tc.server.hold != nil {
				t.Cleanup(func() { close(tc.server.hold) })
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tc.after == 0 {
				cancel()
			} else {
				time.AfterFunc(tc.after, cancel)
			}
			err := notifierOn(t, bus.addr).Notify(ctx, Notification{Title: "t"})
			if !errors.Is(err, context.Canceled) || err.Error() != "show a desktop notification: context canceled" {
				t.Fatalf("Notify with a cancelled ctx = %v, want it to say only that it was cancelled", err)
			}
		})
	}
}
