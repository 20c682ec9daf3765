package sandbox

import (
	"net/http"
)

// handleCreateGrant mints a single-use session grant for the token's user:
// 120 seconds, unclaimed. A role-based app sends no body (or {}).
func (s *Sandbox) handleCreateGrant(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	now := s.now()
	g := &sessionGrant{
		ID: newUUID(), SecretToken: randomURLToken(36),
		ClinicID: c.ClinicID, UserID: c.UserID, UserType: c.UserType, ClientID: c.ClientID,
		CreatedAt: now, ExpiresAt: now.Add(GrantTTL),
	}
	s.mu.Lock()
	s.st.prune(now)
	s.st.addGrant(g)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"id":           g.ID,
		"secret_token": g.SecretToken,
		"claimed_at":   nil,
		"expires_at":   g.ExpiresAt.Format(fullscriptTime),
		"user":         map[string]string{"id": g.UserID, "type": g.UserType},
	})
}
