package sandbox

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Fullscript Redirect (reference 6.2): the app asks for a dynamic link with
// the person's own access token, and opens its redirect_url in the system
// browser. No iframe, so no Origin URI list and no session grant; the
// browser needs a Fullscript session of its own, which the sandbox asks
// for on a sign-in page of its own.

// LinkTTL is how long a redirect_url works in the sandbox ([UNCONFIRMED]
// at Fullscript, whose docs only say never to cache one). A short life
// makes an app that reuses an old link fail visibly.
const LinkTTL = 10 * time.Minute

// Scopes the dynamic-link routes need (reference 6.2).
const (
	scopeClinicWrite   = "clinic:write"
	scopePatientsWrite = "patients:write"
)

// Kinds of dynamic link.
const (
	linkDraft   = "draft"   // POST /clinic/dynamic_links/treatment_plans
	linkGateway = "gateway" // POST /clinic/dynamic_links/gateway/treatment_plans
)

// browserCookie holds the browser's sandbox session (who is signed in at
// "Fullscript" in the browser, apart from any app).
const browserCookie = "fs_sandbox_session"

// dynamicLink is one Redirect link the app asked for.
type dynamicLink struct {
	ID             string       `json:"id"`
	Token          string       `json:"token"` // in redirect_url's query
	Kind           string       `json:"kind"`
	ClinicID       string       `json:"clinic_id"`
	UserID         string       `json:"user_id"` // who asked: the browser must be signed in as them
	UserType       string       `json:"user_type"`
	ClientID       string       `json:"client_id"`
	PractitionerID string       `json:"practitioner_id"`
	Entrypoint     string       `json:"entrypoint"` // catalog or labs
	Patient        *linkPatient `json:"patient,omitempty"`
	CreatedAt      time.Time    `json:"created_at"`
	ExpiresAt      time.Time    `json:"expires_at"`
	PlanID         string       `json:"plan_id,omitempty"` // once a plan was activated from it
}

// linkPatient is the patient part of a dynamic-link request.
type linkPatient struct {
	ID           string   `json:"id,omitempty"`
	ExternalID   string   `json:"external_id,omitempty"`
	Email        string   `json:"email,omitempty"`
	FirstName    string   `json:"first_name,omitempty"`
	LastName     string   `json:"last_name,omitempty"`
	DateOfBirth  string   `json:"date_of_birth,omitempty"`
	Gender       string   `json:"gender,omitempty"`
	MobileNumber string   `json:"mobile_number,omitempty"`
	Discount     *float64 `json:"discount,omitempty"`
}

type linkRequest struct {
	TreatmentPlan *struct {
		PractitionerID string `json:"practitioner_id"`
		Entrypoint     string `json:"entrypoint"`
	} `json:"treatment_plan"`
	Patient          *linkPatient `json:"patient"`
	Entrypoint       string       `json:"entrypoint"`
	SendWelcomeEmail *bool        `json:"send_welcome_email"`
}

func (c caller) hasScope(scope string) bool {
	return slices.Contains(strings.Fields(c.Scope), scope)
}

// forbidden is the sandbox's 403 for a missing scope. Fullscript's error
// body is [UNCONFIRMED]; this one is an object under "error", one of the
// shapes the client must read.
func forbidden(w http.ResponseWriter, scope string) {
	writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]string{
		"code":    "insufficient_scope",
		"message": "The access token does not have the " + scope + " scope",
	}})
}

func (s *Sandbox) handleCreateLink(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := callerOf(r)
		var in linkRequest
		if err := decodeJSON(r, &in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{err.Error()}})
			return
		}
		if !c.hasScope(scopeClinicWrite) {
			forbidden(w, scopeClinicWrite)
			return
		}
		// A link that may create the patient needs patients:write too.
		if (kind == linkGateway || in.Patient != nil) && !c.hasScope(scopePatientsWrite) {
			forbidden(w, scopePatientsWrite)
			return
		}
		link, msgs := s.newLink(c, kind, in)
		if len(msgs) > 0 {
			writeValidation(w, msgs)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"dynamic_link": s.linkJSON(link)})
	}
}

