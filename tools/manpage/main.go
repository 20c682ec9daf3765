// Command manpage writes fullscript-companion(1) to stdout, from the CLI's
// own help (make package puts it in the Linux packages).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"fullscript-companion/backend/cli"
)

func main() {
	version := flag.String("version", "dev", "the version the page names")
	date := flag.String("date", "", "the date the page names, YYYY-MM-DD (default: today; a release passes its commit's date so the page is reproducible)")
	flag.Parse()
	day := time.Now().UTC()
	if *date != "" {
		d, err := time.Parse("2006-01-02", *date)
		if err != nil {
			fmt.Fprintf(os.Stderr, "manpage: -date %q: use YYYY-MM-DD\n", *date)
			os.Exit(2)
		}
		day = d
	}
	if err := cli.WriteManPage(os.Stdout, *version, day); err != nil {
		fmt.Fprintf(os.Stderr, "manpage: %v\n", err)
		os.Exit(1)
	}
}
