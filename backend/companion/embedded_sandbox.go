package companion

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"fullscript-companion/backend/fullscript"
	"fullscript-companion/backend/sandbox"
)

// SandboxStateFile keeps the embedded sandbox's state (its clinics, the
// tokens it issued) so accounts survive a restart of the app. It plays
// Fullscript's side, so the test tokens it issued are in it as Fullscript
// keeps them; they work against this local sandbox only. Its own folder
// keeps it apart from the app's sealed vault.
var SandboxStateFile = filepath.Join("sandbox", "state.json")

// embeddedSandbox is the local Fullscript the window runs for itself.
type embeddedSandbox struct {
	sb  *sandbox.Sandbox
	url string
}

// startSandboxLocked starts the embedded sandbox when the app should run
// one: asked to, and no other sandbox named by FULLSCRIPT_SANDBOX_URL. It
// takes the CLI's default address when free, so `fullscript-companion
// login` and friends reach it while the window runs; else any free port.
func (s *Service) startSandboxLocked() error {
	if !s.embedSandbox || s.sandbox != nil || s.platform.Getenv(EnvVarSandboxURL) != "" {
		return nil
	}
	statePath := filepath.Join(s.dataDir, SandboxStateFile)
	if err := os.MkdirAll(filepath.Dir(statePath), 0o700); err != nil {
		return &Problem{What: "The built-in Fullscript sandbox cannot start.", Fix: "Make sure your user account can write to " + s.dataDir + ".", Err: err}
	}
	sb, err := sandbox.New(sandbox.Config{
		StatePath:         statePath,
		AllowOrigins:      strings.Fields(s.platform.Getenv(SandboxAllowOriginsEnv)),
		ProductionOrigins: s.platform.Getenv(SandboxProductionOriginsEnv) == "1",
		Logger:            s.log.With("component", "sandbox"),
	})
	if err != nil {
		return &Problem{
			What: "The built-in Fullscript sandbox cannot start.",
			Fix:  "Move " + statePath + " away and try again (its test accounts are lost; your real ones are not).",
			Err:  fmt.Errorf("start the built-in sandbox: %w", err),
		}
	}
	url, err := sb.Start(sandboxDefaultAddr)
	if err != nil {
		url, err = sb.Start("127.0.0.1:0")
	}
	if err != nil {
		return &Problem{What: "The built-in Fullscript sandbox cannot start.", Fix: "Try again; if it keeps happening, the details help support.", Err: err}
	}
	s.sandbox = &embeddedSandbox{sb: sb, url: url}
	s.log.Info("built-in sandbox started", "url", url)
	return nil
}

const sandboxDefaultAddr = "127.0.0.1:8787"

// SandboxAllowOriginsEnv adds page origins (space-separated) the built-in
// sandbox lets frame its Embed pages, besides the window's own: a browser
// driving `wails dev` at http://localhost:34115, say.
const SandboxAllowOriginsEnv = "FSC_SANDBOX_ALLOW_ORIGINS"

// SandboxProductionOriginsEnv set to 1 makes the built-in sandbox frame its
// Embed pages as production Fullscript does, for https origins only: the
// window's own origin is refused, and Fullscript opens in the browser.
const SandboxProductionOriginsEnv = "FSC_SANDBOX_PRODUCTION_ORIGINS"

func (e *embeddedSandbox) stop(ctx context.Context, log *slog.Logger) {
	if err := e.sb.Close(ctx); err != nil {
		log.Warn("stop the built-in sandbox", "err", err)
	}
}

// sandboxInfo reads the settings the sandbox at url publishes. The app's
// own embedded sandbox is asked in-process (no round trip before every
// call); any other is fetched and checked each time, so a server that took
// its address since gets no token on the strength of an old answer.
func (s *Service) sandboxInfo(ctx context.Context, url string) (info fullscript.SandboxInfo, own bool, err error) {
	s.mu.Lock()
	mine := s.sandbox
	s.mu.Unlock()
	if mine != nil && mine.url == url {
		i := mine.sb.Info()
		return fullscript.SandboxInfo{
			ClientID: i.ClientID, ClientSecret: i.ClientSecret, PublicKey: i.PublicKey, RedirectURI: i.RedirectURI,
			AuthorizeURL: i.AuthorizeURL, TokenURL: i.TokenURL, RevokeURL: i.RevokeURL, APIBase: i.APIBase,
			EmbedDomain: i.EmbedDomain, EmbedEnv: i.EmbedEnv, AllowedOrigins: i.AllowedOrigins,
		}, true, nil
	}
	info, err = fullscript.FetchSandboxInfo(ctx, s.http, url)
	return info, false, err
}

// embeddedSandboxURL is the running embedded sandbox's address, or "".
func (s *Service) embeddedSandboxURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sandbox == nil {
		return ""
	}
	return s.sandbox.url
}
