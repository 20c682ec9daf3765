package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	draftPath   = "/api/clinic/dynamic_links/treatment_plans"
	gatewayPath = "/api/clinic/dynamic_links/gateway/treatment_plans"
)

// browser is a person's browser: it keeps cookies and follows redirects,
// as the system browser a Redirect link opens in does.
type browser struct {
	t      *testing.T
	client *http.Client
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{t: e.t, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (b *browser) get(u string) (int, string) {
	b.t.Helper()
	res, err := b.client.Get(u)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func (b *browser) signIn(base, page, userID string) (int, string) {
	b.t.Helper()
	link := between(page, `name="link" value="`, `"`)
	res, err := b.client.PostForm(base+"/redirect/sign_in", url.Values{"link": {link}, "user_id": {userID}})
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// redirectURL asks for a link and returns its redirect_url.
func (e *env) redirectURL(path, access string, body any) string {
	e.t.Helper()
	r := e.postJSON(path, access, body)
	if r.status != http.StatusCreated {
		e.t.Fatalf("%s: %d %s", path, r.status, r.body)
	}
	link, _ := r.json(e.t)["dynamic_link"].(map[string]any)
	u, _ := link["redirect_url"].(string)
	if !strings.HasPrefix(u, e.base+"/redirect/treatment_plan?link=") {
		e.t.Fatalf("redirect_url %q is not a sandbox page: %s", u, r.body)
	}
	return u
}

func TestRedirectLinkSignInThenActivate(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	ada := e.signIn("ada.moss@example.com")
	amos := e.seededPatient("Kline", 0)
	u := e.redirectURL(draftPath, ada.access, map[string]any{
		"treatment_plan": map[string]any{"practitioner_id": ada.userID},
		"patient":        map[string]any{"email": strings.ToUpper(amos.Email), "first_name": "Amos", "last_name": "Kline"},
	})

	b := e.browser()
	status, page := b.get(u)
	if status != 200 || !strings.Contains(page, "Sign in to Fullscript") || strings.Contains(page, "Activate treatment plan") {
		t.Fatalf("a browser with no sandbox session: %d, want the sign-in page\n%s", status, page)
	}
	if !strings.Contains(page, `value="`+ada.userID+`" checked`) {
		t.Error("the sign-in page does not preselect the person the link is for")
	}
	status, page = b.signIn(e.base, page, ada.userID)
	if status != 200 || !strings.Contains(page, "Activate treatment plan") {
		t.Fatalf("after signing in: %d, want the plan builder\n%s", status, page)
	}
	if !strings.Contains(page, "Amos Kline") || !strings.Contains(page, "Matched") {
		t.Errorf("the link's patient (by email, any case) is not matched:\n%s", page)
	}
	if strings.Contains(page, "frame-ancestors") || !strings.Contains(page, "embed--redirect") {
		t.Error("the Redirect page is not the top-level variant")
	}
	session := between(page, `data-session="`, `"`)
	var magnesium string
	for _, p := range e.sb.st.catalog {
		if p.Name == "Magnesium Glycinate" {
			magnesium = p.VariantID
		}
	}
	act := e.action("activate", map[string]any{"session": session, "variant_ids": []string{magnesium}})
	if act.status != 200 {
		t.Fatalf("activate: %d %s", act.status, act.body)
	}
	var reply struct {
		TargetOrigin string `json:"target_origin"`
	}
	_ = json.Unmarshal(act.body, &reply)
	if reply.TargetOrigin != "" {
		t.Errorf("a Redirect page got a target origin %q to post to", reply.TargetOrigin)
	}

	// The plan is the patient's, the practitioner's, and listed by REST.
	plans := e.get("/api/clinic/patients/"+amos.ID+"/treatment_plans", ada.access)
	var list struct {
		Plans []struct {
			ID           string            `json:"id"`
			State        string            `json:"state"`
			Practitioner map[string]string `json:"practitioner"`
			Recs         []struct {
				VariantID string            `json:"variant_id"`
				Variant   map[string]string `json:"variant"`
			} `json:"recommendations"`
		} `json:"treatment_plans"`
	}
	if err := json.Unmarshal(plans.body, &list); err != nil || len(list.Plans) != 1 {
		t.Fatalf("patient's plans: %d %s", plans.status, plans.body)
	}
	got := list.Plans[0]
	if got.State != "active" || got.Practitioner["id"] != ada.userID || len(got.Recs) != 1 || got.Recs[0].Variant["name"] != "Magnesium Glycinate" {
		t.Errorf("plan = %+v", got)
	}
	st := e.sb.Snapshot()
	if last := st.Events[len(st.Events)-1]; last.Outcome != outcomeRedirect || last.Type != eventPlanActivated {
		t.Errorf("last event = %+v, want a redirect activation", last)
	}
	if len(st.Links) != 1 || st.Links[0].PlanID != got.ID {
		t.Errorf("link not marked with its plan: %+v", st.Links)
	}
	// The link is done: opening it again says so, and builds nothing.
	if status, page := b.get(u); status != 200 || !strings.Contains(page, "was activated") {
		t.Errorf("the used link: %d\n%s", status, page)
	}
}

// seededPatient finds a seeded patient of clinic (0 Riverside) by last name.
func (e *env) seededPatient(last string, clinic int) Patient {
	e.t.Helper()
	id := e.sb.Info().Clinics[clinic].ID
	e.sb.mu.Lock()
	defer e.sb.mu.Unlock()
	for _, p := range e.sb.st.patients {
		if p.ClinicID == id && p.LastName == last {
			return *p
		}
	}
	e.t.Fatalf("no seeded patient %s", last)
	return Patient{}
}

func TestRedirectLinkRequests(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	ada := e.signIn("ada.moss@example.com")
	sam := e.signIn("sam.rivera@example.com")
	ben := e.user("ben.okafor@example.com", 0)
	amos := e.seededPatient("Kline", 0)
	plan := func(prac string) map[string]any { return map[string]any{"practitioner_id": prac} }
	tests := []struct {
		name   string
		path   string
		token  string
		body   map[string]any
		status int
		want   string
	}{
		{"practitioner, no patient (the generic new plan)", draftPath, ada.access, map[string]any{"treatment_plan": plan(ada.userID)}, 201, "redirect_url"},
		{"practitioner, patient by email", draftPath, ada.access, map[string]any{"treatment_plan": plan(ada.userID), "patient": map[string]any{"email": "new.person@example.com", "first_name": "New"}}, 201, "redirect_url"},
		{"draft patient without email", draftPath, ada.access, map[string]any{"treatment_plan": plan(ada.userID), "patient": map[string]any{"id": amos.ID}}, 422, "Patient email can't be blank"},
		{"no practitioner", draftPath, ada.access, map[string]any{}, 422, "Practitioner can't be blank"},
		{"a practitioner for someone else", draftPath, ada.access, map[string]any{"treatment_plan": plan(ben.ID)}, 422, "only create links for themselves"},
		{"staff for a practitioner", draftPath, sam.access, map[string]any{"treatment_plan": plan(ben.ID)}, 201, "redirect_url"},
		{"staff for themselves", draftPath, sam.access, map[string]any{"treatment_plan": plan(sam.userID)}, 422, "Practitioner not found"},
		{"draft with an entrypoint", draftPath, ada.access, map[string]any{"treatment_plan": plan(ada.userID), "entrypoint": "labs"}, 422, "only for gateway"},
		{"gateway by id, labs", gatewayPath, ada.access, map[string]any{"treatment_plan": plan(ada.userID), "patient": map[string]any{"id": amos.ID}, "entrypoint": "labs"}, 201, "redirect_url"},
		{"gateway, unknown id", gatewayPath, ada.access, map[string]any{"treatment_plan": plan(ada.userID), "patient": map[string]any{"id": "nope"}}, 422, "Patient not found"},
		{"gateway, neither id nor email", gatewayPath, ada.access, map[string]any{"treatment_plan": plan(ada.userID), "patient": map[string]any{"first_name": "X"}}, 422, "an id or an email"},
		{"gateway, bad entrypoint", gatewayPath, ada.access, map[string]any{"treatment_plan": plan(ada.userID), "entrypoint": "shop"}, 422, "catalog or labs"},
		{"gateway, bad gender", gatewayPath, ada.access, map[string]any{"treatment_plan": plan(ada.userID), "patient": map[string]any{"email": "g@example.com", "gender": "m"}}, 422, "male, female or x"},
		{"no token", draftPath, "", map[string]any{"treatment_plan": plan(ada.userID)}, 401, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.postJSON(tt.path, tt.token, tt.body)
			if r.status != tt.status || !strings.Contains(string(r.body), tt.want) {
				t.Errorf("%d %s, want %d with %q", r.status, r.body, tt.status, tt.want)
			}
		})
	}
}

func TestRedirectLinkScopes(t *testing.T) {
	tests := []struct {
		name, scopes, path string
		patient            bool
		status             int
		want               string
	}{
		{"no clinic:write", "clinic:read patients:read patients:write", draftPath, false, 403, "clinic:write"},
		{"draft without a patient needs no patients:write", "clinic:read clinic:write", draftPath, false, 201, "redirect_url"},
		{"draft with a patient may create one", "clinic:read clinic:write", draftPath, true, 403, "patients:write"},
		{"gateway may always create one", "clinic:read clinic:write", gatewayPath, false, 403, "patients:write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{AutoApprove: true, Scopes: tt.scopes})
			ada := e.signIn("")
			body := map[string]any{"treatment_plan": map[string]any{"practitioner_id": ada.userID}}
			if tt.patient {
				body["patient"] = map[string]any{"email": "x@example.com"}
			}
			r := e.postJSON(tt.path, ada.access, body)
			if r.status != tt.status || !strings.Contains(string(r.body), tt.want) {
				t.Errorf("%d %s, want %d with %q", r.status, r.body, tt.status, tt.want)
			}
			if tt.status == 403 && !strings.Contains(string(r.body), "insufficient_scope") {
				t.Errorf("403 without its code: %s", r.body)
			}
		})
	}
}

func TestRedirectPageStates(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	ada := e.signIn("ada.moss@example.com")
	ben := e.signIn("ben.okafor@example.com")
	amos := e.seededPatient("Kline", 0)
	b := e.browser()

	// Signed in as Ben, a link of Ada's asks for Ada.
	benLink := e.redirectURL(draftPath, ben.access, map[string]any{"treatment_plan": map[string]any{"practitioner_id": ben.userID}})
	_, page := b.get(benLink)
	if status, _ := b.signIn(e.base, page, ben.userID); status != 200 {
		t.Fatalf("sign in as Ben: %d", status)
	}
	adaLink := e.redirectURL(gatewayPath, ada.access, map[string]any{
		"treatment_plan": map[string]any{"practitioner_id": ada.userID}, "patient": map[string]any{"id": amos.ID}, "entrypoint": "labs"})
	_, page = b.get(adaLink)
	if !strings.Contains(page, "Sign in to Fullscript") || !strings.Contains(page, "signed in as Dr. Ben Okafor") {
		t.Errorf("a browser signed in as someone else is not asked to sign in as the link's person:\n%s", page)
	}
	_, page = b.signIn(e.base, page, ada.userID)
	if !strings.Contains(page, ">Labs</h2>") || !strings.Contains(page, "Matched") {
		t.Errorf("the gateway link by id with entrypoint labs:\n%s", page)
	}

	// A draft link finds its patient by email alone: an id beside another
	// email is not a match (the gateway link is the one that takes ids).
	draft := e.redirectURL(draftPath, ada.access, map[string]any{"treatment_plan": map[string]any{"practitioner_id": ada.userID},
		"patient": map[string]any{"id": amos.ID, "email": "someone.else@example.com", "first_name": "Some", "last_name": "One"}})
	if _, page := b.get(draft); strings.Contains(page, "Matched") || !strings.Contains(page, "New patient: Some One") {
		t.Errorf("a draft link matched by id:\n%s", page)
	}

	// A link nobody issued, and one that expired.
	if status, page := b.get(e.base + "/redirect/treatment_plan?link=forged"); status != 404 || !strings.Contains(page, "not valid") {
		t.Errorf("forged link: %d", status)
	}
	old := e.redirectURL(draftPath, ada.access, map[string]any{"treatment_plan": map[string]any{"practitioner_id": ada.userID}})
	e.clock.Advance(LinkTTL)
	if status, page := b.get(old); status != http.StatusGone || !strings.Contains(page, "expired") {
		t.Errorf("expired link: %d\n%s", status, page)
	}
	// The sign-in form only signs in a person of the link's clinic.
	chloe := e.user("chloe.tremblay@example.com", 1)
	fresh := e.redirectURL(draftPath, ada.access, map[string]any{"treatment_plan": map[string]any{"practitioner_id": ada.userID}})
	_, page = e.browser().get(fresh)
	if status, _ := e.browser().signIn(e.base, page, chloe.ID); status != http.StatusUnprocessableEntity {
		t.Errorf("sign-in as another clinic's person: %d, want 422", status)
	}
}

func TestProductionOriginsFrameHTTPSOnly(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true, ProductionOrigins: true, AllowOrigins: []string{"https://app.example", hostOrigin}})
	if !e.sb.Info().ProductionOrigins {
		t.Error("/_sandbox/info does not say production_origins")
	}
	tok := e.signIn("")
	for _, origin := range []string{"wails://wails", "wails://wails.localhost:34115", hostOrigin} {
		r := e.get(e.embedURL("/api/embeddable/session/treatment_plans/new", e.grant(tok.access), "", origin, ""), "")
		if r.status != 403 || r.header.Get("Content-Security-Policy") != "frame-ancestors 'none'" || !strings.Contains(string(r.body), "https origins only") {
			t.Errorf("%s: %d %q, want refused as production refuses it", origin, r.status, r.header.Get("Content-Security-Policy"))
		}
	}
	r := e.get(e.embedURL("/api/embeddable/session/treatment_plans/new", e.grant(tok.access), "", "https://app.example", ""), "")
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors https://app.example") {
		t.Errorf("an https origin on the list: %d %q", r.status, r.header.Get("Content-Security-Policy"))
	}
}

