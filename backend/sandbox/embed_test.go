package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const hostOrigin = "http://127.0.0.1:5173"

func (e *env) grant(access string) string {
	e.t.Helper()
	r := e.postJSON("/api/clinic/embeddable/session_grants", access, nil)
	if r.status != 200 {
		e.t.Fatalf("grant: %d %s", r.status, r.body)
	}
	return r.json(e.t)["secret_token"].(string)
}

// embedURL is the URL fullscript-js builds (reference 5.6): string values
// are not encoded, the data token is.
func (e *env) embedURL(path, secret, dataToken, origin string, extra string) string {
	q := ""
	if dataToken != "" {
		q = "data_token=" + url.QueryEscape(dataToken) + "&"
	}
	return path + "?" + q + "secret_token=" + secret + extra + "&public_key=" + e.sb.PublicKey() + "&frame_id=frame-1&target_origin=" + origin
}

func (e *env) tokenize(origin string, patient map[string]any) reply {
	e.t.Helper()
	b, _ := json.Marshal(map[string]any{"data": patient})
	return e.do("POST", "/api/embeddable/tokenize", strings.NewReader(string(b)), map[string]string{"Content-Type": "application/json", "Origin": origin})
}

func TestTokenizeCORS(t *testing.T) {
	e := newEnv(t, Config{AllowOrigins: []string{hostOrigin + "/"}}) // a trailing slash is forgiven
	pre := e.do("OPTIONS", "/api/embeddable/tokenize", nil, map[string]string{"Origin": hostOrigin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
	if pre.status != 204 || pre.header.Get("Access-Control-Allow-Origin") != hostOrigin || !strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Errorf("preflight: %d %v", pre.status, pre.header)
	}
	r := e.tokenize(hostOrigin, map[string]any{"first_name": "Amos"})
	tok, _ := r.json(t)["data_token"].(string)
	if r.status != 200 || tok == "" || r.header.Get("Access-Control-Allow-Origin") != hostOrigin {
		t.Errorf("tokenize: %d %s %v", r.status, r.body, r.header)
	}
	if !strings.ContainsAny(tok, "+/=") {
		t.Errorf("data token %q has nothing to percent-encode; it should, to catch clients that do not", tok)
	}
	for _, origin := range []string{"http://localhost:5173", "wails://wails/", "null"} {
		r := e.tokenize(origin, map[string]any{"first_name": "Amos"})
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("origin %q got CORS %q", origin, got)
		}
	}
	for _, body := range []string{`{"data": "Amos"}`, `{}`, ``} {
		r := e.do("POST", "/api/embeddable/tokenize", strings.NewReader(body), map[string]string{"Content-Type": "application/json"})
		if r.status < 400 || r.status > 499 {
			t.Errorf("tokenize %q: %d, want 4xx", body, r.status)
		}
	}
}

