package cli

import (
	"context"
	"flag"
	"fmt"
	"time"
)

func runRefresh(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("refresh", flag.ContinueOnError)
	fs.SetOutput(io.Err)
	var sf serviceFlags
	sf.register(fs)
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
	a, err = svc.Refresh(ctx, a.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "Refreshed %s: access token until %s.\n", a.Name(), when(*a.AccessExpiresAt, time.Now()))
	return nil
}
