package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"
)

func runBackup(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(io.Err)
	var sf serviceFlags
	sf.register(fs)
	positional, help, err := parseFlags(fs, args)
	if help || err != nil {
		return err
	}
	if len(positional) > 0 {
		return fmt.Errorf("%w: backup takes no arguments, got %q", errUsage, positional)
	}
	svc, err := sf.open(ctx, io)
	if err != nil {
		return err
	}
	defer svc.Shutdown(ctx)
	b, err := svc.BackUp(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "Backed up %d account(s) to %s.\n", b.Accounts, b.Path)
	return nil
}

func runRestore(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(io.Err)
	var sf serviceFlags
	sf.register(fs)
	list := fs.Bool("list", false, "list the backups, newest first, and restore nothing")
	positional, help, err := parseFlags(fs, args)
	if help || err != nil {
		return err
	}
	if len(positional) > 1 {
		return fmt.Errorf("%w: restore one backup at a time, got %q", errUsage, positional)
	}
	svc, err := sf.service(io)
	if err != nil {
		return err
	}
	defer svc.Shutdown(ctx)
	if *list || len(positional) == 0 {
		backups, err := svc.Backups(ctx)
		if err != nil {
			return err
		}
		if len(backups) == 0 {
			fmt.Fprintln(io.Out, "No backups yet. The window takes one a day and after each sign-in and sign-out; `fullscript-companion backup` takes one now.")
			return nil
		}
		tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tTAKEN\tACCOUNTS\tSIZE")
		for _, b := range backups {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d KB\n", b.Name, b.TakenAt.Local().Format(time.DateTime), b.Accounts, (b.Size+1023)/1024)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if !*list {
			fmt.Fprintln(io.Out, "\nRestore one with: fullscript-companion restore NAME (or latest)")
		}
		return nil
	}
	res, err := svc.Restore(ctx, positional[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "Restored the backup from %s (%d account(s)).\n", res.Backup.TakenAt.Local().Format(time.DateTime), res.Backup.Accounts)
	if res.SetAside != "" {
		fmt.Fprintf(io.Out, "The file it replaced is kept at %s.\n", res.SetAside)
	}
	fmt.Fprintln(io.Out, "Accounts whose sign-in was refreshed since the backup may need to sign in again.")
	return nil
}

func runReset(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("reset", flag.ContinueOnError)
	fs.SetOutput(io.Err)
	var sf serviceFlags
	sf.register(fs)
	yes := fs.Bool("yes", false, "really set the saved sign-ins aside (every account must sign in again)")
	positional, help, err := parseFlags(fs, args)
	if help || err != nil {
		return err
	}
	if len(positional) > 0 {
		return fmt.Errorf("%w: reset takes no arguments, got %q", errUsage, positional)
	}
	if !*yes {
		return fmt.Errorf("%w: reset sets every saved sign-in aside, and each account must sign in again; "+
			"run it again with --yes to do it (a backup may be enough: fullscript-companion restore --list)", errUsage)
	}
	svc, err := sf.service(io)
	if err != nil {
		return err
	}
	defer svc.Shutdown(ctx)
	dest, err := svc.StartOver(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "Started over. The old files are kept in %s.\nSign in again: fullscript-companion login (or Add account in the window).\n", dest)
	return nil
}
