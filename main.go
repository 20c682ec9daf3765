// Fullscript Companion: a desktop app that signs practitioners and clinic
// staff into Fullscript and opens its treatment-plan, catalog and labs screens.
//
// With a subcommand (see --help) it runs headless and exits; otherwise it
// opens the window. Wails also runs this main during binding generation, so
// nothing before wails.Run may touch the disk or the network.
package main

import (
	"context"
	"crypto/sha256"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	goruntime "runtime"
	"strings"
	"syscall"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/logger"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/options/mac"

	"fullscript-companion/backend/cli"
	"fullscript-companion/backend/companion"
)

//go:embed all:frontend/dist
var assets embed.FS

//go:embed build/linux/icons/hicolor/256x256/apps/org.fullscriptcompanion.Companion.png
var appIcon []byte

// logLevelEnv sets the log level: debug, info (default), warn or error.
const logLevelEnv = "FULLSCRIPT_COMPANION_LOG"

const windowTitle = "Fullscript Companion"

func main() {
	// Everything the process writes, WebKit's own storage and cache included,
	// is for this user's eyes only. Process state, not disk: safe before Run.
	companion.KeepFilesPrivate()
	args := os.Args[1:]
	// `open` is the window's own command: it opens (or hands to the running
	// window, through Wails' single-instance lock) an account, a patient and
	// a Fullscript screen. A fullscript-companion:// link, as the desktop
	// hands it over, asks the same.
	var intent *companion.LaunchIntent
	if in, ok, err := companion.LaunchFromArgs(args); errors.Is(err, flag.ErrHelp) {
		companion.OpenUsage(os.Stdout)
		os.Exit(cli.ExitOK)
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "fullscript-companion open: %v\n", err)
		os.Exit(cli.ExitUsage)
	} else if ok {
		if in.Source == companion.LaunchFromCommand {
			if code := cli.CheckOpenAccount(context.Background(), in.Account, cli.IO{Out: os.Stdout, Err: os.Stderr}); code != cli.ExitOK {
				os.Exit(code)
			}
		}
		intent = &in
	} else if cli.Handles(args) {
		// Long-running commands (sandbox) stop cleanly on Ctrl-C or SIGTERM.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, args, cli.IO{Out: os.Stdout, Err: os.Stderr})
		stop()
		os.Exit(code)
	}
	log := newLogger(os.Stderr, os.Getenv(logLevelEnv))
	// A window already runs for this data folder: it takes the `open` or
	// the link, and this launch is done (status 0: the handover worked).
	if done, err := handOverToRunningWindow(singleInstanceID(os.Getenv(companion.DataDirEnv)), args); done {
		os.Exit(cli.ExitOK)
	} else if err != nil {
		log.Warn("the running window did not take this launch; opening another", "err", err)
	}
	app := NewApp(companion.New(companion.Options{
		Logger:          log,
		KeyringOff:      strings.EqualFold(os.Getenv(companion.KeyringEnv), "off"),
		EmbeddedSandbox: true,
		KeepBackups:     true,
	}))
	app.launch = intent
	if err := wails.Run(appOptions(app, log)); err != nil {
		log.Error("run window", "err", err)
		os.Exit(1)
	}
}

// appOptions describes the window. Building it has no side effects.
func appOptions(app *App, log *slog.Logger) *options.App {
	return &options.App{
		Title: windowTitle,
		// Room for Fullscript's Embed (it asks for 768 px wide) beside the
		// 248 px sidebar and the 2x24 px padding, while still fitting a
		// 1440x900 laptop screen.
		Width:     1200,
		Height:    820,
		MinWidth:  768 + 248 + 48,
		MinHeight: 640,
		AssetServer: &assetserver.Options{
			Assets: assets,
		},
		// The light theme's background, so the window does not flash dark
		// before the page paints.
		BackgroundColour: &options.RGBA{R: 246, G: 247, B: 249, A: 255},
		Menu:             appMenu(goruntime.GOOS, app.navigate, app.quit),
		OnStartup:        app.startup,
		// Wails itself turns SIGINT and SIGTERM into a clean shutdown, so
		// this runs on a signal too (the smoke test checks it).
		OnShutdown: app.shutdown,
		Bind:       []any{app},
		// A failed call reaches the frontend as {message, fix, detail}, so it
		// can say what happened and what to do, with the detail folded away.
		ErrorFormatter: func(err error) any { return companion.ViewOf(err) },
		// A second launch hands its `open` to this window and exits
		// (through D-Bus on Linux; with no session bus, both windows run).
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId:               singleInstanceID(os.Getenv(companion.DataDirEnv)),
			OnSecondInstanceLaunch: app.onSecondInstance,
		},
		// macOS hands a fullscript-companion:// link to the running app as an
		// event, not as arguments (Info.plist's CFBundleURLTypes registers it).
		Mac:    &mac.Options{OnUrlOpen: app.onURLOpen},
		Logger: wailsLogger{log: log.With("component", "wails")},
		// Filtering happens in our slog handler; Wails forwards everything it
		// would print, except Trace, which wailsLogger drops.
		LogLevel:           logger.DEBUG,
		LogLevelProduction: logger.DEBUG,
		Linux: &linux.Options{
			Icon:        appIcon,
			ProgramName: "fullscript-companion",
			// GPU compositing has blanked Wails windows on some Linux drivers
			// (wails#2977); Fullscript's screens are forms, software is plenty.
			WebviewGpuPolicy: linux.WebviewGpuPolicyNever,
		},
	}
}

// singleInstanceID is one per data folder, so two profiles (FSC_DATA_DIR)
// can run side by side.
func singleInstanceID(dataDir string) string {
	if dataDir == "" {
		return "fullscript-companion"
	}
	sum := sha256.Sum256([]byte(dataDir))
	return fmt.Sprintf("fullscript-companion-%x", sum[:4])
}

// onSecondInstance takes a second launch's arguments: an `open` or a link
// is delivered to the window, anything else just brings it forward.
func (a *App) onSecondInstance(data options.SecondInstanceData) {
	if in, ok, err := companion.LaunchFromArgs(data.Args); ok && err == nil {
		a.deliverLaunch(in)
		return
	}
	a.bringForward()
}

// onURLOpen takes a link macOS hands over.
func (a *App) onURLOpen(link string) {
	in, ok, _ := companion.LaunchFromArgs([]string{link})
	if !ok { // not a link of ours at all
		in = companion.LaunchIntent{Source: companion.LaunchFromLink, Problem: "This link cannot be opened: it is not a " + companion.LinkScheme + ":// address."}
	}
	a.deliverLaunch(in)
}

// newLogger writes text logs to w at the named level (info when empty or unknown).
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// wailsLogger sends Wails' own messages through slog. It drops Trace, because
// at that level Wails logs every bound call's result, and results will carry
// session grants, which must never reach a log.
type wailsLogger struct{ log *slog.Logger }

func (l wailsLogger) Print(m string)   { l.log.Info(m) }
func (l wailsLogger) Trace(string)     {}
func (l wailsLogger) Debug(m string)   { l.log.Debug(m) }
func (l wailsLogger) Info(m string)    { l.log.Info(m) }
func (l wailsLogger) Warning(m string) { l.log.Warn(m) }
func (l wailsLogger) Error(m string)   { l.log.Error(m) }
func (l wailsLogger) Fatal(m string) {
	l.log.Error(m)
	os.Exit(1)
}