// newLink validates a request as Fullscript would and stores the link.
func (s *Sandbox) newLink(c caller, kind string, in linkRequest) (dynamicLink, []string) {
	var msgs []string
	practitionerID := ""
	entry := in.Entrypoint
	if in.TreatmentPlan != nil {
		practitionerID = strings.TrimSpace(in.TreatmentPlan.PractitionerID)
		entry = cmp.Or(entry, in.TreatmentPlan.Entrypoint)
	}
	switch {
	case kind == linkDraft && entry != "":
		msgs = append(msgs, "Entrypoint is only for gateway links")
	case entry == "":
		entry = "catalog"
	case entry != "catalog" && entry != "labs":
		msgs = append(msgs, "Entrypoint must be catalog or labs")
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	prac, ok := s.st.user(practitionerID)
	switch {
	case practitionerID == "":
		msgs = append(msgs, "Practitioner can't be blank")
	case !ok || prac.ClinicID != c.ClinicID || prac.Type != practitioner:
		msgs = append(msgs, "Practitioner not found in this clinic")
	case c.UserType == practitioner && practitionerID != c.UserID:
		msgs = append(msgs, "A practitioner can only create links for themselves")
	}
	var p *linkPatient
	if in.Patient != nil {
		cp := *in.Patient
		cp.Email = strings.TrimSpace(cp.Email)
		p = &cp
		switch kind {
		case linkDraft:
			if cp.Email == "" {
				msgs = append(msgs, "Patient email can't be blank")
			}
		case linkGateway:
			if cp.ID != "" {
				if found, ok := s.st.patient(c.ClinicID, cp.ID); !ok || found.Archived {
					msgs = append(msgs, "Patient not found in this clinic")
				}
			} else if cp.Email == "" {
				msgs = append(msgs, "Patient needs an id or an email")
			}
		}
		if cp.Gender != "" && cp.Gender != "male" && cp.Gender != "female" && cp.Gender != "x" {
			msgs = append(msgs, "Patient gender must be male, female or x")
		}
	}
	if len(msgs) > 0 {
		return dynamicLink{}, msgs
	}
	link := &dynamicLink{
		ID: newUUID(), Token: randomURLToken(24), Kind: kind, ClinicID: c.ClinicID, UserID: c.UserID, UserType: c.UserType,
		ClientID: c.ClientID, PractitionerID: practitionerID, Entrypoint: entry, Patient: p,
		CreatedAt: now, ExpiresAt: now.Add(LinkTTL),
	}
	s.st.links = append(s.st.links, link)
	return *link, nil
}

func (s *Sandbox) linkURL(l dynamicLink) string {
	return s.BaseURL() + "/redirect/treatment_plan?link=" + url.QueryEscape(l.Token)
}

func (s *Sandbox) linkJSON(l dynamicLink) map[string]any {
	return map[string]any{
		"id": l.ID, "redirect_url": s.linkURL(l), "expires_at": l.ExpiresAt.Format(fullscriptTime),
		"practitioner_id": l.PractitionerID,
	}
}

// handleGetLink is GET /clinic/dynamic_links/treatment_plans/{id}.
func (s *Sandbox) handleGetLink(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	s.mu.Lock()
	var found *dynamicLink
	for _, l := range s.st.links {
		if l.ID == r.PathValue("id") && l.ClinicID == c.ClinicID {
			found = l
		}
	}
	var l dynamicLink
	if found != nil {
		l = *found
	}
	s.mu.Unlock()
	if found == nil {
		writeStatusError(w, http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"dynamic_link": s.linkJSON(l)})
}

// redirectCSP: a top-level page (never framed) whose script calls the sandbox.
const redirectCSP = pageCSP + "; connect-src 'self'"

// handleRedirectPage is where redirect_url leads, in the browser: the
// sandbox's sign-in when the browser has no session for the link's person,
// else the plan builder for the link's patient.
func (s *Sandbox) handleRedirectPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("link")
	now := s.now()
	s.mu.Lock()
	link := s.st.linkByToken(token)
	var l dynamicLink
	if link != nil {
		l = *link
	}
	signedIn := ""
	if ck, err := r.Cookie(browserCookie); err == nil {
		signedIn = s.st.browser[ck.Value]
	}
	s.mu.Unlock()
	w.Header().Set("Content-Security-Policy", redirectCSP)
	switch {
	case link == nil:
		s.renderPage(w, http.StatusNotFound, "problem.html", problemView{Title: "This Fullscript link is not valid", Detail: "Open Fullscript again from the app: each link is made when you click."})
		return
	case l.PlanID != "":
		s.renderPage(w, http.StatusOK, "problem.html", problemView{Title: "This treatment plan was activated", Detail: "It is in the patient's plans. Open Fullscript again from the app to write another."})
		return
	case !now.Before(l.ExpiresAt):
		s.renderPage(w, http.StatusGone, "problem.html", problemView{Title: "This Fullscript link expired", Detail: "Links last " + LinkTTL.String() + ". Open Fullscript again from the app for a new one."})
		return
	case signedIn != l.UserID:
		s.renderSignIn(w, l, signedIn)
		return
	}
	s.renderPage(w, http.StatusOK, "embed.html", embedPage{embedView: s.openRedirectSession(l), Redirect: true})
}

