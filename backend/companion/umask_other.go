//go:build !unix

package companion

// KeepFilesPrivate does nothing where there is no umask: Windows' per-user
// folders are private to their owner already.
func KeepFilesPrivate() {}
