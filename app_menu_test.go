package main

import (
	"testing"

	"github.com/wailsapp/wails/v2/pkg/menu"
	"github.com/wailsapp/wails/v2/pkg/menu/keys"
)

// item finds a menu item by its submenu's label and its own.
func item(m *menu.Menu, sub, label string) *menu.MenuItem {
	for _, top := range m.Items {
		if top.Label != sub || top.SubMenu == nil {
			continue
		}
		for _, it := range top.SubMenu.Items {
			if it.Label == label {
				return it
			}
		}
	}
	return nil
}

func TestAppMenu(t *testing.T) {
	for _, goos := range []string{"linux", "windows", "darwin"} {
		t.Run(goos, func(t *testing.T) {
			var went []string
			quits := 0
			m := appMenu(goos, func(a string) { went = append(went, a) }, func() { quits++ })

			quit := item(m, "File", "Quit")
			if goos == "darwin" {
				// macOS' own app menu has Quit with Cmd+Q, and Edit brings Cmd+C/V to the webview.
				if quit != nil || m.Items[0].Role != menu.AppMenuRole || !hasRole(m, menu.EditMenuRole) {
					t.Errorf("macOS menu: %+v", m.Items)
				}
			} else {
				if quit == nil || quit.Accelerator == nil || keys.Stringify(quit.Accelerator, goos) != keys.Stringify(keys.CmdOrCtrl("q"), goos) {
					t.Fatalf("File > Quit with Ctrl+Q: %+v", quit)
				}
				quit.Click(nil)
				if quits != 1 {
					t.Errorf("Quit ran quit %d times", quits)
				}
			}
			for _, c := range []struct{ sub, label, action string }{
				{"File", "Add account…", menuAddAccount},
				{"File", "Settings…", menuSettings},
				{"View", "History", menuHistory},
				{"View", "Diagnostics", menuDiagnostics},
				{"Help", "Check connection", menuCheck},
			} {
				it := item(m, c.sub, c.label)
				if it == nil {
					t.Fatalf("no %s > %s", c.sub, c.label)
				}
				went = nil
				it.Click(nil)
				if len(went) != 1 || went[0] != c.action {
					t.Errorf("%s > %s sent %v, want %s", c.sub, c.label, went, c.action)
				}
			}
		})
	}
}

func hasRole(m *menu.Menu, r menu.Role) bool {
	for _, it := range m.Items {
		if it.Role == r {
			return true
		}
	}
	return false
}
