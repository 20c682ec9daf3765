//go:build unix

package companion

import "syscall"

// KeepFilesPrivate makes every file and folder this process creates from now
// on readable by its owner only (umask 077). It covers what the app does not
// create itself: WebKit makes its storage and cache folders (which hold
// Fullscript's pages) before the app's startup hook runs, with the default
// umask, and its helper processes inherit the mask.
func KeepFilesPrivate() {
	syscall.Umask(0o077)
}
