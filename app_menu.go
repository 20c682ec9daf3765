package main

import (
	"github.com/wailsapp/wails/v2/pkg/menu"
	"github.com/wailsapp/wails/v2/pkg/menu/keys"
)

// Menu actions the window acts on (the "menu" event carries one).
const (
	menuAddAccount  = "add-account"
	menuSettings    = "settings"
	menuHistory     = "history"
	menuDiagnostics = "diagnostics"
	menuCheck       = "check-connection"
)

// menuEvent tells the window which menu item was chosen.
const menuEvent = "menu"

// appMenu is the window's menu, as each platform has it: on macOS the
// app menu (About, Hide, Quit with Cmd+Q) and Edit (so Cmd+C and Cmd+V
// reach the webview's fields); elsewhere File ends with Quit, Ctrl+Q.
// navigate shows one of the window's places; quit ends the app cleanly.
func appMenu(goos string, navigate func(action string), quit func()) *menu.Menu {
	m := menu.NewMenu()
	mac := goos == "darwin"
	if mac {
		m.Append(menu.AppMenu())
	}
	file := m.AddSubmenu("File")
	file.AddText("Add account…", keys.CmdOrCtrl("n"), func(*menu.CallbackData) { navigate(menuAddAccount) })
	file.AddText("Settings…", keys.CmdOrCtrl(","), func(*menu.CallbackData) { navigate(menuSettings) })
	if !mac {
		file.AddSeparator()
		file.AddText("Quit", keys.CmdOrCtrl("q"), func(*menu.CallbackData) { quit() })
	}
	if mac {
		m.Append(menu.EditMenu())
	}
	view := m.AddSubmenu("View")
	view.AddText("History", nil, func(*menu.CallbackData) { navigate(menuHistory) })
	view.AddText("Diagnostics", nil, func(*menu.CallbackData) { navigate(menuDiagnostics) })
	if mac {
		m.Append(menu.WindowMenu())
	}
	help := m.AddSubmenu("Help")
	help.AddText("Check connection", nil, func(*menu.CallbackData) { navigate(menuCheck) })
	return m
}
