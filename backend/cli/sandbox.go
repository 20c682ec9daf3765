package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"fullscript-companion/backend/sandbox"
)

// SandboxOptions is everything `sandbox` needs.
type SandboxOptions struct {
	Addr   string
	Config sandbox.Config
	// Ready is called with the base URL once listening (tests use it).
	Ready func(baseURL string)
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(*l) }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func runSandbox(ctx context.Context, io IO, args []string) error {
	opts, err := parseSandboxFlags(io, args)
	if err != nil || opts == nil {
		return err
	}
	opts.Config.Logger = slog.New(slog.NewTextHandler(io.Err, nil)).With("component", "sandbox")
	return serveSandbox(ctx, io, *opts)
}

// parseSandboxFlags reads `sandbox`'s flags; nil options and no error mean
// --help was shown.
func parseSandboxFlags(io IO, args []string) (*SandboxOptions, error) {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(io.Err)
	opts := SandboxOptions{}
	var origins stringList
	fs.StringVar(&opts.Addr, "addr", sandbox.DefaultAddr, "where to listen: a loopback IP and a port (port 0 picks a free one)")
	fs.BoolVar(&opts.Config.AutoApprove, "auto-approve", false, "skip the consent page: sign in as the login_hint user, else the first practitioner")
	fs.DurationVar(&opts.Config.AccessTTL, "access-ttl", sandbox.DefaultAccessTTL, "access token lifetime")
	fs.Var(&origins, "allow-origin", "a page origin allowed to frame the Embed pages, besides wails://wails and wails://wails.localhost:34115 (repeatable)")
	fs.BoolVar(&opts.Config.StrictRedirect, "strict-redirect", false, "loopback redirect URIs must match the registered port too")
	fs.BoolVar(&opts.Config.ProductionOrigins, "production-origins", false, "frame the Embed pages for https origins only, as production Fullscript does (the app's window is refused and must use Redirect links)")
	fs.StringVar(&opts.Config.Scopes, "scopes", sandbox.GrantedScopes, "the scopes new sign-ins get (space-separated); leave out clinic:write to see the app explain a missing scope")
	fs.StringVar(&opts.Config.StatePath, "state", "", "keep the sandbox's state in this file across runs (the window's built-in sandbox uses <data folder>/sandbox/state.json)")
	fs.Usage = func() {
		fmt.Fprint(io.Err, "Usage: fullscript-companion sandbox [flags]\n\nRuns the local Fullscript sandbox until interrupted and prints its base URL.\nIts settings and seeded users are at <base URL>/_sandbox/info. Its state is\nin memory unless --state names a file.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: sandbox takes no arguments, got %q", errUsage, fs.Args())
	}
	if opts.Config.AccessTTL <= 0 {
		return nil, fmt.Errorf("%w: --access-ttl must be positive, got %s", errUsage, opts.Config.AccessTTL)
	}
	opts.Config.AllowOrigins = origins
	return &opts, nil
}

// serveSandbox runs until ctx ends (Ctrl-C).
func serveSandbox(ctx context.Context, io IO, opts SandboxOptions) error {
	sb, err := sandbox.New(opts.Config)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	base, err := sb.Start(opts.Addr)
	if err != nil {
		return fmt.Errorf("start sandbox: %w", err)
	}
	// The one line on stdout, for scripts: the base URL.
	fmt.Fprintln(io.Out, base)
	fmt.Fprintf(io.Err, "Fullscript sandbox ready: settings at %s/_sandbox/info. Ctrl-C stops it.\n", base)
	if opts.Ready != nil {
		opts.Ready(base)
	}
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return sb.Close(shutdownCtx)
}
