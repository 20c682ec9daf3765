package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"
)

func runGrant(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("grant", flag.ContinueOnError)
	fs.SetOutput(io.Err)
	var sf serviceFlags
	sf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON: secret_token, expires_at, env, domain, public_key")
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
	g, err := svc.NewSessionGrant(ctx, a.ID)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(io.Out).Encode(map[string]any{
			"account_id": a.ID, "secret_token": g.SecretToken, "expires_at": g.ExpiresAt,
			"env": g.Env, "domain": g.Domain, "public_key": g.PublicKey,
		})
	}
	fmt.Fprintf(io.Err, "Session grant for %s: single use, expires %s.\n", a.Name(), when(g.ExpiresAt, time.Now()))
	fmt.Fprintln(io.Out, g.SecretToken)
	return nil
}