func TestEmbedPageChecks(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true, AllowOrigins: []string{hostOrigin}})
	tok := e.signIn("")
	used := e.grant(tok.access)
	if r := e.get(e.embedURL("/api/embeddable/session/treatment_plans/new", used, "", hostOrigin, ""), ""); r.status != 200 {
		t.Fatalf("first use: %d %s", r.status, r.body)
	}
	expired := e.grant(tok.access)
	e.clock.Advance(GrantTTL)
	tests := []struct {
		name, secret, origin, key string
		status                    int
		csp                       string
		serverError               string
		reason                    string
	}{
		{name: "origin not allowed", origin: "http://localhost:5173", status: 403, csp: "frame-ancestors 'none'", reason: "origin_not_allowed"},
		{name: "no origin", origin: "", status: 403, csp: "frame-ancestors 'none'", reason: "origin_not_allowed"},
		{name: "origin with trailing slash", origin: "wails://wails/", status: 403, csp: "frame-ancestors 'none'", reason: "origin_not_allowed"},
		{name: "wrong public key", origin: hostOrigin, key: "pk_other", status: 403, csp: "frame-ancestors 'none'", reason: "public_key"},
		{name: "reused secret token", secret: used, origin: hostOrigin, status: 200, csp: "frame-ancestors " + hostOrigin, serverError: "already used"},
		{name: "expired secret token", secret: expired, origin: hostOrigin, status: 200, csp: "frame-ancestors " + hostOrigin, serverError: "expired"},
		{name: "unknown secret token", secret: "nope", origin: hostOrigin, status: 200, csp: "frame-ancestors " + hostOrigin, serverError: "not valid"},
		{name: "missing secret token", secret: "", origin: "wails://wails", status: 200, csp: "frame-ancestors wails://wails", serverError: "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := e.embedURL("/api/embeddable/session/embed/entry", tt.secret, "", tt.origin, "")
			if tt.key != "" {
				u = strings.Replace(u, "public_key="+e.sb.PublicKey(), "public_key="+tt.key, 1)
			}
			before := len(e.sb.Snapshot().Events)
			r := e.get(u, "")
			if r.status != tt.status {
				t.Errorf("status %d, want %d", r.status, tt.status)
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, tt.csp) {
				t.Errorf("CSP %q lacks %q", csp, tt.csp)
			}
			html := string(r.body)
			if strings.Contains(html, "Activate treatment plan") {
				t.Error("a failed check still shows the Embed page")
			}
			if tt.serverError != "" && (!strings.Contains(html, "INVALID_SECRET_TOKEN: ") || !strings.Contains(html, tt.serverError) || !strings.Contains(html, "embed-error.js")) {
				t.Errorf("no INVALID_SECRET_TOKEN page mentioning %q:\n%s", tt.serverError, html)
			}
			events := e.sb.Snapshot().Events
			if len(events) != before+1 {
				t.Fatalf("%d events recorded, want 1", len(events)-before)
			}
			last := events[len(events)-1]
			if tt.reason != "" && (last.Outcome != outcomeRefused || last.Reason != tt.reason) {
				t.Errorf("event = %+v, want refused/%s", last, tt.reason)
			}
			if tt.serverError != "" && last.Outcome != outcomeInvalid {
				t.Errorf("event = %+v, want invalid_secret_token", last)
			}
		})
	}
	// A refused page does not spend the grant.
	fresh := e.grant(tok.access)
	e.get(e.embedURL("/api/embeddable/session/treatment_plans/new", fresh, "", "http://evil.example", ""), "")
	if r := e.get(e.embedURL("/api/embeddable/session/treatment_plans/new", fresh, "", hostOrigin, ""), ""); r.status != 200 || !strings.Contains(string(r.body), "Activate treatment plan") {
		t.Errorf("grant spent by a refused page: %d", r.status)
	}
}

// embedPage opens an Embed page and returns its HTML and session key.
func (e *env) embedPage(path, secret, dataToken, extra string) (string, string) {
	e.t.Helper()
	r := e.get(e.embedURL(path, secret, dataToken, hostOrigin, extra), "")
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors "+hostOrigin) {
		e.t.Fatalf("embed page: %d %v\n%s", r.status, r.header, r.body)
	}
	html := string(r.body)
	return html, between(html, `data-session="`, `"`)
}

func (e *env) action(name string, body map[string]any) reply {
	e.t.Helper()
	return e.postJSON("/api/embeddable/session/actions/"+name, "", body)
}

type posted struct {
	Message struct {
		Type    string `json:"type"`
		Payload struct {
			ID        string          `json:"id"`
			Type      string          `json:"type"`
			Data      json.RawMessage `json:"data"`
			CreatedAt string          `json:"createdAt"`
			ClinicID  string          `json:"clinicId"`
			OAuth     struct {
				ClientID string `json:"clientId"`
			} `json:"oauth"`
		} `json:"payload"`
	} `json:"message"`
	TargetOrigin string `json:"target_origin"`
}