func TestPlanDetailInvitationAndOrder(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true, AllowOrigins: []string{hostOrigin}})
	ada := e.signIn("ada.moss@example.com")
	amos := e.seededPatient("Kline", 0)
	var ids []string
	for range 3 {
		data := e.tokenizedID(amos.ID)
		_, session := e.embedPage("/api/embeddable/session/treatment_plans/new", e.grant(ada.access), data, "")
		act := postedOf(t, e.action("activate", map[string]any{"session": session, "variant_ids": []string{e.sb.st.catalog[0].VariantID}}))
		var activated struct {
			Plan struct {
				ID string `json:"id"`
			} `json:"treatmentPlan"`
		}
		_ = json.Unmarshal(act.Message.Payload.Data, &activated)
		ids = append(ids, activated.Plan.ID)
		e.clock.Advance(time.Minute)
	}
	var list struct {
		Plans []struct {
			ID string `json:"id"`
		} `json:"treatment_plans"`
	}
	r := e.get("/api/clinic/patients/"+amos.ID+"/treatment_plans?sort_by=created_at&order_by=DESC", ada.access)
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Plans) != 3 || list.Plans[0].ID != ids[2] || list.Plans[2].ID != ids[0] {
		t.Fatalf("newest first: %s (made %v)", r.body, ids)
	}
	if r := e.get("/api/clinic/patients/"+amos.ID+"/treatment_plans?order_by=sideways", ada.access); r.status != 422 {
		t.Errorf("bad order_by: %d", r.status)
	}
	one := e.get("/api/clinic/treatment_plans/"+ids[1], ada.access)
	inv := between(string(one.body), `"invitation_url":"`, `"`)
	if one.status != 200 || !strings.HasPrefix(inv, e.base+"/invitation?plan=") {
		t.Fatalf("plan detail: %d %s", one.status, one.body)
	}
	status, page := e.browser().get(inv)
	if status != 200 || !strings.Contains(page, "Hi Amos") || !strings.Contains(page, e.sb.st.catalog[0].Name) {
		t.Errorf("invitation page: %d\n%s", status, page)
	}
	// Another clinic's token sees none of it.
	chloe := e.signIn("chloe.tremblay@example.com")
	if r := e.get("/api/clinic/treatment_plans/"+ids[1], chloe.access); r.status != 404 {
		t.Errorf("another clinic's plan: %d", r.status)
	}
}

// tokenizedID is a data token for a patient matched by id.
func (e *env) tokenizedID(id string) string {
	e.t.Helper()
	r := e.tokenize(hostOrigin, map[string]any{"id": id})
	tok, _ := r.json(e.t)["data_token"].(string)
	return tok
}
