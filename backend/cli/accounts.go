package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"fullscript-companion/backend/companion"
)

func runAccounts(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("accounts", flag.ContinueOnError)
	fs.SetOutput(io.Err)
	var sf serviceFlags
	sf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON (for scripts)")
	positional, help, err := parseFlags(fs, args)
	if help || err != nil {
		return err
	}
	if len(positional) > 0 {
		return fmt.Errorf("%w: accounts takes no arguments, got %q", errUsage, positional)
	}
	svc, err := sf.open(ctx, io)
	if err != nil {
		return err
	}
	defer svc.Shutdown(ctx)
	r, err := svc.Accounts(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(io.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	printAccounts(io, r, time.Now())
	return nil
}

// printAccounts reads like `gh auth status`: one block per account, what
// is wrong and the command that fixes it.
func printAccounts(io IO, r companion.AccountsReport, now time.Time) {
	storage := "OS keyring"
	if r.KeyStorage != "os-keyring" {
		storage = "key file"
	}
	fmt.Fprintf(io.Out, "Data folder: %s\nKey storage: %s\n", r.DataDir, storage)
	if r.KeyStorageNote != "" {
		fmt.Fprintf(io.Out, "  ! %s\n", r.KeyStorageNote)
	}
	if len(r.Accounts) == 0 {
		fmt.Fprintln(io.Out, "\nNo accounts yet. Sign in with: fullscript-companion login")
	}
	clinic := ""
	for _, a := range r.Accounts {
		if a.ClinicName+a.Env != clinic {
			clinic = a.ClinicName + a.Env
			fmt.Fprintf(io.Out, "\n%s [%s]\n", a.ClinicName, a.Env)
		}
		mark := map[string]string{companion.StatusValid: "✓", companion.StatusExpiring: "✓", companion.StatusExpired: "✓", companion.StatusNeedsSignIn: "✗"}[a.Status]
		title := fmt.Sprintf("  %s %s (%s)", mark, a.UserName, a.UserType)
		if a.Label != "" {
			title += fmt.Sprintf(" %q", a.Label)
		}
		if a.Default {
			title += "  default"
		}
		fmt.Fprintln(io.Out, title)
		fmt.Fprintf(io.Out, "    id:        %s\n", a.ID)
		switch a.Status {
		case companion.StatusNeedsSignIn:
			fmt.Fprintf(io.Out, "    status:    needs sign-in. %s\n", a.StatusReason)
			fmt.Fprintf(io.Out, "    fix:       fullscript-companion login --env %s\n", a.Env)
		case companion.StatusExpired:
			fmt.Fprintf(io.Out, "    status:    expired %s; refreshed on next use\n", when(*a.AccessExpiresAt, now))
		default:
			fmt.Fprintf(io.Out, "    status:    %s, access token until %s\n", a.Status, when(*a.AccessExpiresAt, now))
		}
		if a.LastRefreshedAt != nil {
			fmt.Fprintf(io.Out, "    refreshed: %s\n", when(*a.LastRefreshedAt, now))
		}
	}
	if r.PendingSignOuts > 0 {
		fmt.Fprintf(io.Out, "\nPending sign-outs: %d, sent to Fullscript when it can be reached.\n", r.PendingSignOuts)
	}
}
