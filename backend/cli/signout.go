package cli

import (
	"context"
	"flag"
	"fmt"

	"fullscript-companion/backend/companion"
)

func runSignOut(ctx context.Context, io IO, args []string) error {
	var removeHistory bool
	flags := func(fs *flag.FlagSet) {
		fs.BoolVar(&removeHistory, "remove-history", false, "also delete what History keeps of the account (kept by default)")
	}
	return withAccount(ctx, io, "signout", args, flags, func(svc *companion.Service, a companion.AccountInfo) error {
		signOut := svc.SignOut
		if removeHistory {
			signOut = svc.SignOutAndForget
		}
		res, err := signOut(ctx, a.ID)
		if err != nil {
			return err
		}
		defer func() {
			if res.HistoryRemoved {
				fmt.Fprintln(io.Out, "Its history was removed from this computer.")
			} else {
				fmt.Fprintln(io.Out, "Its history stays in History (sign out with --remove-history to delete it).")
			}
		}()
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
