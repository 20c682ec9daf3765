package sandbox

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestBearerIsRequired(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	routes := []struct{ method, path string }{
		{"GET", "/api/clinic"}, {"GET", "/api/clinic/practitioners"}, {"GET", "/api/clinic/staff"},
		{"GET", "/api/clinic/patients"}, {"POST", "/api/clinic/patients"}, {"GET", "/api/clinic/search/patients?query=a"},
		{"POST", "/api/clinic/embeddable/session_grants"},
	}
	for _, rt := range routes {
		for _, auth := range []string{"", "Bearer nope", "Basic abc"} {
			r := e.do(rt.method, rt.path, nil, map[string]string{"Authorization": auth})
			if r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %q: %d, want 401 with WWW-Authenticate", rt.method, rt.path, auth, r.status)
			}
		}
	}
}

func TestClinicIsTheTokensClinic(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	info := e.sb.Info()
	for i, c := range info.Clinics {
		ada := e.user("ada.moss@example.com", i)
		tok := e.signIn(ada.ID)
		clinic := e.get("/api/clinic", tok.access).json(t)["clinic"].(map[string]any)
		if clinic["id"] != c.ID || clinic["name"] != c.Name {
			t.Errorf("Ada in clinic %d sees %v, want %s", i, clinic, c.Name)
		}
		if clinic["patient_count"].(float64) < 30 || clinic["practitioner_count"].(float64) != 2 {
			t.Errorf("counts = %v", clinic)
		}
	}
}

func TestPractitionersAndStaff(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	tok := e.signIn("")
	pr := e.get("/api/clinic/practitioners", tok.access).json(t)
	if n := len(pr["practitioners"].([]any)); n != 2 {
		t.Errorf("%d practitioners, want 2", n)
	}
	st := e.get("/api/clinic/staff", tok.access).json(t)
	staffList := st["staff"].([]any)
	if len(staffList) != 1 || staffList[0].(map[string]any)["email"] != "sam.rivera@example.com" {
		t.Errorf("staff = %v", staffList)
	}
	if r := e.get("/api/clinic/practitioners/"+tok.userID, tok.access); r.status != 200 || r.json(t)["practitioner"].(map[string]any)["id"] != tok.userID {
		t.Errorf("self: %d %s", r.status, r.body)
	}
	chloe := e.user("chloe.tremblay@example.com", 1)
	if r := e.get("/api/clinic/practitioners/"+chloe.ID, tok.access); r.status != 404 {
		t.Errorf("another clinic's practitioner: %d, want 404", r.status)
	}
}

func TestPatientPagination(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	tok := e.signIn("") // Riverside: 36 patients
	tests := []struct {
		query          string
		count          int
		current, pages int
		next, prev     any
	}{
		{query: "", count: 20, current: 1, pages: 2, next: 2.0, prev: nil},
		{query: "?page[number]=2", count: 16, current: 2, pages: 2, next: nil, prev: 1.0},
		{query: "?page[size]=10&page[number]=4", count: 6, current: 4, pages: 4, next: nil, prev: 3.0},
		{query: "?page[size]=500", count: 36, current: 1, pages: 1, next: nil, prev: nil}, // capped at 100
		{query: "?page[number]=9", count: 0, current: 9, pages: 2, next: nil, prev: 2.0},
	}
	for _, tt := range tests {
		body := e.get("/api/clinic/patients"+tt.query, tok.access).json(t)
		meta := body["meta"].(map[string]any)
		if n := len(body["patients"].([]any)); n != tt.count {
			t.Errorf("%s: %d patients, want %d", tt.query, n, tt.count)
		}
		if meta["current_page"] != float64(tt.current) || meta["total_pages"] != float64(tt.pages) || meta["total_count"] != 36.0 ||
			meta["next_page"] != tt.next || meta["prev_page"] != tt.prev {
			t.Errorf("%s: meta = %v", tt.query, meta)
		}
	}
	for _, bad := range []string{"?page[size]=0", "?page[number]=-1", "?page[number]=two"} {
		if r := e.get("/api/clinic/patients"+bad, tok.access); r.status != 400 || !strings.Contains(string(r.body), "page[") {
			t.Errorf("%s: %d %s, want 400 naming the parameter", bad, r.status, r.body)
		}
	}
	// Every page together is every patient, once.
	seen := map[string]bool{}
	for page := 1; page <= 4; page++ {
		for _, p := range e.get(fmt.Sprintf("/api/clinic/patients?page[size]=10&page[number]=%d", page), tok.access).json(t)["patients"].([]any) {
			seen[p.(map[string]any)["id"].(string)] = true
		}
	}
	if len(seen) != 36 {
		t.Errorf("pages cover %d distinct patients, want 36", len(seen))
	}
}