func postedOf(t *testing.T, r reply) posted {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("action: %d %s", r.status, r.body)
	}
	var p posted
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEmbedFlowNewPatientThenActivate(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true, AllowOrigins: []string{hostOrigin}})
	tok := e.signIn("")
	clinicID := e.sb.Info().Clinics[0].ID
	dt := e.tokenize(hostOrigin, map[string]any{"first_name": "Amos", "last_name": "Zed", "email": "amos.zed@example.com", "biological_sex": "male"}).json(t)["data_token"].(string)
	html, session := e.embedPage("/api/embeddable/session/treatment_plans/new", e.grant(tok.access), dt, "")
	for _, want := range []string{"Riverside Wellness Clinic", "Dr. Ada Moss", "New patient: Amos Zed", "Select patient", "Catalog", "Magnesium Glycinate"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if r := e.action("activate", map[string]any{"session": session, "variant_ids": []string{e.sb.st.catalog[0].VariantID}}); r.status != 422 || !strings.Contains(string(r.body), "Select a patient") {
		t.Errorf("activate before a patient: %d %s", r.status, r.body)
	}
	if r := e.action("select_patient", map[string]any{"session": session, "new_patient": map[string]any{"first_name": "Amos", "last_name": "", "email": "amos.zed@example.com"}}); r.status != 422 {
		t.Errorf("new patient without last name: %d %s", r.status, r.body)
	}
	sel := postedOf(t, e.action("select_patient", map[string]any{"session": session, "new_patient": map[string]any{"first_name": "Amos", "last_name": "Zed", "email": "amos.zed@example.com", "gender": "male"}}))
	if sel.Message.Type != "frame-1.patient.selected" || sel.TargetOrigin != hostOrigin || sel.Message.Payload.Type != "patient.selected" ||
		sel.Message.Payload.ClinicID != clinicID || sel.Message.Payload.OAuth.ClientID != e.sb.ClientID() || sel.Message.Payload.ID == "" {
		t.Errorf("patient.selected = %+v", sel)
	}
	if _, err := time.Parse(fullscriptTime, sel.Message.Payload.CreatedAt); err != nil {
		t.Errorf("createdAt: %v", err)
	}
	var pd struct {
		Patient map[string]any `json:"patient"`
	}
	_ = json.Unmarshal(sel.Message.Payload.Data, &pd)
	patientID, _ := pd.Patient["id"].(string)
	if pd.Patient["firstName"] != "Amos" || pd.Patient["biologicalSex"] != "male" || patientID == "" {
		t.Errorf("patient data = %v", pd.Patient)
	}
	if r := e.get("/api/clinic/patients/"+patientID, tok.access); r.status != 200 {
		t.Errorf("the new patient was not created in the clinic: %d", r.status)
	}
	if r := e.action("activate", map[string]any{"session": session}); r.status != 422 || !strings.Contains(string(r.body), "at least one") {
		t.Errorf("activate with nothing: %d %s", r.status, r.body)
	}
	variant := e.sb.st.catalog[2].VariantID
	act := postedOf(t, e.action("activate", map[string]any{"session": session, "variant_ids": []string{variant}}))
	var plan struct {
		TreatmentPlan struct {
			ID, State    string
			Patient      struct{ ID string }
			Practitioner struct{ ID string }
			Recs         []struct {
				VariantID string `json:"variantId"`
			} `json:"recommendations"`
		} `json:"treatmentPlan"`
	}
	_ = json.Unmarshal(act.Message.Payload.Data, &plan)
	tp := plan.TreatmentPlan
	if act.Message.Type != "frame-1.treatmentPlan.activated" || tp.State != "active" || tp.Patient.ID != patientID || tp.Practitioner.ID != tok.userID ||
		len(tp.Recs) != 1 || tp.Recs[0].VariantID != variant {
		t.Errorf("treatmentPlan.activated = %s", act.Message.Payload.Data)
	}
	plans := e.get("/api/clinic/patients/"+patientID+"/treatment_plans", tok.access).json(t)["treatment_plans"].([]any)
	if len(plans) != 1 || plans[0].(map[string]any)["id"] != tp.ID {
		t.Errorf("plans listed = %v", plans)
	}
	// Fullscript records an event for a plan activated through Fullscript.js.
	evs := e.get("/api/events/treatment_plans", tok.access).json(t)["events"].([]any)
	if len(evs) != 1 || evs[0].(map[string]any)["type"] != "treatment_plan.activated" {
		t.Errorf("treatment plan events = %v", evs)
	}
	if r := e.action("activate", map[string]any{"session": session, "variant_ids": []string{variant}}); r.status != http.StatusGone {
		t.Errorf("second activation of one session: %d, want 410", r.status)
	}
	var posts int
	for _, ev := range e.sb.Snapshot().Events {
		if ev.Outcome == outcomePosted {
			posts++
		}
	}
	if posts != 2 {
		t.Errorf("%d posted events recorded, want 2", posts)
	}
}

