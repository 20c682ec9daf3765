package cli

import (
	"context"
	"flag"
	"fmt"
)

func runSignOut(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("signout", flag.ContinueOnError)
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
	res, err := svc.SignOut(ctx, a.ID)
	if err != nil {
		return err
	}
	switch {
	case res.Revoked:
		fmt.Fprintf(io.Out, "Signed out %s. Fullscript revoked the sign-in.\n", a.Name())
	case res.Queued:
		fmt.Fprintf(io.Out, "Signed out %s on this computer. Fullscript could not be reached; the sign-in will be revoked there when it can be.\n", a.Name())
	default:
		fmt.Fprintf(io.Out, "Removed %s (its sign-in had already ended).\n", a.Name())
	}
	return nil
}
