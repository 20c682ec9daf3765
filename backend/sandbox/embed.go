package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Feature paths fullscript-js 3.2.0 loads (reference 5.3).
const (
	featureTreatmentPlan = "treatmentPlan"
	featurePlatform      = "platform"
)

// Event names fullscript-js lets a host subscribe to.
const (
	eventPatientSelected = "patient.selected"
	eventPlanActivated   = "treatmentPlan.activated"
)

func (s *Sandbox) originAllowed(origin string) bool {
	if s.cfg.ProductionOrigins && !strings.HasPrefix(origin, "https://") {
		return false
	}
	return origin != "" && slices.Contains(s.origins, origin)
}

// cors lets an allowed webview origin call tokenize. Other origins get no
// CORS headers, so the browser blocks the call and fullscript-js silently
// opens the Embed without the patient (what happens at Fullscript too).
func (s *Sandbox) cors(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Origin")
	if o := r.Header.Get("Origin"); s.originAllowed(o) {
		w.Header().Set("Access-Control-Allow-Origin", o)
	}
}

func (s *Sandbox) handleTokenizePreflight(w http.ResponseWriter, r *http.Request) {
	s.cors(w, r)
	w.Header().Set("Access-Control-Allow-Methods", "POST")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// handleTokenize stores the patient fullscript-js sends and answers with an
// opaque data token. The token holds '+', '/' and '=' on purpose: a client
// that forgets to percent-encode it loses the patient.
func (s *Sandbox) handleTokenize(w http.ResponseWriter, r *http.Request) {
	s.cors(w, r)
	var body struct {
		Data json.RawMessage `json:"data"`
	}
	if err := decodeJSON(r, &body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{err.Error()}})
		return
	}
	var fields map[string]any
	if err := json.Unmarshal(body.Data, &fields); err != nil || fields == nil {
		writeValidation(w, []string{`data must be an object of patient fields, e.g. {"data":{"first_name":"Amos"}}`})
		return
	}
	tok := newDataToken()
	s.mu.Lock()
	s.st.dataToks[tok] = body.Data
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"data_token": tok})
}

// newDataToken is opaque standard base64 that always holds '+', '/' and
// '=' padding, so every run catches a client that does not percent-encode it.
func newDataToken() string {
	for {
		if tok := randomStdToken(31); strings.Contains(tok, "+") && strings.Contains(tok, "/") {
			return tok
		}
	}
}

// tokenizedPatient is what a data token holds (fullscript-js snake_cases
// the keys of the patient it was given).
type tokenizedPatient struct {
	ID            string  `json:"id"`
	FirstName     string  `json:"first_name"`
	LastName      string  `json:"last_name"`
	Email         string  `json:"email"`
	DateOfBirth   string  `json:"date_of_birth"`
	Gender        string  `json:"gender"`
	BiologicalSex string  `json:"biological_sex"`
	MobileNumber  string  `json:"mobile_number"`
	Discount      float64 `json:"discount"`
}

// hasDetails: something to prefill a new patient with (an id alone is not).
func (t tokenizedPatient) hasDetails() bool {
	return t.FirstName != "" || t.LastName != "" || t.Email != ""
}

// embedQuery is what fullscript-js puts on the iframe URL.
type embedQuery struct {
	SecretToken, PublicKey, FrameID, TargetOrigin, DataToken, Entrypoint string
}

func (s *Sandbox) handleEmbedPage(feature string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		eq := embedQuery{
			SecretToken: q.Get("secret_token"), PublicKey: q.Get("public_key"), FrameID: q.Get("frame_id"),
			TargetOrigin: q.Get("target_origin"), DataToken: q.Get("data_token"), Entrypoint: q.Get("entrypoint"),
		}
		base := embedEvent{Feature: feature, FrameID: eq.FrameID, TargetOrigin: eq.TargetOrigin}

		// Refusals: Fullscript answers frame-ancestors 'none' and the
		// browser shows nothing; the host page gets no message at all.
		if !s.originAllowed(eq.TargetOrigin) {
			detail := fmt.Sprintf("The origin %q is not on this app's Embed allow-list (%s).", eq.TargetOrigin, strings.Join(s.origins, " "))
			if s.cfg.ProductionOrigins && !strings.HasPrefix(eq.TargetOrigin, "https://") {
				detail = fmt.Sprintf("Production Fullscript frames its screens for https origins only, and %q is not one. Open Fullscript in the browser instead (a Redirect link).", eq.TargetOrigin)
			}
			s.refuse(w, base, "origin_not_allowed", detail)
			return
		}
		if eq.PublicKey != s.cfg.PublicKey {
			s.refuse(w, base, "public_key", "The public key does not belong to this environment's app.")
			return
		}
		w.Header().Set("Content-Security-Policy", embedCSP(eq.TargetOrigin))
		if eq.FrameID == "" {
			s.serverError(w, base, "INVALID_REQUEST: frame_id is missing")
			return
		}
		grant, problem := s.claimGrant(eq.SecretToken)
		if problem != "" {
			s.serverError(w, base, "INVALID_SECRET_TOKEN: "+problem)
			return
		}
		sess, view := s.openSession(feature, eq, grant)
		s.renderEmbed(w, sess, view)
	}
}

