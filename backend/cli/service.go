package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"fullscript-companion/backend/companion"
)

// logLevelEnv sets the CLI's log level on stderr (default: warnings only,
// so output stays readable); the window uses the same variable.
const logLevelEnv = "FULLSCRIPT_COMPANION_LOG"

// serviceFlags are the flags every account command has.
type serviceFlags struct {
	dataDir string
}

func (f *serviceFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", "", "the app's data folder (default: $"+companion.DataDirEnv+", else your user config folder)")
}

// open starts the companion service over the data folder.
func (f *serviceFlags) open(ctx context.Context, io IO) (*companion.Service, error) {
	svc, err := f.service(io)
	if err != nil {
		return nil, err
	}
	if err := svc.Start(ctx); err != nil {
		return nil, err
	}
	return svc, nil
}

// service is the companion service not yet started: restore and reset
// work on a vault that cannot be opened.
func (f *serviceFlags) service(io IO) (*companion.Service, error) {
	level := slog.LevelWarn
	if v := os.Getenv(logLevelEnv); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			return nil, fmt.Errorf("%w: %s=%q: use debug, info, warn or error", errUsage, logLevelEnv, v)
		}
	}
	return companion.New(companion.Options{
		DataDir:    f.dataDir,
		Logger:     slog.New(slog.NewTextHandler(io.Err, &slog.HandlerOptions{Level: level})),
		KeyringOff: strings.EqualFold(os.Getenv(companion.KeyringEnv), "off"),
	}), nil
}

// sendPending delivers queued sign-outs before a command that goes online
// anyway; quick, and never the command's failure.
func sendPending(ctx context.Context, svc *companion.Service, io IO) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	sent, _, err := svc.SendPendingSignOuts(ctx)
	if err != nil {
		return
	}
	if sent > 0 {
		fmt.Fprintf(io.Err, "Sent %d pending sign-out(s) to Fullscript.\n", sent)
	}
}

// oneAccount reads the ACCOUNT argument of refresh, grant and signout.
func oneAccount(positional []string) (string, error) {
	switch len(positional) {
	case 1:
		return positional[0], nil
	case 0:
		return "", fmt.Errorf("%w: name the account: its id, label or clinic name (see `fullscript-companion accounts`)", errUsage)
	}
	return "", fmt.Errorf("%w: one account at a time, got %q (quote a name with spaces)", errUsage, positional)
}

// parseFlags parses flags before and after positional arguments (people
// type `grant ACCOUNT --json`), treating -h as success and other mistakes
// as usage. It returns the positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) (positional []string, help bool, err error) {
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, true, nil
			}
			return nil, false, fmt.Errorf("%w: %v", errUsage, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, false, nil
		}
		// "--" ends the flags: everything after it is positional.
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), false, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// when says a time the way a person reads it: 17:25 (in 1h59m).
func when(t time.Time, now time.Time) string {
	local := t.Local()
	layout := "15:04"
	if local.Format("2006-01-02") != now.Local().Format("2006-01-02") {
		layout = "2006-01-02 15:04"
	}
	d := t.Sub(now).Round(time.Second)
	rel := "in " + d.String()
	if d < 0 {
		rel = (-d).String() + " ago"
	}
	return local.Format(layout) + " (" + rel + ")"
}

// withAccount is the shape of refresh, grant and signout: parse the flags
// (flags registers a command's own), find ACCOUNT, send any pending
// sign-outs (the command goes online anyway), then run fn.
func withAccount(ctx context.Context, io IO, name string, args []string, flags func(*flag.FlagSet),
	fn func(svc *companion.Service, a companion.AccountInfo) error) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Err)
	var sf serviceFlags
	sf.register(fs)
	if flags != nil {
		flags(fs)
	}
	positional, help, err := parseFlags(fs, args)
	if help || err != nil {
		return err
	}
	ref, err := oneAccount(positional)
	if err != nil {
		return err
	}
	svc, err := sf.open(ctx, io)
	if err != nil {
		return err
	}
	defer svc.Shutdown(ctx)
	a, err := svc.FindAccount(ctx, ref)
	if err != nil {
		return err
	}
	sendPending(ctx, svc, io)
	return fn(svc, a)
}

// CheckOpenAccount resolves `open --account` before the window takes the
// launch (a running window, or a new one), so a name that matches no
// account, or several, is said here with grant's message and exit code
// instead of being dropped. It returns ExitOK when ref is empty or matches
// exactly one account, and when the vault cannot be opened: the window
// then shows why, with its way out.
func CheckOpenAccount(ctx context.Context, ref string, io IO) int {
	if ref == "" {
		return ExitOK
	}
	var sf serviceFlags
	svc, err := sf.open(ctx, io)
	if err != nil {
		return ExitOK // the window shows what is wrong with the vault, and its way out
	}
	defer svc.Shutdown(ctx)
	if _, err := svc.FindAccount(ctx, ref); exitCode(err) == ExitNoAccount {
		printError(io, "open", err)
		return ExitNoAccount
	}
	return ExitOK
}
