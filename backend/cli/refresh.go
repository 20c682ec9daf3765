package cli

import (
	"context"
	"fmt"
	"time"

	"fullscript-companion/backend/companion"
)

func runRefresh(ctx context.Context, io IO, args []string) error {
	return withAccount(ctx, io, "refresh", args, nil, func(svc *companion.Service, a companion.AccountInfo) error {
		a, err := svc.Refresh(ctx, a.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(io.Out, "Refreshed %s: access token until %s.\n", a.Name(), when(*a.AccessExpiresAt, time.Now()))
		return nil
	})
}
