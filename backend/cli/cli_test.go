package cli

import (
	"bytes"
	"context"
	"flag"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestHandles(t *testing.T) {
	tests := []struct {
		args []string
		want bool
	}{
		{args: nil, want: false},
		{args: []string{"version"}, want: true},
		{args: []string{"help"}, want: true},
		{args: []string{"--help"}, want: true},
		{args: []string{"-h"}, want: true},
		{args: []string{"--version"}, want: true},
		{args: []string{"acounts"}, want: true}, // a typo gets an error, not a window
		{args: []string{"-assetdir", "/tmp/x"}, want: false},
		{args: []string{"-loglevel", "debug"}, want: false},
		{args: []string{"-psn_0_12345"}, want: false},
		{args: []string{"--data-dir", "/tmp/x", "accounts"}, want: true},
		{args: []string{"--data-dir=/tmp/x", "accounts"}, want: true},
		{args: []string{"--data-dir", "/tmp/x"}, want: true}, // an error that says where it goes
		{args: []string{"-loglevel", "debug", "-assetdir", "/tmp/x"}, want: false},
	}
	for _, tt := range tests {
		if got := Handles(tt.args); got != tt.want {
			t.Errorf("Handles(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}

func TestRun(t *testing.T) {
	wantVersion := "fullscript-companion "
	tests := []struct {
		name    string
		args    []string
		code    int
		out     []string
		errText []string
	}{
		{name: "no args shows help", args: nil, code: ExitOK, out: []string{"Commands:", "version"}},
		{name: "--help lists every command", args: []string{"--help"}, code: ExitOK, out: []string{"Usage:", "help ", "version ", "open the app's window"}},
		{name: "help for one command", args: []string{"help", "version"}, code: ExitOK, out: []string{"fullscript-companion version: Print"}},
		{name: "help for unknown command", args: []string{"help", "nope"}, code: ExitUsage, errText: []string{`no command "nope"`}},
		{name: "version", args: []string{"version"}, code: ExitOK, out: []string{wantVersion, runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}},
		{name: "--version", args: []string{"--version"}, code: ExitOK, out: []string{wantVersion}},
		{name: "version rejects arguments", args: []string{"version", "extra"}, code: ExitUsage, errText: []string{"takes no arguments"}},
		{name: "unknown command", args: []string{"acounts"}, code: ExitUsage, errText: []string{`unknown command "acounts"`, "--help"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Run(context.Background(), tt.args, IO{Out: &out, Err: &errOut})
			if code != tt.code {
				t.Errorf("exit code = %d, want %d (stderr: %s)", code, tt.code, errOut.String())
			}
			for _, want := range tt.out {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out.String())
				}
			}
			for _, want := range tt.errText {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
				}
			}
			if tt.code == ExitOK && errOut.Len() > 0 {
				t.Errorf("stderr not empty on success: %s", errOut.String())
			}
		})
	}
}

func TestPrintVersion(t *testing.T) {
	var out bytes.Buffer
	err := printVersion(IO{Out: &out}, VersionOptions{Version: "v1.2.3", GoVersion: "go1.26.8", Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "fullscript-companion v1.2.3 (go1.26.8, linux/amd64)\n"; got != want {
		t.Errorf("printVersion() = %q, want %q", got, want)
	}
}

func TestParseFlagsAnywhere(t *testing.T) {
	tests := []struct {
		args       []string
		positional []string
		json       bool
		dir        string
	}{
		{args: []string{"Riverside", "--json"}, positional: []string{"Riverside"}, json: true},
		{args: []string{"--json", "Riverside"}, positional: []string{"Riverside"}, json: true},
		{args: []string{"Riverside", "--data-dir", "/d", "--json"}, positional: []string{"Riverside"}, json: true, dir: "/d"},
		{args: []string{"a", "b"}, positional: []string{"a", "b"}},
		{args: []string{"--", "--json"}, positional: []string{"--json"}},
		{args: nil, positional: nil},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		var sf serviceFlags
		sf.register(fs)
		asJSON := fs.Bool("json", false, "")
		got, help, err := parseFlags(fs, tt.args)
		if err != nil || help || !slices.Equal(got, tt.positional) || *asJSON != tt.json || sf.dataDir != tt.dir {
			t.Errorf("%q: positional %q json %v dir %q (%v), want %q %v %q", tt.args, got, *asJSON, sf.dataDir, err, tt.positional, tt.json, tt.dir)
		}
	}
}
