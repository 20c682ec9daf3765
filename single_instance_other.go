//go:build !linux

package main

// handOverToRunningWindow: on Windows and macOS, Wails' single-instance
// lock hands over and exits with status 0 by itself.
func handOverToRunningWindow(string, []string) (bool, error) { return false, nil }