// embedCSP frames the page only in the allowed origin.
func embedCSP(origin string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors " + origin
}

func (s *Sandbox) refuse(w http.ResponseWriter, ev embedEvent, reason, detail string) {
	ev.Outcome, ev.Reason = outcomeRefused, reason
	s.record(ev)
	w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
	s.renderPage(w, http.StatusForbidden, "problem.html", problemView{Title: "Refused to display in a frame", Detail: detail})
}

func (s *Sandbox) serverError(w http.ResponseWriter, ev embedEvent, msg string) {
	ev.Outcome, ev.Reason = outcomeInvalid, msg
	s.record(ev)
	s.renderPage(w, http.StatusOK, "embed_error.html", embedErrorView{
		Message: msg, TargetOrigin: ev.TargetOrigin,
	})
}

// claimGrant marks a grant used. Every check a real grant fails gets its
// own words, for the serverError message.
func (s *Sandbox) claimGrant(secret string) (sessionGrant, string) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.st.grants[secret]
	switch {
	case secret == "":
		return sessionGrant{}, "the secret token is missing"
	case !ok:
		return sessionGrant{}, "the secret token is not valid in this environment"
	case g.ClaimedAt != nil:
		return sessionGrant{}, "the secret token was already used (each one signs in once)"
	case !now.Before(g.ExpiresAt):
		return sessionGrant{}, "the secret token expired (they last 120 seconds)"
	}
	g.ClaimedAt = &now
	return *g, ""
}

func (s *Sandbox) record(ev embedEvent) {
	if ev.ID == "" {
		ev.ID = newUUID()
	}
	ev.CreatedAt = s.now()
	s.mu.Lock()
	s.st.events = append(s.st.events, &ev)
	s.mu.Unlock()
}

