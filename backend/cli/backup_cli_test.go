package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fullscript-companion/backend/companion"
	"fullscript-companion/backend/sandbox"
)

// backup, restore and reset, as real processes, on a vault whose database
// was lost.
func TestCLIBackupRestoreReset(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	f.login("")
	code, out, errOut := f.run("backup")
	if code != 0 || !strings.Contains(out, "Backed up 1 account(s)") {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = f.run("restore", "--list")
	if code != 0 || !strings.Contains(out, "NAME") || strings.Count(out, "companion-") != 1 {
		t.Fatalf("restore --list: exit %d\n%s", code, out)
	}

	if err := os.Remove(filepath.Join(f.dataDir, companion.DBFileName)); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = f.run("accounts")
	if code != ExitError || !strings.Contains(errOut, "Your saved sign-ins are missing") || !strings.Contains(errOut, "fullscript-companion restore") {
		t.Fatalf("accounts with the database gone: exit %d\n%s", code, errOut)
	}
	code, out, errOut = f.run("restore", "latest")
	if code != 0 || !strings.Contains(out, "Restored the backup") {
		t.Fatalf("restore latest: exit %d\n%s%s", code, out, errOut)
	}
	if r := f.accounts(); len(r.Accounts) != 1 || r.Accounts[0].Status != "valid" {
		t.Fatalf("after restore: %+v", r.Accounts)
	}
	if code, _, errOut := f.run("grant", "Riverside Wellness Clinic"); code != 0 {
		t.Fatalf("grant after restore: exit %d\n%s", code, errOut)
	}

	code, _, errOut = f.run("reset")
	if code != ExitUsage || !strings.Contains(errOut, "--yes") {
		t.Fatalf("reset without --yes: exit %d\n%s", code, errOut)
	}
	if r := f.accounts(); len(r.Accounts) != 1 {
		t.Fatalf("reset without --yes changed something: %+v", r.Accounts)
	}
	code, out, errOut = f.run("reset", "--yes")
	if code != 0 || !strings.Contains(out, "Started over") {
		t.Fatalf("reset --yes: exit %d\n%s%s", code, out, errOut)
	}
	if r := f.accounts(); len(r.Accounts) != 0 {
		t.Fatalf("after reset: %+v", r.Accounts)
	}
}

// A command's flag typed before the command is taken as the command's;
// alone, it is an error that says what to type, not a window.
func TestCLIFlagBeforeCommand(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	f.login("")
	cmd := exec.Command(os.Args[0], "--data-dir", f.dataDir, "accounts", "--json")
	cmd.Env = append(os.Environ(), cliMainEnv+"=1", companion.KeyringEnv+"=off")
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), `"clinic_name": "Riverside Wellness Clinic"`) {
		t.Fatalf("--data-dir D accounts --json: %v\n%s", err, out)
	}
	if !Handles([]string{"--data-dir", f.dataDir}) {
		t.Error("a lone --data-dir would open the window")
	}
	var stderr bytes.Buffer
	if code := Run(context.Background(), []string{"--data-dir", f.dataDir}, IO{Out: &stderr, Err: &stderr}); code != ExitUsage ||
		!strings.Contains(stderr.String(), "goes with a command") || !strings.Contains(stderr.String(), companion.DataDirEnv) {
		t.Errorf("a lone --data-dir: exit %d\n%s", code, stderr.String())
	}
}

// `open --account` with a name that matches nothing is refused before the
// window takes it, with grant's message and exit code 5.
func TestCheckOpenAccount(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	f.login("")
	t.Setenv(companion.DataDirEnv, f.dataDir)
	t.Setenv(companion.KeyringEnv, "off")
	ctx := context.Background()
	var out bytes.Buffer
	if code := CheckOpenAccount(ctx, "Riverside Wellness Clinic", IO{Out: &out, Err: &out}); code != ExitOK {
		t.Errorf("a known account: exit %d\n%s", code, out.String())
	}
	out.Reset()
	code := CheckOpenAccount(ctx, "Nowhere Clinic", IO{Out: &out, Err: &out})
	_, _, grantErr := f.run("grant", "Nowhere Clinic")
	_, grantMsg, _ := strings.Cut(grantErr, "fullscript-companion grant: ")
	grantMsg = firstLine(grantMsg)
	if code != ExitNoAccount || !strings.Contains(out.String(), "fullscript-companion open: "+grantMsg) {
		t.Errorf("an unknown account: exit %d\n%s\nwant grant's message %q", code, out.String(), grantMsg)
	}
	if code := CheckOpenAccount(ctx, "", IO{Out: &out, Err: &out}); code != ExitOK {
		t.Errorf("no account named: exit %d", code)
	}
}
