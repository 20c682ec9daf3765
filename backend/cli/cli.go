// Package cli is the headless front door: subcommands that run without
// opening a window, over the same backend/companion use cases as the UI.
// One command per file, each with an options struct, so a test can run a
// command's logic with no terminal (the shape of GitHub CLI's pkg/cmd).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// IO is where a command writes. Tests pass buffers.
type IO struct {
	Out io.Writer
	Err io.Writer
}

// Exit codes, so scripts can tell a usage mistake from a failure.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, io IO, args []string) error
}

// errUsage marks a mistake in how the command was typed.
var errUsage = errors.New("usage")

func commands() []command {
	return []command{
		{name: "help", summary: "Show this help", run: runHelp},
		{name: "version", summary: "Print the app's version and platform", run: runVersion},
		{name: "sandbox", summary: "Run the local Fullscript sandbox (OAuth, REST, Embed) until interrupted", run: runSandbox},
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// helpFlags and versionFlags are the flag spellings people try first.
var (
	helpFlags    = map[string]bool{"-h": true, "-help": true, "--help": true}
	versionFlags = map[string]bool{"-v": true, "-version": true, "--version": true}
)

// Handles reports whether args are for the CLI rather than the window: any
// bare word (a command, or a mistyped one, which gets an error rather than a
// surprise window), or a help or version flag. Other flags belong to the
// window: Wails reads its own (-assetdir, -loglevel, ...) under `wails dev`.
func Handles(args []string) bool {
	if len(args) == 0 {
		return false
	}
	first := args[0]
	return !strings.HasPrefix(first, "-") || helpFlags[first] || versionFlags[first]
}

// Run executes the command args name and returns the process exit code.
func Run(ctx context.Context, args []string, io IO) int {
	if len(args) == 0 {
		args = []string{"help"}
	}
	name := args[0]
	switch {
	case helpFlags[name]:
		name = "help"
	case versionFlags[name]:
		name = "version"
	}
	cmd, ok := lookup(name)
	if !ok {
		fmt.Fprintf(io.Err, "fullscript-companion: unknown command %q\nRun 'fullscript-companion --help' for the list of commands.\n", name)
		return ExitUsage
	}
	if err := cmd.run(ctx, io, args[1:]); err != nil {
		fmt.Fprintf(io.Err, "fullscript-companion %s: %v\n", cmd.name, err)
		if errors.Is(err, errUsage) {
			return ExitUsage
		}
		return ExitError
	}
	return ExitOK
}