func TestEmbedMatchedPatientAndLabs(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true, AllowOrigins: []string{hostOrigin}})
	tok := e.signIn("")
	p := e.get("/api/clinic/patients?page[size]=1", tok.access).json(t)["patients"].([]any)[0].(map[string]any)
	dt := e.tokenize(hostOrigin, map[string]any{"id": p["id"]}).json(t)["data_token"].(string)
	html, session := e.embedPage("/api/embeddable/session/embed/entry", e.grant(tok.access), dt, "&entrypoint=labs")
	if !strings.Contains(html, "Matched") || strings.Contains(html, "Select patient") || !strings.Contains(html, ">Labs<") || strings.Contains(html, "Magnesium") {
		t.Errorf("labs page with a matched patient:\n%s", html)
	}
	lab := e.sb.st.labs[0]
	act := postedOf(t, e.action("activate", map[string]any{"session": session, "lab_ids": []string{lab.ID}}))
	var plan struct {
		TreatmentPlan struct {
			Patient struct{ ID string }
			Labs    []struct{ ID, Name string } `json:"labRecommendations"`
		} `json:"treatmentPlan"`
	}
	_ = json.Unmarshal(act.Message.Payload.Data, &plan)
	if plan.TreatmentPlan.Patient.ID != p["id"] || len(plan.TreatmentPlan.Labs) != 1 || plan.TreatmentPlan.Labs[0].ID != lab.ID {
		t.Errorf("plan = %s", act.Message.Payload.Data)
	}
}

func TestEmbedStaffPicksThePractitioner(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true, AllowOrigins: []string{hostOrigin}})
	tok := e.signIn("sam.rivera@example.com")
	ben := e.user("ben.okafor@example.com", 0)
	patient := e.sb.st.patients[0]
	html, session := e.embedPage("/api/embeddable/session/treatment_plans/new", e.grant(tok.access), "", "")
	if !strings.Contains(html, "Prescribing practitioner") || !strings.Contains(html, "Dr. Ben Okafor") {
		t.Error("a staff session shows no practitioner picker")
	}
	postedOf(t, e.action("select_patient", map[string]any{"session": session, "patient_id": patient.ID}))
	variant := e.sb.st.catalog[0].VariantID
	if r := e.action("activate", map[string]any{"session": session, "variant_ids": []string{variant}}); r.status != 422 {
		t.Errorf("staff activates with no practitioner: %d", r.status)
	}
	if r := e.action("activate", map[string]any{"session": session, "variant_ids": []string{variant}, "practitioner_id": tok.userID}); r.status != 422 {
		t.Errorf("staff names themself as practitioner: %d", r.status)
	}
	act := postedOf(t, e.action("activate", map[string]any{"session": session, "variant_ids": []string{variant}, "practitioner_id": ben.ID}))
	if !strings.Contains(string(act.Message.Payload.Data), ben.ID) {
		t.Errorf("plan not from Ben: %s", act.Message.Payload.Data)
	}
	if r := e.action("select_patient", map[string]any{"session": "nope", "patient_id": patient.ID}); r.status != http.StatusGone {
		t.Errorf("unknown session: %d", r.status)
	}
}

func TestEmbedUnknownPatientIDIsSaidNotBlank(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true, AllowOrigins: []string{hostOrigin}})
	tok := e.signIn("")
	dt := e.tokenize(hostOrigin, map[string]any{"id": "no-such-patient"}).json(t)["data_token"].(string)
	html, _ := e.embedPage("/api/embeddable/session/treatment_plans/new", e.grant(tok.access), dt, "")
	if !strings.Contains(html, "No patient in this clinic has the id your app sent (no-such-patient)") {
		t.Error("an unknown patient id is not explained")
	}
	if strings.Contains(html, `value="new"`) {
		t.Error("an id alone is offered as a blank new patient")
	}
}

func TestDoubleSlashPathsAreNotFound(t *testing.T) {
	e := newEnv(t, Config{})
	if r := e.get("//api/embeddable/session/treatment_plans/new", ""); r.status != 404 {
		t.Errorf("//api/...: %d, want 404 (a base URL with a trailing slash must fail visibly)", r.status)
	}
}

func TestDataTokensAlwaysNeedEncoding(t *testing.T) {
	for range 200 {
		if tok := newDataToken(); !strings.Contains(tok, "+") || !strings.Contains(tok, "/") || !strings.HasSuffix(tok, "=") {
			t.Fatalf("data token %q lacks '+', '/' or '='", tok)
		}
	}
}
