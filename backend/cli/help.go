package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
)

func runHelp(_ context.Context, io IO, args []string) error {
	if len(args) > 0 {
		cmd, ok := lookup(args[0])
		if !ok {
			return fmt.Errorf("%w: no command %q", errUsage, args[0])
		}
		fmt.Fprintf(io.Out, "fullscript-companion %s: %s\n", cmd.name, cmd.summary)
		return nil
	}
	fmt.Fprint(io.Out, `Fullscript Companion: sign in to Fullscript clinics and open treatment plans,
the catalog and labs from your desktop.

Usage:
  fullscript-companion             open the app's window
  fullscript-companion <command>   run a command without opening a window

Commands:
`)
	tw := tabwriter.NewWriter(io.Out, 0, 0, 3, ' ', 0)
	fmt.Fprintf(tw, "  %s\t%s\n", "open", "Open the window on an account, patient and screen:")
	fmt.Fprintf(tw, "  %s\t%s\n", "", "open --account A [--patient-id P | --patient-email E] [--feature treatment-plan|catalog|labs] [--in window|browser]")
	fmt.Fprintf(tw, "  %s\t%s\n", "", "(a running window takes it over)")
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write help: %w", err)
	}
	return nil
}
