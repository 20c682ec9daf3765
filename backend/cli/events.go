package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"fullscript-companion/backend/companion"
)

// runEvents is `events [ACCOUNT] [--since DATE] [--json]`: check
// Fullscript's events now (every clinic, or ACCOUNT's), then print History
// from DATE on. Offline, it prints what is kept and exits 4.
func runEvents(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	fs.SetOutput(io.Err)
	var sf serviceFlags
	sf.register(fs)
	since := fs.String("since", "", "show entries from this day on: YYYY-MM-DD (default: the last 7 days)")
	asJSON := fs.Bool("json", false, "print JSON (for scripts)")
	positional, help, err := parseFlags(fs, args)
	if help || err != nil {
		return err
	}
	if len(positional) > 1 {
		return fmt.Errorf("%w: one account at a time, got %q (quote a name with spaces)", errUsage, positional)
	}
	from := time.Now().AddDate(0, 0, -7)
	if *since != "" {
		d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(*since), time.Local)
		if err != nil {
			return fmt.Errorf("%w: --since %q: write the day as YYYY-MM-DD, e.g. --since %s", errUsage, *since, time.Now().AddDate(0, 0, -7).Format("2006-01-02"))
		}
		from = d
	}
	svc, err := sf.open(ctx, io)
	if err != nil {
		return err
	}
	defer svc.Shutdown(ctx)
	var acct companion.AccountInfo
	if len(positional) == 1 {
		if acct, err = svc.FindAccount(ctx, positional[0]); err != nil {
			return err
		}
	}
	res, err := svc.PollEvents(ctx, acct.ID)
	if err != nil {
		return err
	}
	offline := false
	for _, p := range res.Problems {
		offline = offline || p.Offline
		fmt.Fprintf(io.Err, "%s: %s\n", p.ClinicName, p.Problem)
	}
	q := companion.HistoryQuery{}
	if acct.ID != "" {
		q.Clinic = acct.Env + "|" + acct.ClinicID
	}
	page, err := svc.HistoryRecord(ctx, q)
	if err != nil {
		return err
	}
	items := []companion.HistoryItem{}
	for _, it := range page.Items {
		if !it.At.Before(from) {
			items = append(items, it)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(io.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"checked": res, "unread": page.Unread, "items": items}); err != nil {
			return err
		}
	} else {
		printHistory(io, res, items, from)
	}
	if offline {
		return fmt.Errorf("%w: Fullscript could not be reached; the list above is what this computer kept", companion.ErrOffline)
	}
	return nil
}

func printHistory(io IO, res companion.PollResult, items []companion.HistoryItem, from time.Time) {
	fmt.Fprintf(io.Err, "Checked %d clinic(s): %d new event(s).", res.Clinics, res.New)
	if res.KeptOut > 0 {
		fmt.Fprintf(io.Err, " %d could not be read and were left out (see the log).", res.KeptOut)
	}
	fmt.Fprintln(io.Err)
	if len(items) == 0 {
		fmt.Fprintf(io.Out, "Nothing since %s.\n", from.Format("2006-01-02"))
		return
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tWHAT\tPATIENT\tCLINIC\tDETAILS")
	for _, it := range items {
		what := it.Title
		if it.Unread {
			what = "* " + what
		}
		details := it.Summary
		if it.PersonName != "" {
			details = strings.TrimSpace(it.PersonName + "  " + details)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", it.At.Local().Format("2006-01-02 15:04"), what, dash(it.PatientName), it.ClinicName, details)
	}
	_ = tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
