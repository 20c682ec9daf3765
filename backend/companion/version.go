package companion

import "runtime/debug"

// version is set at build time: -ldflags "-X fullscript-companion/backend/companion.version=v1.2.3".
var version = ""

// Version is the app's version: the one stamped at build time, else the
// module's, else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
