package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// cliMainEnv makes the test binary act as the real CLI (main.go's CLI
// branch), so tests run real processes: two at once, or one killed midway.
const cliMainEnv = "FSC_CLI_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(cliMainEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Run(ctx, os.Args[1:], IO{Out: os.Stdout, Err: os.Stderr})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
