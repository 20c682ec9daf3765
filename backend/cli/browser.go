package cli

import (
	"fmt"
	"os/exec"
	"runtime"
)

// openBrowser asks the desktop to open url in the default browser. The
// URL goes as one argument to a fixed program: no shell is involved.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open a browser: %w", err)
	}
	go func() { _ = cmd.Wait() }() // reap it; xdg-open returns at once
	return nil
}
