package cli

import (
	"context"
	"fmt"

	"fullscript-companion/backend/companion"
)

func runSignOut(ctx context.Context, io IO, args []string) error {
	return withAccount(ctx, io, "signout", args, nil, func(svc *companion.Service, a companion.AccountInfo) error {
		res, err := svc.SignOut(ctx, a.ID)
		if err != nil {
			return err
		}
		switch {
		case res.Unreadable:
			fmt.Fprintf(io.Out, "Removed %s. Its saved sign-in could not be read, so nothing could be sent to Fullscript to revoke it: "+
				"it ends there by itself, or remove the app's access in Fullscript.\n", a.Name())
		case res.Revoked:
			fmt.Fprintf(io.Out, "Signed out %s. Fullscript revoked the sign-in.\n", a.Name())
		case res.Queued:
			fmt.Fprintf(io.Out, "Signed out %s on this computer. Fullscript could not be reached; the sign-in will be revoked there when it can be.\n", a.Name())
		default:
			fmt.Fprintf(io.Out, "Removed %s (its sign-in had already ended).\n", a.Name())
		}
		return nil
	})
}
