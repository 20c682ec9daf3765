package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"fullscript-companion/backend/companion"
)

// WriteManPage writes fullscript-companion(1) in roff, made from the same
// help every command prints, so the packaged man page cannot drift from
// the binary it documents.
func WriteManPage(w io.Writer, version string, date time.Time) error {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH FULLSCRIPT-COMPANION 1 %q %q \"User Commands\"\n", date.Format("2006-01-02"), "fullscript-companion "+version)
	b.WriteString(".SH NAME\nfullscript-companion \\- sign in to Fullscript clinics and open treatment plans, the catalog and labs\n")
	b.WriteString(".SH SYNOPSIS\n.B fullscript-companion\n.br\n.B fullscript-companion\n.I command\n[\\fIflags\\fR]\n.br\n")
	b.WriteString(".B fullscript-companion open\n[\\fB\\-\\-account\\fR \\fIA\\fR] [\\fB\\-\\-patient\\-id\\fR \\fIP\\fR | \\fB\\-\\-patient\\-email\\fR \\fIE\\fR] [\\fB\\-\\-feature\\fR \\fIF\\fR] [\\fB\\-\\-in\\fR \\fIwindow|browser\\fR]\n.br\n")
	b.WriteString(".B fullscript-companion\n" + roffText("'"+companion.LinkScheme+"://open?account=A&patient_id=P&feature=F'") + "\n")
	b.WriteString(".SH DESCRIPTION\nWith no command it opens the app's window. With a command it runs without a window and exits.\n" +
		"The window keeps each clinic's sign-in in a local vault, encrypted at rest, and opens Fullscript's screens in the window (Embed) or in the browser (Redirect links).\n" +
		"The default environment is a built-in Fullscript sandbox, which needs no Fullscript account.\n")

	b.WriteString(".SH COMMANDS\n")
	b.WriteString(".SS open\n")
	var open bytes.Buffer
	companion.OpenUsage(&open)
	writeUsage(&b, open.String())
	for _, c := range commands() {
		if c.name == "help" || c.name == "version" {
			continue
		}
		fmt.Fprintf(&b, ".SS %s\n%s.\n.PP\n", c.name, roffText(c.summary))
		var out bytes.Buffer
		// Every command prints its flags for --help and does nothing else.
		if err := c.run(context.Background(), IO{Out: &out, Err: &out}, []string{"--help"}); err != nil {
			return fmt.Errorf("man page: %s --help: %w", c.name, err)
		}
		writeUsage(&b, out.String())
	}
	b.WriteString(".SS help, version\nPrint the list of commands, or the version and platform. Also \\fB\\-\\-help\\fR and \\fB\\-\\-version\\fR.\n")

	b.WriteString(".SH LINKS\nThe desktop, an EHR or a script can open a patient with a link; the installed packages register the scheme:\n" +
		".PP\n.RS\n.nf\n" + roffText(companion.LinkScheme+"://open?account=Riverside%20Clinic") + "\n" + roffText("  &patient_email=amos%40example.com&feature=treatment-plan") + "\n.fi\n.RE\n.PP\n" +
		"It takes \\fBaccount\\fR (id, label or clinic name), \\fBpatient_id\\fR or \\fBpatient_email\\fR, and \\fBfeature\\fR (treatment-plan, catalog or labs), as \\fBopen\\fR does. " +
		"A link can only navigate: it never signs out, changes a setting or exports data, and where it opens follows the account's setting. A link that cannot be followed is explained in the window.\n")

	b.WriteString(".SH EXIT STATUS\n")
	for _, e := range []struct {
		code int
		what string
	}{
		{ExitOK, "success"},
		{ExitError, "any other failure; the message says what"},
		{ExitUsage, "a mistake in the command or a setting"},
		{ExitNeedsSignIn, "the account must sign in again (login)"},
		{ExitOffline, "Fullscript, or the local sandbox, cannot be reached"},
		{ExitNoAccount, "no account, or several, match the name given"},
	} {
		fmt.Fprintf(&b, ".TP\n.B %d\n%s\n", e.code, roffText(e.what))
	}

	b.WriteString(".SH ENVIRONMENT\n")
	for _, e := range []struct{ name, what string }{
		{companion.DataDirEnv, "the data folder (default: your user config folder, e.g. ~/.config/fullscript-companion)"},
		{companion.KeyringEnv, "off: keep the data key in a file in the data folder instead of the OS keyring"},
		{companion.EnvVarClientID, "the OAuth client id registered at Fullscript"},
		{companion.EnvVarClientSecret, "its secret (never a flag)"},
		{companion.EnvVarRedirectURI, "the loopback redirect URI registered at Fullscript"},
		{"FULLSCRIPT_COMPANION_LOG", "the log level: debug, info, warn or error"},
	} {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", e.name, roffText(e.what))
	}
	b.WriteString(".SH FILES\n.TP\n.I ~/.config/fullscript-companion/\nThe vault (companion.db), its key's record (vault.json) and settings. Installing, upgrading or removing the package never touches it.\n")
	b.WriteString(".SH SEE ALSO\n/usr/share/doc/fullscript-companion/\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeUsage turns a flag package usage text into roff: prose as
// paragraphs, each flag as a tagged paragraph.
func writeUsage(b *strings.Builder, usage string) {
	lines := strings.Split(strings.TrimRight(usage, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "Usage of "), line == "Flags:":
		case strings.HasPrefix(line, "  -"):
			name, arg, _ := strings.Cut(strings.TrimPrefix(line, "  -"), " ")
			fmt.Fprintf(b, ".TP\n\\fB\\-\\-%s\\fR", roffText(name))
			if arg != "" {
				fmt.Fprintf(b, " \\fI%s\\fR", roffText(arg))
			}
			b.WriteString("\n")
			var desc []string
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "    \t") {
				i++
				desc = append(desc, strings.TrimPrefix(lines[i], "    \t"))
			}
			b.WriteString(roffText(strings.Join(desc, " ")) + "\n")
		case strings.TrimSpace(line) == "":
			b.WriteString(".PP\n")
		default:
			b.WriteString(roffText(strings.TrimSpace(line)) + "\n")
		}
	}
}

// roffText escapes text for a roff line: backslashes and hyphens, and a
// leading dot or quote that roff would read as a request.
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
