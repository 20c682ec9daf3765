package sandbox

import (
	"net/http"
	"time"
)

// Info is what /_sandbox/info publishes, so the app and scripts configure
// themselves from the running sandbox instead of hard-coding it twice.
type Info struct {
	ClientID       string   `json:"client_id"`
	ClientSecret   string   `json:"client_secret"`
	PublicKey      string   `json:"public_key"`
	RedirectURI    string   `json:"redirect_uri"`
	RedirectURIs   []string `json:"redirect_uris"`
	StrictRedirect bool     `json:"strict_redirect"`
	AuthorizeURL   string   `json:"authorize_url"`
	TokenURL       string   `json:"token_url"`
	RevokeURL      string   `json:"revoke_url"`
	APIBase        string   `json:"api_base"`
	EmbedDomain    string   `json:"embed_domain"`
	EmbedEnv       string   `json:"embed_env"`
	AllowedOrigins []string `json:"allowed_origins"`
	// ProductionOrigins: Embed frames https origins only, as production does.
	ProductionOrigins bool         `json:"production_origins"`
	Scopes            string       `json:"scopes"`
	AccessTTLSeconds  int          `json:"access_ttl_seconds"`
	AutoApprove       bool         `json:"auto_approve"`
	Clinics           []InfoClinic `json:"clinics"`
}

// InfoClinic lists a seeded clinic and who can sign in to it.
type InfoClinic struct {
	ID    string     `json:"id"`
	Name  string     `json:"name"`
	Users []InfoUser `json:"users"`
}

// InfoUser is a person who can sign in (login_hint takes id or email).
type InfoUser struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Info describes the running sandbox.
func (s *Sandbox) Info() Info {
	base := s.BaseURL()
	s.mu.Lock()
	defer s.mu.Unlock()
	info := Info{
		ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret, PublicKey: s.cfg.PublicKey,
		RedirectURI: s.cfg.RedirectURIs[0], RedirectURIs: s.cfg.RedirectURIs, StrictRedirect: s.cfg.StrictRedirect,
		AuthorizeURL: base + "/api/oauth/authorize", TokenURL: base + "/api/oauth/token", RevokeURL: base + "/api/oauth/revoke",
		APIBase: base + "/api", EmbedDomain: base,
		// fullscript-js insists on a known env even when domain is given.
		EmbedEnv:          "us-snd",
		AllowedOrigins:    s.origins,
		ProductionOrigins: s.cfg.ProductionOrigins,
		Scopes:            s.cfg.Scopes,
		AccessTTLSeconds:  int(s.cfg.AccessTTL / time.Second),
		AutoApprove:       s.cfg.AutoApprove,
	}
	for _, c := range s.st.clinics {
		ic := InfoClinic{ID: c.ID, Name: c.Name}
		for _, u := range s.st.users {
			if u.ClinicID == c.ID {
				ic.Users = append(ic.Users, InfoUser{ID: u.ID, Type: u.Type, Name: u.Name(), Email: u.Email})
			}
		}
		info.Clinics = append(info.Clinics, ic)
	}
	return info
}

func (s *Sandbox) handleInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Info())
}

// State is what /_sandbox/state shows tests: every code, token pair, grant,
// plan and Embed event, each list in the order it happened, with each
// pair's status as of now.
type State struct {
	Now    time.Time       `json:"now"`
	Codes  []authCode      `json:"codes"`
	Tokens []tokenPair     `json:"tokens"`
	Grants []sessionGrant  `json:"grants"`
	Plans  []treatmentPlan `json:"plans"`
	Events []embedEvent    `json:"events"`
	Links  []dynamicLink   `json:"links"`
	Faults []Fault         `json:"faults"`
}

// Snapshot copies the state.
func (s *Sandbox) Snapshot() State {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Now: now, Codes: []authCode{}, Tokens: []tokenPair{}, Grants: []sessionGrant{}, Plans: []treatmentPlan{}, Events: []embedEvent{}, Links: []dynamicLink{}}
	for _, c := range s.st.codeOrder {
		st.Codes = append(st.Codes, *c)
	}
	for _, p := range s.st.pairs {
		cp := *p
		cp.Status = p.status(now)
		st.Tokens = append(st.Tokens, cp)
	}
	for _, g := range s.st.grantOrder {
		st.Grants = append(st.Grants, *g)
	}
	for _, tp := range s.st.plans {
		st.Plans = append(st.Plans, *tp)
	}
	for _, e := range s.st.events {
		st.Events = append(st.Events, *e)
	}
	for _, l := range s.st.links {
		st.Links = append(st.Links, *l)
	}
	st.Faults = s.faults.list()
	return st
}

func (s *Sandbox) handleState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Snapshot())
}

func (s *Sandbox) handleListFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"faults": s.faults.list()})
}

func (s *Sandbox) handleAddFault(w http.ResponseWriter, r *http.Request) {
	f, err := decodeFault(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{err.Error()}})
		return
	}
	writeJSON(w, http.StatusCreated, s.faults.add(f))
}

// AddFault injects a fault from Go (tests in other packages).
func (s *Sandbox) AddFault(f Fault) (Fault, error) {
	if err := f.validate(); err != nil {
		return Fault{}, err
	}
	return s.faults.add(f), nil
}

func (s *Sandbox) handleClearFaults(w http.ResponseWriter, r *http.Request) {
	n := s.faults.clear(r.URL.Query().Get("id"))
	writeJSON(w, http.StatusOK, map[string]int{"cleared": n})
}
