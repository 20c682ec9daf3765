package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"fullscript-companion/backend/companion"
)

func runGrant(ctx context.Context, io IO, args []string) error {
	var asJSON bool
	flags := func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON: secret_token, expires_at, env, domain, public_key")
	}
	return withAccount(ctx, io, "grant", args, flags, func(svc *companion.Service, a companion.AccountInfo) error {
		g, err := svc.NewSessionGrant(ctx, a.ID)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(io.Out).Encode(map[string]any{
				"account_id": a.ID, "secret_token": g.SecretToken, "expires_at": g.ExpiresAt,
				"env": g.Env, "domain": g.Domain, "public_key": g.PublicKey,
			})
		}
		fmt.Fprintf(io.Err, "Session grant for %s: single use, expires %s.\n", a.Name(), when(g.ExpiresAt, time.Now()))
		fmt.Fprintln(io.Out, g.SecretToken)
		return nil
	})
}
