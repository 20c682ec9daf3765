package cli

import (
	"context"
	"fmt"
	"runtime"

	"fullscript-companion/backend/companion"
)

// VersionOptions is everything `version` prints; tests fill it in.
type VersionOptions struct {
	Version   string
	GoVersion string
	Platform  string
}

func runVersion(_ context.Context, io IO, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: version takes no arguments", errUsage)
	}
	return printVersion(io, VersionOptions{
		Version:   companion.Version(),
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	})
}

func printVersion(io IO, opts VersionOptions) error {
	_, err := fmt.Fprintf(io.Out, "fullscript-companion %s (%s, %s)\n", opts.Version, opts.GoVersion, opts.Platform)
	return err
}
