package sandbox

import (
	"context"
	"net/http"
	"strconv"
	"strings"
)

// caller is who a bearer token speaks for.
type caller struct {
	ClinicID string
	UserID   string
	UserType string
	ClientID string
	Scope    string // space-separated, as issued
}

type callerKey struct{}

// bearer checks the access token. A rotated pair still works (until its
// successor is used); the first use of a refreshed token retires the pair
// it replaced.
func (s *Sandbox) bearer(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			unauthorized(w, "invalid_request", "Send the access token as Authorization: Bearer <token>")
			return
		}
		now := s.now()
		s.mu.Lock()
		pair := s.st.pairByAccess(tok)
		var problem string
		switch {
		case pair == nil:
			problem = "The access token is invalid"
		case pair.RevokedAt != nil:
			problem = "The access token was revoked"
		case !now.Before(pair.ExpiresAt):
			problem = "The access token expired"
		}
		var c caller
		if problem == "" {
			if pair.FirstUsedAt == nil {
				pair.FirstUsedAt = &now
				if prev := s.st.pairByID(pair.Previous); prev != nil {
					prev.revoke(now, "superseded")
				}
			}
			c = caller{ClinicID: pair.ClinicID, UserID: pair.UserID, UserType: pair.UserType, ClientID: pair.ClientID, Scope: pair.Scope}
		}
		s.mu.Unlock()
		if problem != "" {
			unauthorized(w, "invalid_token", problem)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	})
}

func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c
}

// unauthorized is RFC 6750's answer to a bad bearer token.
func unauthorized(w http.ResponseWriter, code, desc string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="fullscript-sandbox", error="`+code+`"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": code, "error_description": desc})
}

func (s *Sandbox) handleClinic(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	s.mu.Lock()
	clinic, _ := s.st.clinic(c.ClinicID)
	for _, p := range s.st.patients {
		if p.ClinicID == clinic.ID {
			clinic.PatientCount++
		}
	}
	for _, u := range s.st.users {
		if u.ClinicID == clinic.ID && u.Type == practitioner {
			clinic.PractitionerCount++
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"clinic": clinic})
}

// userJSON is a practitioner or staff member as the REST API shows them.
func userJSON(u User) map[string]any {
	m := map[string]any{"id": u.ID, "first_name": u.FirstName, "last_name": u.LastName, "email": u.Email, "metadata": Metadata{}}
	if u.Type == practitioner {
		m["invite_accepted"] = true
	}
	return m
}

func pluralKey(typ string) string {
	if typ == practitioner {
		return "practitioners"
	}
	return "staff"
}

func (s *Sandbox) handleListUsers(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pg, ok := parsePage(w, r)
		if !ok {
			return
		}
		c := callerOf(r)
		s.mu.Lock()
		var all []map[string]any
		for _, u := range s.st.users {
			if u.ClinicID == c.ClinicID && u.Type == typ {
				all = append(all, userJSON(u))
			}
		}
		s.mu.Unlock()
		items, meta := paginate(all, pg)
		writeJSON(w, http.StatusOK, map[string]any{pluralKey(typ): items, "meta": meta})
	}
}

func (s *Sandbox) handleGetUser(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := callerOf(r)
		s.mu.Lock()
		u, ok := s.st.user(r.PathValue("id"))
		s.mu.Unlock()
		if !ok || u.ClinicID != c.ClinicID || u.Type != typ {
			writeStatusError(w, http.StatusNotFound)
			return
		}
		key := "practitioner"
		if typ == staff {
			key = "staff"
		}
		writeJSON(w, http.StatusOK, map[string]any{key: userJSON(u)})
	}
}

// Pagination, as Fullscript's lists do it: page[number], page[size] (max 100).
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

type page struct{ number, size int }

func parsePage(w http.ResponseWriter, r *http.Request) (page, bool) {
	pg := page{number: 1, size: defaultPageSize}
	q := r.URL.Query()
	for _, f := range []struct {
		key string
		dst *int
	}{{"page[number]", &pg.number}, {"page[size]", &pg.size}} {
		v := q.Get(f.key)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{f.key + " must be a whole number of 1 or more, got " + strconv.Quote(v)}})
			return pg, false
		}
		*f.dst = n
	}
	pg.size = min(pg.size, maxPageSize)
	return pg, true
}

// Meta is the pagination block of every list.
type Meta struct {
	CurrentPage int  `json:"current_page"`
	NextPage    *int `json:"next_page"`
	PrevPage    *int `json:"prev_page"`
	TotalPages  int  `json:"total_pages"`
	TotalCount  int  `json:"total_count"`
}

func paginate[T any](all []T, pg page) ([]T, Meta) {
	total := len(all)
	pages := (total + pg.size - 1) / pg.size
	m := Meta{CurrentPage: pg.number, TotalPages: pages, TotalCount: total}
	if pg.number < pages {
		n := pg.number + 1
		m.NextPage = &n
	}
	if pg.number > 1 {
		p := min(pg.number-1, max(pages, 1))
		m.PrevPage = &p
	}
	start := min((pg.number-1)*pg.size, total)
	end := min(start+pg.size, total)
	items := append([]T{}, all[start:end]...)
	return items, m
}
