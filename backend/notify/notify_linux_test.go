package notify

import (
	"fmt"
	"os"
	"os/user"
	"strings"
	"testing"
)

func TestDesktopUsesTheSessionBus(t *testing.T) {
	bus := startBus(t)
	srv := serve(t, bus.addr, &fakeServer{})
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.addr)
	d := Desktop("Fullscript Companion", "org.fullscriptcompanion.Companion")
	t.Cleanup(func() { _ = d.(*Freedesktop).Close() })
	if err := d.Notify(t.Context(), Notification{Title: "Lab results for Amos Kline"}); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if got := srv.next(t); got.summary != "Lab results for Amos Kline" || got.appName != "Fullscript Companion" {
		t.Errorf("got %q from %q", got.summary, got.appName)
	}
}

func TestDesktopWithoutASessionBus(t *testing.T) {
	// godbus falls back to /run/user/<uid>; with a bus there this would
	// reach the desktop's own notification service.
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(fmt.Sprintf("/run/user/%s/%s", u.Uid, name)); err == nil {
			t.Skipf("/run/user/%s/%s exists: a session bus would be found without DBUS_SESSION_BUS_ADDRESS", u.Uid, name)
		}
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	err = Desktop("app", "app").Notify(t.Context(), Notification{Title: "t"})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the session bus") {
		t.Fatalf("Notify with no session bus = %v, want cannot reach the session bus", err)
	}
}