func TestPatientSearchAndGet(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	tok := e.signIn("")
	all := e.get("/api/clinic/search/patients?query=KLINE", tok.access).json(t)
	list := all["patients"].([]any)
	if len(list) == 0 {
		t.Fatal("no Kline found")
	}
	for _, p := range list {
		if p.(map[string]any)["last_name"] != "Kline" {
			t.Errorf("search for kline returned %v", p)
		}
	}
	first := list[0].(map[string]any)
	byEmail := e.get("/api/clinic/search/patients?query="+first["email"].(string), tok.access).json(t)["patients"].([]any)
	if len(byEmail) != 1 {
		t.Errorf("search by email: %d hits, want 1", len(byEmail))
	}
	got := e.get("/api/clinic/patients/"+first["id"].(string), tok.access)
	if got.status != 200 || got.json(t)["patient"].(map[string]any)["email"] != first["email"] {
		t.Errorf("get patient: %d %s", got.status, got.body)
	}
	other := e.signIn(e.user("chloe.tremblay@example.com", 1).ID)
	if r := e.get("/api/clinic/patients/"+first["id"].(string), other.access); r.status != 404 {
		t.Errorf("another clinic's patient: %d, want 404", r.status)
	}
	if n := len(e.get("/api/clinic/search/patients?query=zzzz", tok.access).json(t)["patients"].([]any)); n != 0 {
		t.Errorf("nonsense query found %d", n)
	}
}

func TestCreatePatient(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	tok := e.signIn("")
	good := map[string]any{"first_name": "Nadia", "last_name": "Haddad", "email": "nadia.h@example.com", "date_of_birth": "1988-04-12", "gender": "female", "mobile_number": "+16045550199", "metadata": map[string]string{"id": "ehr-42"}}
	r := e.postJSON("/api/clinic/patients", tok.access, good)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	p := r.json(t)["patient"].(map[string]any)
	if p["id"] == "" || p["email"] != "nadia.h@example.com" || p["metadata"].(map[string]any)["id"] != "ehr-42" || p["total_discount"] != 10.0 {
		t.Errorf("created = %v", p)
	}
	if hits := e.get("/api/clinic/search/patients?query=haddad", tok.access).json(t)["patients"].([]any); len(hits) != 1 {
		t.Errorf("new patient not searchable: %v", hits)
	}
	tests := []struct {
		name string
		body map[string]any
		want string
	}{
		{name: "duplicate email", body: good, want: "Email has already been taken"},
		{name: "blank names", body: map[string]any{"email": "x@example.com"}, want: "First name can't be blank"},
		{name: "bad email", body: map[string]any{"first_name": "A", "last_name": "B", "email": "not-an-email"}, want: "Email is invalid"},
		{name: "bad date", body: map[string]any{"first_name": "A", "last_name": "B", "email": "a@example.com", "date_of_birth": "12/04/1988"}, want: "yyyy-mm-dd"},
		{name: "bad gender", body: map[string]any{"first_name": "A", "last_name": "B", "email": "a@example.com", "gender": "m"}, want: "Gender"},
		{name: "mobile without country code", body: map[string]any{"first_name": "A", "last_name": "B", "email": "a@example.com", "mobile_number": "6045550199"}, want: "country code"},
	}
	for _, tt := range tests {
		r := e.postJSON("/api/clinic/patients", tok.access, tt.body)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), tt.want) {
			t.Errorf("%s: %d %s, want 422 with %q", tt.name, r.status, r.body, tt.want)
		}
	}
	if r := e.do("POST", "/api/clinic/patients", strings.NewReader("{"), map[string]string{"Authorization": "Bearer " + tok.access}); r.status != 400 {
		t.Errorf("broken JSON: %d", r.status)
	}
}

func TestSessionGrant(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	sam := e.user("sam.rivera@example.com", 0)
	tok := e.signIn(sam.ID)
	r := e.postJSON("/api/clinic/embeddable/session_grants", tok.access, map[string]any{})
	if r.status != 200 {
		t.Fatalf("grant: %d %s", r.status, r.body)
	}
	g := r.json(t)
	exp, err := time.Parse(fullscriptTime, g["expires_at"].(string))
	if err != nil || !exp.Equal(e.clock.Now().Add(120*time.Second)) {
		t.Errorf("expires_at = %v, want now + 120 s", g["expires_at"])
	}
	user := g["user"].(map[string]any)
	if g["claimed_at"] != nil || user["id"] != sam.ID || user["type"] != "Staff" || len(g["secret_token"].(string)) < 40 || g["id"] == "" {
		t.Errorf("grant = %v", g)
	}
	// No body at all works too (role-based apps send none).
	if r := e.do("POST", "/api/clinic/embeddable/session_grants", nil, map[string]string{"Authorization": "Bearer " + tok.access}); r.status != 200 {
		t.Errorf("grant without body: %d", r.status)
	}
	if r := e.get("/api/clinic/embeddable/session_grants", tok.access); r.status != http.StatusNotFound {
		t.Errorf("GET grants: %d, want 404 (no such route)", r.status)
	}
}

func TestUnknownRouteIsFullscriptShaped404(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.get("/api/oauth/tokens", "")
	if r.status != 404 || r.json(t)["error"] != "Not Found" || r.json(t)["status"] != 404.0 {
		t.Errorf("unknown route: %d %s", r.status, r.body)
	}
}

func TestParsePageCapsTheSize(t *testing.T) {
	tests := []struct {
		query        string
		number, size int
	}{
		{query: "", number: 1, size: defaultPageSize},
		{query: "page[size]=100", number: 1, size: 100},
		{query: "page[size]=101&page[number]=3", number: 3, size: maxPageSize},
		{query: "page[size]=5000", number: 1, size: maxPageSize},
	}
	for _, tt := range tests {
		pg, ok := parsePage(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/clinic/patients?"+tt.query, nil))
		if !ok || pg.number != tt.number || pg.size != tt.size {
			t.Errorf("%q: %+v %v, want number %d size %d", tt.query, pg, ok, tt.number, tt.size)
		}
	}
}
