package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Revoke asks Fullscript to revoke token (send the access token: whether a
// refresh token is accepted is unconfirmed). x/oauth2 has no revocation,
// so this is a plain POST in Fullscript's documented shape:
// JSON {client_id, client_secret, token}, any 2xx (Fullscript: 200 {}) is done.
// A refusal is a *TokenError; a network failure is wrapped as is.
func Revoke(ctx context.Context, cfg Config, token string) error {
	log := cfg.logger(nil)
	if err := cfg.checkCredentials(); err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	if err := checkEndpoint("revoke URL", cfg.RevokeURL); err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	if token == "" {
		return errors.New("revoke: the token is empty")
	}
	body, err := json.Marshal(map[string]string{
		"client_id":     cfg.ClientID,
		"client_secret": cfg.ClientSecret,
		"token":         token,
	})
	if err != nil {
		return fmt.Errorf("revoke: encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.RevokeURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("revoke: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	log.Debug("revoking token", "revoke_url", cfg.RevokeURL)
	resp, err := cfg.httpClient().Do(req)
	if err != nil {
		// *url.Error names the method and URL only; the token is in the body.
		log.Warn("token revocation failed", "revoke_url", cfg.RevokeURL, "err", err)
		return fmt.Errorf("revoke: %w", err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10)) // a short read only loses the description
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		// Fullscript answers {} (reference 2.5). A 2xx with anything but a
		// JSON object, or nothing, is someone else's page (a captive portal,
		// a proxy's login) and revoked nothing: the caller keeps it queued.
		var obj map[string]any
		if body := bytes.TrimSpace(reply); len(body) > 0 && json.Unmarshal(body, &obj) != nil {
			log.Warn("token revocation: the reply is not Fullscript's", "revoke_url", cfg.RevokeURL, "status", resp.StatusCode, "content_type", resp.Header.Get("Content-Type"))
			return fmt.Errorf("revoke: %w: HTTP %d with a %q body instead of Fullscript's {}", ErrUnexpectedReply, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		log.Info("token revoked", "status", resp.StatusCode)
		return nil
	}
	var fields map[string]any
	_ = json.Unmarshal(reply, &fields) // not JSON: the status says enough
	code, _ := fields["error"].(string)
	desc, _ := fields["error_description"].(string)
	terr := newTokenError(resp.StatusCode, resp.Header, code, desc)
	log.Warn("token revocation refused", "revoke_url", cfg.RevokeURL, "err", terr)
	return fmt.Errorf("revoke: %w", terr)
}
