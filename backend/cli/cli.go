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

	"fullscript-companion/backend/companion"
)

// IO is where a command writes. Tests pass buffers.
type IO struct {
	Out io.Writer
	Err io.Writer
}

// Exit codes, so scripts can tell what went wrong without reading text.
const (
	ExitOK          = 0
	ExitError       = 1 // anything else; the message says what
	ExitUsage       = 2 // a mistake in the command or a setting
	ExitNeedsSignIn = 3 // the account must sign in again (login)
	ExitOffline     = 4 // Fullscript (or the local sandbox) cannot be reached
	ExitNoAccount   = 5 // no account, or several, match the name given
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
		{name: "login", summary: "Sign in to Fullscript in the browser and store the account", run: runLogin},
		{name: "accounts", summary: "List the stored accounts and their status (works offline)", run: runAccounts},
		{name: "refresh", summary: "Refresh an account's sign-in now", run: runRefresh},
		{name: "grant", summary: "Print a fresh single-use session grant for Fullscript.js", run: runGrant},
		{name: "link", summary: "Print (or --open) a Fullscript Redirect link: Fullscript's screen in the browser", run: runLink},
		{name: "events", summary: "Check Fullscript's events now and print History (orders, lab results, plans; --since DATE)", run: runEvents},
		{name: "signout", summary: "Sign an account out (revoked at Fullscript, or queued while offline)", run: runSignOut},
		{name: "backup", summary: "Take a backup of the saved sign-ins now (the window keeps one a day)", run: runBackup},
		{name: "restore", summary: "List the backups (--list), or put one back (NAME, or latest)", run: runRestore},
		{name: "reset", summary: "Start over: set the saved sign-ins and their key aside, and sign in again", run: runReset},
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
	if !strings.HasPrefix(first, "-") || helpFlags[first] || versionFlags[first] {
		return true
	}
	// A command's flag before the command (--data-dir D accounts): the
	// command is meant, and Run moves the flag after it; such a flag with
	// no command gets an error, not a window that ignores it.
	_, found := commandAfterFlags(args)
	return found || commandFlags[flagName(first)]
}

// commandFlags are flags of the commands that are no flag of the window's.
var commandFlags = map[string]bool{"data-dir": true, "json": true, "env": true}

func flagName(arg string) string {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return name
}

// commandAfterFlags finds the first known command name after leading flags.
func commandAfterFlags(args []string) (int, bool) {
	for i, a := range args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if _, ok := lookup(a); ok {
			return i, true
		}
	}
	return 0, false
}

// Run executes the command args name and returns the process exit code.
func Run(ctx context.Context, args []string, io IO) int {
	if len(args) == 0 {
		args = []string{"help"}
	}
	if strings.HasPrefix(args[0], "-") && !helpFlags[args[0]] && !versionFlags[args[0]] {
		i, ok := commandAfterFlags(args)
		if !ok {
			fmt.Fprintf(io.Err, "fullscript-companion: %s goes with a command, after it: e.g. fullscript-companion accounts %s\n"+
				"(the window takes its data folder from %s).\n", args[0], strings.Join(args, " "), companion.DataDirEnv)
			return ExitUsage
		}
		// fullscript-companion --data-dir D accounts == accounts --data-dir D
		args = append(append([]string{args[i]}, args[:i]...), args[i+1:]...)
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
		printError(io, cmd.name, err)
		return exitCode(err)
	}
	return ExitOK
}

// printError says what happened and what to do; the technical detail
// follows for support (it never holds a token or secret).
func printError(io IO, name string, err error) {
	var p *companion.Problem
	if !errors.As(err, &p) {
		fmt.Fprintf(io.Err, "fullscript-companion %s: %v\n", name, err)
		return
	}
	fmt.Fprintf(io.Err, "fullscript-companion %s: %s\n", name, p.What)
	if p.Fix != "" {
		fmt.Fprintf(io.Err, "  %s\n", p.Fix)
	}
	if p.Err != nil {
		fmt.Fprintf(io.Err, "  (details: %v)\n", p.Err)
	}
}

func exitCode(err error) int {
	switch {
	case errors.Is(err, errUsage), errors.Is(err, companion.ErrUsage):
		return ExitUsage
	case errors.Is(err, companion.ErrNeedsSignIn):
		return ExitNeedsSignIn
	case errors.Is(err, companion.ErrOffline):
		return ExitOffline
	case errors.Is(err, companion.ErrNoAccount), errors.Is(err, companion.ErrAmbiguousAccount):
		return ExitNoAccount
	}
	return ExitError
}