// openSession resolves the patient from the data token and remembers the
// page, so its buttons can act for the grant's user.
func (s *Sandbox) openSession(feature string, eq embedQuery, g sessionGrant) (*embedSession, embedView) {
	entry := "catalog"
	if feature == featurePlatform && eq.Entrypoint == "labs" {
		entry = "labs"
	}
	sess := &embedSession{
		Key: randomURLToken(24), Feature: feature, Entrypoint: entry, FrameID: eq.FrameID,
		TargetOrigin: eq.TargetOrigin, ClinicID: g.ClinicID, UserID: g.UserID, UserType: g.UserType, ClientID: g.ClientID,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var tp tokenizedPatient
	if raw, ok := s.st.dataToks[eq.DataToken]; ok {
		_ = json.Unmarshal(raw, &tp)
	}
	clinic, _ := s.st.clinic(g.ClinicID)
	user, _ := s.st.user(g.UserID)
	v := embedView{
		Session: sess.Key, Feature: feature, Entrypoint: entry, Clinic: clinic.Name, User: user.Name(), UserType: user.Type,
		TokenHadPatient: eq.DataToken != "" && eq.DataToken != "null",
	}
	if p, ok := s.st.patient(g.ClinicID, tp.ID); ok && tp.ID != "" && !p.Archived {
		// Matched by id: Fullscript skips the patient step and fires no
		// patient.selected (reference 5.8).
		sess.PatientID = p.ID
		v.Matched = patientChoice{ID: p.ID, Label: p.FirstName + " " + p.LastName, Detail: p.Email}
	} else if tp.ID != "" && !tp.hasDetails() {
		v.UnknownID = tp.ID
	} else if tp.hasDetails() {
		v.NewPatient = &PatientInput{FirstName: tp.FirstName, LastName: tp.LastName, Email: tp.Email,
			DateOfBirth: tp.DateOfBirth, Gender: sexOf(tp), MobileNumber: tp.MobileNumber, Discount: tp.Discount}
		for _, p := range s.st.patients {
			sameEmail := tp.Email != "" && strings.EqualFold(p.Email, tp.Email)
			sameName := tp.LastName != "" && strings.EqualFold(p.FirstName, tp.FirstName) && strings.EqualFold(p.LastName, tp.LastName)
			if p.ClinicID == g.ClinicID && (sameEmail || sameName) {
				v.Suggestions = append(v.Suggestions, patientChoiceOf(p))
			}
		}
	}
	for _, p := range s.st.patients {
		if p.ClinicID == g.ClinicID && !p.Archived {
			v.Patients = append(v.Patients, patientChoiceOf(p))
		}
	}
	if user.Type == staff {
		for _, u := range s.st.users {
			if u.ClinicID == g.ClinicID && u.Type == practitioner {
				v.Practitioners = append(v.Practitioners, patientChoice{ID: u.ID, Label: u.Name()})
			}
		}
	}
	v.Catalog, v.Labs = s.st.catalog, s.st.labs
	s.st.sessions[sess.Key] = sess
	return sess, v
}

func sexOf(tp tokenizedPatient) string {
	switch strings.ToLower(tp.BiologicalSex + tp.Gender) {
	case "male":
		return "male"
	case "female":
		return "female"
	}
	return ""
}

func patientChoiceOf(p *Patient) patientChoice {
	return patientChoice{ID: p.ID, Label: p.FirstName + " " + p.LastName, Detail: p.Email}
}

// handleEmbedAction runs a button of an open Embed page and returns the
// message the page posts to its parent.
func (s *Sandbox) handleEmbedAction(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Session        string        `json:"session"`
		PatientID      string        `json:"patient_id"`
		NewPatient     *PatientInput `json:"new_patient"`
		PractitionerID string        `json:"practitioner_id"`
		VariantIDs     []string      `json:"variant_ids"`
		LabIDs         []string      `json:"lab_ids"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{err.Error()}})
		return
	}
	s.mu.Lock()
	sess, ok := s.st.sessions[in.Session]
	var sc embedSession
	if ok {
		sc = *sess
	}
	s.mu.Unlock()
	if !ok || sc.Closed {
		writeJSON(w, http.StatusGone, map[string]any{"errors": []string{"This Fullscript session has ended. Close it and open it again from the app."}})
		return
	}
	switch r.PathValue("action") {
	case "select_patient":
		s.selectPatient(w, &sc, in.PatientID, in.NewPatient)
	case "activate":
		s.activatePlan(w, &sc, in.PractitionerID, in.VariantIDs, in.LabIDs)
	default:
		writeStatusError(w, http.StatusNotFound)
	}
}

// message is what an Embed page posts to window.parent.
type message struct {
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// envelope is the payload shape fullscript-js 3.2.0 types as EventListenerPayload.
func (s *Sandbox) post(w http.ResponseWriter, sc *embedSession, event string, data any) {
	id, now := newUUID(), s.now()
	payload, _ := json.Marshal(map[string]any{
		"id": id, "type": event, "data": data, "createdAt": now.Format(fullscriptTime),
		"clinicId": sc.ClinicID, "oauth": map[string]string{"clientId": sc.ClientID},
	})
	msg := message{Type: sc.FrameID + "." + event, Payload: payload}
	outcome := outcomePosted
	if sc.LinkID != "" {
		// A Redirect page is top-level: nothing to post to, only recorded.
		outcome, msg = outcomeRedirect, message{Type: event, Payload: payload}
	}
	s.record(embedEvent{ID: id, Type: event, Outcome: outcome, Feature: sc.Feature, FrameID: sc.FrameID,
		TargetOrigin: sc.TargetOrigin, ClinicID: sc.ClinicID, Payload: payload})
	writeJSON(w, http.StatusOK, map[string]any{"message": msg, "target_origin": sc.TargetOrigin})
}

func (s *Sandbox) selectPatient(w http.ResponseWriter, sc *embedSession, id string, np *PatientInput) {
	var p Patient
	switch {
	case id != "":
		s.mu.Lock()
		found, ok := s.st.patient(sc.ClinicID, id)
		if ok {
			p = *found
		}
		s.mu.Unlock()
		if !ok {
			writeValidation(w, []string{"That patient is not in this clinic."})
			return
		}
	case np != nil:
		var msgs []string
		if p, msgs = s.createPatient(sc.ClinicID, *np); len(msgs) > 0 {
			writeValidation(w, msgs)
			return
		}
	default:
		writeValidation(w, []string{"Choose a patient, or fill in the new patient's details."})
		return
	}
	s.mu.Lock()
	if sess, ok := s.st.sessions[sc.Key]; ok {
		sess.PatientID = p.ID
	}
	s.mu.Unlock()
	s.post(w, sc, eventPatientSelected, map[string]any{"patient": map[string]any{
		"id": p.ID, "firstName": p.FirstName, "lastName": p.LastName, "email": p.Email,
		"dateOfBirth": p.DateOfBirth, "mobileNumber": p.MobileNumber, "biologicalSex": p.Gender,
		"discount": p.Discount, "totalDiscount": p.TotalDiscount, "textMessageNotification": p.TextMessageNotification,
	}})
}

func (s *Sandbox) activatePlan(w http.ResponseWriter, sc *embedSession, practitionerID string, variants, labs []string) {
	if len(variants)+len(labs) == 0 {
		writeValidation(w, []string{"Add at least one product or lab before activating the plan."})
		return
	}
	now := s.now()
	s.mu.Lock()
	sess := s.st.sessions[sc.Key]
	patient, hasPatient := s.st.patient(sc.ClinicID, sess.PatientID)
	if !hasPatient {
		s.mu.Unlock()
		writeValidation(w, []string{"Select a patient before activating the plan."})
		return
	}
	prescriber := sc.UserID
	switch {
	case sc.PractitionerID != "":
		prescriber = sc.PractitionerID // fixed by the Redirect link
	case sc.UserType == staff:
		u, ok := s.st.user(practitionerID)
		if !ok || u.ClinicID != sc.ClinicID || u.Type != practitioner {
			s.mu.Unlock()
			writeValidation(w, []string{"Choose the practitioner this plan is from."})
			return
		}
		prescriber = u.ID
	}
	tp := &treatmentPlan{ID: newUUID(), ClinicID: sc.ClinicID, PatientID: patient.ID, PractitionerID: prescriber,
		State: "active", AvailableAt: now, CreatedAt: now, Recommendations: []recommendation{}, LabRecommendations: []labRec{},
		InvitationToken: randomURLToken(24)}
	for _, id := range variants {
		i := slices.IndexFunc(s.st.catalog, func(p Product) bool { return p.VariantID == id })
		if i < 0 {
			s.mu.Unlock()
			writeValidation(w, []string{"Unknown product " + id})
			return
		}
		prod := s.st.catalog[i]
		tp.Recommendations = append(tp.Recommendations, recommendation{VariantID: id, Refill: true, UnitsToPurchase: 1,
			Dosage: dosage{RecommendedAmount: "1", RecommendedFrequency: prod.Dosage, RecommendedDuration: "3 months", Format: prod.Format}})
	}
	for _, id := range labs {
		i := slices.IndexFunc(s.st.labs, func(l LabTest) bool { return l.ID == id })
		if i < 0 {
			s.mu.Unlock()
			writeValidation(w, []string{"Unknown lab " + id})
			return
		}
		lab := s.st.labs[i]
		instr := ""
		if lab.RequiresFasting {
			instr = "Fast for 12 hours before the draw."
		}
		tp.LabRecommendations = append(tp.LabRecommendations, labRec{ID: lab.ID, Name: lab.Name, RequiresFasting: lab.RequiresFasting,
			Instructions: instr, Tests: []labTest{{ID: lab.ID, Name: lab.Name}}})
	}
	s.st.plans = append(s.st.plans, tp)
	// Fullscript records an event for a plan activated through Fullscript.js
	// or a Redirect link (never for the app's other REST calls).
	s.st.addClinicEvent(s.now(), tp.ClinicID, "treatment_plans", "treatment_plan.activated", map[string]any{"treatment_plan": map[string]any{
		"id": tp.ID, "patient_id": tp.PatientID, "practitioner_id": tp.PractitionerID, "state": tp.State}})
	sess.Closed = true
	for _, l := range s.st.links {
		if l.ID == sc.LinkID {
			l.PlanID = tp.ID
		}
	}
	patientCopy := *patient
	s.mu.Unlock()
	s.post(w, sc, eventPlanActivated, map[string]any{"treatmentPlan": map[string]any{
		"id": tp.ID, "state": tp.State, "availableAt": tp.AvailableAt.Format(fullscriptTime),
		"patient":            map[string]string{"id": patientCopy.ID, "firstName": patientCopy.FirstName, "lastName": patientCopy.LastName, "email": patientCopy.Email},
		"practitioner":       map[string]string{"id": tp.PractitionerID},
		"recommendations":    tp.Recommendations,
		"labRecommendations": tp.LabRecommendations,
	}})
}
