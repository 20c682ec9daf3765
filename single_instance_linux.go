package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/wailsapp/wails/v2/pkg/options"
)

// handOverToRunningWindow gives args to a window already running for this
// data folder, through the same D-Bus name and message Wails' own
// single-instance lock listens on, and reports whether one took them. It
// runs before Wails does: Wails' own handover exits with status 1 even when
// it worked (and after GTK has started), so `open` and xdg-open would call
// a delivered link a failure. With no session bus, or no window, it does
// nothing and the window starts.
func handOverToRunningWindow(uniqueID string, args []string) (bool, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return false, nil // no bus: nobody to hand over to
	}
	defer conn.Close()
	// Wails' naming (internal/frontend/desktop/linux/single_instance.go).
	id := "wails_app_" + strings.NewReplacer("-", "_", ".", "_").Replace(uniqueID)
	name := "org." + id + ".SingleInstance"
	var owned bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned); err != nil || !owned {
		return false, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		wd = ""
	}
	msg, err := json.Marshal(options.SecondInstanceData{Args: args, WorkingDirectory: wd})
	if err != nil {
		return false, fmt.Errorf("hand over to the running window: %w", err)
	}
	if err := conn.Object(name, dbus.ObjectPath("/org/"+id+"/SingleInstance")).Call(name+".SendMessage", 0, string(msg)).Store(); err != nil {
		return false, fmt.Errorf("hand over to the running window: %w", err)
	}
	return true, nil
}
