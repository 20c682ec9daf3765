package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"fullscript-companion/backend/browser"
	"fullscript-companion/backend/companion"
	"fullscript-companion/backend/fullscript"
)

func runLogin(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	fs.SetOutput(io.Err)
	var sf serviceFlags
	sf.register(fs)
	var (
		env       string
		ov        companion.ConnectionOverrides
		noBrowser bool
		timeout   time.Duration
	)
	fs.StringVar(&env, "env", companion.DefaultEnvironment, "Fullscript environment: local (the built-in sandbox), us-snd, ca-snd, us, ca or custom")
	fs.StringVar(&ov.SandboxURL, "sandbox-url", "", "the local sandbox's address (default $"+companion.EnvVarSandboxURL+", else the last one used, else "+companion.DefaultSandboxURL+")")
	fs.StringVar(&ov.ClientID, "client-id", "", "your app's client id (else $"+companion.EnvVarClientID+" or Settings)")
	fs.StringVar(&ov.PublicKey, "public-key", "", "your app's Embed public key (else $"+companion.EnvVarPublicKey+" or Settings)")
	fs.StringVar(&ov.RedirectURI, "redirect-uri", "", "the redirect URI registered for your app (else $"+companion.EnvVarRedirectURI+" or Settings)")
	fs.BoolVar(&noBrowser, "no-browser", false, "do not open a browser; open the printed address yourself")
	fs.DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the browser")
	fs.Usage = func() {
		fmt.Fprint(io.Err, "Usage: fullscript-companion login [flags]\n\nSigns in to Fullscript in your browser and stores the account.\nThe client secret is read from $"+companion.EnvVarClientSecret+" or Settings, never from a flag.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	positional, help, err := parseFlags(fs, args)
	if help || err != nil {
		return err
	}
	if len(positional) > 0 {
		return fmt.Errorf("%w: login takes no arguments, got %q", errUsage, positional)
	}
	if timeout <= 0 {
		return fmt.Errorf("%w: --timeout must be positive", errUsage)
	}
	if !validEnv(env) {
		return fmt.Errorf("%w: --env %q: use one of %v", errUsage, env, fullscript.EnvironmentNames())
	}
	svc, err := sf.open(ctx, io)
	if err != nil {
		return err
	}
	defer svc.Shutdown(ctx)
	sendPending(ctx, svc, io)

	req := companion.SignInRequest{
		Environment: env, Overrides: ov, Timeout: timeout,
		OnAuthURL: func(url string) {
			fmt.Fprintln(io.Err, "Sign in to Fullscript at this address (Ctrl-C cancels):")
			// On a line of its own, on stdout, for scripts and copy-paste.
			fmt.Fprintln(io.Out, url)
			if noBrowser {
				fmt.Fprintln(io.Err, "Waiting for the browser to come back...")
			} else {
				fmt.Fprintln(io.Err, "Opening your browser; waiting for it to come back...")
			}
		},
	}
	if !noBrowser {
		req.OpenBrowser = browser.Open
	}
	a, err := svc.SignIn(ctx, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "Signed in as %s (%s) at %s [%s].\n", a.UserName, a.UserType, a.ClinicName, a.Env)
	fmt.Fprintf(io.Out, "Account id: %s\n", a.ID)
	return nil
}

func validEnv(env string) bool {
	for _, n := range fullscript.EnvironmentNames() {
		if n == env {
			return true
		}
	}
	return false
}