type signInView struct {
	Link        string
	Clinic      string
	Users       []consentUser
	OtherPerson string // the browser is signed in as someone else
}

func (s *Sandbox) renderSignIn(w http.ResponseWriter, l dynamicLink, signedIn string) {
	s.mu.Lock()
	clinic, _ := s.st.clinic(l.ClinicID)
	v := signInView{Link: l.Token, Clinic: clinic.Name}
	if u, ok := s.st.user(signedIn); ok {
		v.OtherPerson = u.Name()
	}
	for _, u := range s.st.users {
		if u.ClinicID == l.ClinicID {
			v.Users = append(v.Users, consentUser{ID: u.ID, Name: u.Name(), Type: u.Type, Email: u.Email, Checked: u.ID == l.UserID})
		}
	}
	s.mu.Unlock()
	s.renderPage(w, http.StatusOK, "redirect_signin.html", v)
}

// handleRedirectSignIn signs the browser in (the sandbox asks for no
// password: it is a stand-in for Fullscript's own sign-in).
func (s *Sandbox) handleRedirectSignIn(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{err.Error()}})
		return
	}
	token, userID := r.PostForm.Get("link"), r.PostForm.Get("user_id")
	s.mu.Lock()
	link := s.st.linkByToken(token)
	u, ok := s.st.user(userID)
	valid := link != nil && ok && u.ClinicID == link.ClinicID
	session := ""
	if valid {
		session = randomURLToken(24)
		s.st.browser[session] = u.ID
	}
	s.mu.Unlock()
	if !valid {
		s.renderPage(w, http.StatusUnprocessableEntity, "problem.html", problemView{Title: "That sign-in did not work", Detail: "Go back and choose a person of the link's clinic."})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: browserCookie, Value: session, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/redirect/treatment_plan?link="+url.QueryEscape(token), http.StatusSeeOther)
}

// openRedirectSession is openSession for a top-level page: the patient the
// link names (matched by id, by email, or to be created from its details),
// its practitioner fixed, nothing posted to a parent.
func (s *Sandbox) openRedirectSession(l dynamicLink) embedView {
	feature := featureTreatmentPlan
	if l.Kind == linkGateway {
		feature = featurePlatform
	}
	sess := &embedSession{
		Key: randomURLToken(24), Feature: feature, Entrypoint: l.Entrypoint, ClinicID: l.ClinicID, UserID: l.UserID,
		UserType: l.UserType, ClientID: l.ClientID, PractitionerID: l.PractitionerID, LinkID: l.ID,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	clinic, _ := s.st.clinic(l.ClinicID)
	user, _ := s.st.user(l.UserID)
	prac, _ := s.st.user(l.PractitionerID)
	v := embedView{Session: sess.Key, Feature: feature, Entrypoint: l.Entrypoint, Clinic: clinic.Name, User: user.Name(), UserType: user.Type,
		Prescriber: prac.Name()}
	if p := l.Patient; p != nil {
		var match *Patient
		for _, c := range s.st.patients {
			if c.ClinicID != l.ClinicID || c.Archived {
				continue
			}
			// A draft link finds its patient by email only (reference 6.2);
			// the gateway by id, else by email.
			byID := l.Kind == linkGateway && p.ID != "" && c.ID == p.ID
			byEmail := (l.Kind == linkDraft || p.ID == "") && p.Email != "" && strings.EqualFold(c.Email, p.Email)
			if byID || byEmail {
				match = c
				break
			}
		}
		if match != nil {
			sess.PatientID = match.ID
			v.Matched = patientChoiceOf(match)
		} else {
			v.NewPatient = &PatientInput{FirstName: p.FirstName, LastName: p.LastName, Email: p.Email,
				DateOfBirth: p.DateOfBirth, Gender: p.Gender, MobileNumber: p.MobileNumber}
		}
	}
	for _, p := range s.st.patients {
		if p.ClinicID == l.ClinicID && !p.Archived {
			v.Patients = append(v.Patients, patientChoiceOf(p))
		}
	}
	v.Catalog, v.Labs = s.st.catalog, s.st.labs
	s.st.sessions[sess.Key] = sess
	return v
}

func (st *state) linkByToken(token string) *dynamicLink {
	if token == "" {
		return nil
	}
	for _, l := range st.links {
		if l.Token == token {
			return l
		}
	}
	return nil
}
