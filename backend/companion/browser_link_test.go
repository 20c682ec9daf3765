package companion

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
	"fullscript-companion/backend/store"
)

// opener plays the system browser for OpenInBrowser: it keeps what it was given.
type opener struct {
	urls []string
	fail error
}

func (o *opener) open(u string) error {
	if o.fail != nil {
		return o.fail
	}
	o.urls = append(o.urls, u)
	return nil
}

func (w *world) lastLink() (kind, practitioner, entry, email, id string) {
	links := w.sb.Snapshot().Links
	if len(links) == 0 {
		return
	}
	l := links[len(links)-1]
	if l.Patient != nil {
		email, id = l.Patient.Email, l.Patient.ID
	}
	return l.Kind, l.PractitionerID, l.Entrypoint, email, id
}

func (w *world) patient(query string, accountID string) Patient {
	w.t.Helper()
	pg, err := w.svc.SearchPatients(context.Background(), accountID, query, 1)
	if err != nil || len(pg.Patients) == 0 {
		w.t.Fatalf("search %q: %v", query, err)
	}
	return pg.Patients[0]
}

func TestOpenInBrowserAsksForTheRightLink(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("ada.moss@example.com")
	ctx := context.Background()
	amos := w.patient("kline", a.ID)
	byID := Patient{ID: amos.ID}
	typed := Patient{FirstName: "Nova", LastName: "Quill", Email: "nova.quill@example.com", Sex: "female"}
	tests := []struct {
		name                 string
		feature              string
		patient              *Patient
		kind, entry, email   string
		id                   string
		wantPatient, summary string
	}{
		{"a plan for a known patient: the gateway by id (a draft matches by email, which a family may share)", FeatureTreatmentPlan, &amos, "gateway", "catalog", "", amos.ID, "Amos Kline", "Treatment plan opened in the browser"},
		{"a plan for a patient known by id only: the gateway finds them", FeatureTreatmentPlan, &byID, "gateway", "catalog", "", amos.ID, "", "Treatment plan opened in the browser"},
		{"a plan for a patient typed in: draft with their details", FeatureTreatmentPlan, &typed, "draft", "catalog", typed.Email, "", "Nova Quill", "Treatment plan opened in the browser"},
		{"a plan for nobody yet: the generic new plan", FeatureTreatmentPlan, nil, "draft", "catalog", "", "", "", "Treatment plan opened in the browser"},
		{"catalog for a patient: the gateway by id", FeatureCatalog, &amos, "gateway", "catalog", "", amos.ID, "Amos Kline", "Catalog opened in the browser"},
		{"labs, clinic-wide", FeatureLabs, nil, "gateway", "labs", "", "", "", "Labs opened in the browser"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &opener{}
			before, _ := w.svc.History(ctx, a.ID)
			got, err := w.svc.OpenInBrowser(ctx, BrowserRequest{AccountID: a.ID, Feature: tt.feature, Patient: tt.patient}, o.open)
			if err != nil {
				t.Fatal(err)
			}
			if len(o.urls) != 1 || !strings.HasPrefix(o.urls[0], w.base+"/redirect/treatment_plan?link=") {
				t.Fatalf("the browser got %q", o.urls)
			}
			kind, prac, entry, email, id := w.lastLink()
			if kind != tt.kind || prac != a.UserID || entry != tt.entry || email != tt.email || (tt.id != "" && tt.kind == "gateway" && id != tt.id) {
				t.Errorf("link asked: %s for %s at %s, patient %q %q; want %s at %s, %q %q", kind, prac, entry, email, id, tt.kind, tt.entry, tt.email, tt.id)
			}
			if got.Person != "Dr. Ada Moss" || got.Clinic != "Riverside Wellness Clinic" || got.Patient != tt.wantPatient || got.Screen != screenNames[tt.feature] {
				t.Errorf("opened = %+v", got)
			}
			after, _ := w.svc.History(ctx, a.ID)
			if len(after) != len(before)+1 || after[0].Kind != store.HistoryOpenedInBrowser || after[0].Summary != tt.summary || after[0].PatientName != tt.wantPatient {
				t.Errorf("history = %+v", after[0])
			}
		})
	}
	// Every click asks again: two opens, two links.
	o := &opener{}
	for range 2 {
		if _, err := w.svc.OpenInBrowser(ctx, BrowserRequest{AccountID: a.ID, Feature: FeatureLabs}, o.open); err != nil {
			t.Fatal(err)
		}
	}
	if len(o.urls) != 2 || o.urls[0] == o.urls[1] {
		t.Errorf("links were reused: %q", o.urls)
	}
	// No link reaches the log.
	for _, u := range o.urls {
		if tok := strings.TrimPrefix(u, w.base+"/redirect/treatment_plan?link="); strings.Contains(w.log.String(), tok) {
			t.Error("a redirect link is in the log")
		}
	}
}

func TestOpenInBrowserBadInputLosesNothing(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("ada.moss@example.com")
	sam := w.signIn("sam.rivera@example.com")
	ctx := context.Background()
	links := func() int { return len(w.sb.Snapshot().Links) }
	history := func(id string) int { h, _ := w.svc.History(ctx, id); return len(h) }

	tests := []struct {
		name    string
		req     BrowserRequest
		opener  *opener
		want    string
		isUsage bool
		madeOne bool
	}{
		{"a patient with neither id nor email", BrowserRequest{AccountID: a.ID, Feature: FeatureTreatmentPlan, Patient: &Patient{FirstName: "Nameless"}}, &opener{}, "neither a Fullscript id nor an email", true, false},
		{"staff, no practitioner chosen", BrowserRequest{AccountID: sam.ID, Feature: FeatureTreatmentPlan}, &opener{}, "Choose the practitioner this plan is for", true, false},
		{"an unknown screen", BrowserRequest{AccountID: a.ID, Feature: "orders"}, &opener{}, "not a Fullscript screen", true, false},
		{"the browser does not open", BrowserRequest{AccountID: a.ID, Feature: FeatureTreatmentPlan}, &opener{fail: errors.New("xdg-open: no method available")}, "Your browser did not open", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l0, h0 := links(), history(tt.req.AccountID)
			_, err := w.svc.OpenInBrowser(ctx, tt.req, tt.opener.open)
			v := ViewOf(err)
			if err == nil || !strings.Contains(v.Message, tt.want) || v.Fix == "" || errors.Is(err, ErrUsage) != tt.isUsage {
				t.Fatalf("err = %v (view %+v), want %q", err, v, tt.want)
			}
			if made := links() > l0; made != tt.madeOne {
				t.Errorf("a link was asked for: %v, want %v", made, tt.madeOne)
			}
			if history(tt.req.AccountID) != h0 {
				t.Error("History says it opened")
			}
			// Only a browser that would not open offers copying the link instead.
			if (v.Code == CodeBrowserNotOpened) != tt.madeOne {
				t.Errorf("code %q", v.Code)
			}
		})
	}

	// The staff member chooses the practitioner; the link is theirs.
	pracs, err := w.svc.Practitioners(ctx, sam.ID)
	if err != nil || len(pracs) != 2 {
		t.Fatalf("practitioners: %+v %v", pracs, err)
	}
	ben := pracs[1]
	if ben.Name != "Dr. Ben Okafor" {
		t.Fatalf("second practitioner %+v", ben)
	}
	if err := w.svc.SetPrescriber(ctx, sam.ID, ben.ID); err != nil {
		t.Fatal(err)
	}
	got, err := w.svc.OpenInBrowser(ctx, BrowserRequest{AccountID: sam.ID, Feature: FeatureTreatmentPlan}, (&opener{}).open)
	if _, prac, _, _, _ := w.lastLink(); err != nil || prac != ben.ID || got.For != "Dr. Ben Okafor" {
		t.Errorf("staff link: for %q (%v), practitioner %s", got.For, err, prac)
	}
	if h, _ := w.svc.History(ctx, sam.ID); len(h) == 0 || h[0].Summary != "Treatment plan opened in the browser for Dr. Ben Okafor" {
		t.Errorf("staff history: %+v", h)
	}
	if err := w.svc.SetPrescriber(ctx, a.ID, ben.ID); !errors.Is(err, ErrUsage) {
		t.Errorf("a practitioner choosing a prescriber: %v", err)
	}
	// A practitioner chosen who left the clinic is said so.
	if err := w.svc.SetPrescriber(ctx, sam.ID, "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.OpenInBrowser(ctx, BrowserRequest{AccountID: sam.ID, Feature: FeatureLabs}, (&opener{}).open); !strings.Contains(ViewOf(err).Message, "no longer one of") {
		t.Errorf("a practitioner no longer there: %v", err)
	}
}

func TestBrowserLinksWithoutTheScope(t *testing.T) {
	w := newWorld(t, sandbox.Config{Scopes: "catalog:read clinic:read patients:read patients:write"})
	a := w.signIn("")
	ctx := context.Background()
	_, err := w.svc.OpenInBrowser(ctx, BrowserRequest{AccountID: a.ID, Feature: FeatureLabs}, (&opener{}).open)
	v := ViewOf(err)
	if !strings.Contains(v.Message, "clinic:write") || !strings.Contains(v.Fix, "Sign in again") || !strings.Contains(v.Fix, "API Dashboard") {
		t.Errorf("missing scope: %+v", v)
	}
	r, err := w.svc.CheckConnection(ctx, a.ID, "wails://wails")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range r.Checks {
		if c.Name == "Browser links" {
			found = true
			if c.Status != "failed" || !strings.Contains(c.Message, "clinic:write") {
				t.Errorf("Diagnostics: %+v", c)
			}
		}
	}
	if !found {
		t.Errorf("no Browser links check: %+v", r.Checks)
	}
}

// activateInBrowser plays the person on a Redirect page: signs the browser
// in as userID, adds the first product and activates the plan.
func activateInBrowser(t *testing.T, link, userID string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	read := func(res *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return string(body)
	}
	between := func(s, start, end string) string {
		_, after, _ := strings.Cut(s, start)
		v, _, _ := strings.Cut(after, end)
		return v
	}
	page := read(b.Get(link))
	u, _ := url.Parse(link)
	base := u.Scheme + "://" + u.Host
	page = read(b.PostForm(base+"/redirect/sign_in", url.Values{"link": {between(page, `name="link" value="`, `"`)}, "user_id": {userID}}))
	session, variant := between(page, `data-session="`, `"`), between(page, `data-kind="product" data-id="`, `"`)
	if session == "" || variant == "" {
		t.Fatalf("no plan builder after signing in:\n%s", page)
	}
	body := `{"session":"` + session + `","variant_ids":["` + variant + `"]}`
	res, err := b.Post(base+"/api/embeddable/session/actions/activate", "application/json", bytes.NewBufferString(body))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("activate: %v %v", res, err)
	}
	res.Body.Close()
}

func TestPatientPlansOnlineThenSaved(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("ada.moss@example.com")
	ctx := context.Background()
	amos := w.patient("kline", a.ID)
	if p, err := w.svc.PatientPlans(ctx, a.ID, amos.ID); err != nil || len(p.Plans) != 0 || p.Saved {
		t.Fatalf("no plans yet: %+v %v", p, err)
	}
	link, _, err := w.svc.BrowserLink(ctx, BrowserRequest{AccountID: a.ID, Feature: FeatureTreatmentPlan, Patient: &amos})
	if err != nil {
		t.Fatal(err)
	}
	activateInBrowser(t, link, a.UserID)

	p, err := w.svc.PatientPlans(ctx, a.ID, amos.ID)
	if err != nil || len(p.Plans) != 1 || p.Saved {
		t.Fatalf("after the plan in the browser: %+v %v", p, err)
	}
	plan := p.Plans[0]
	if plan.State != "active" || plan.Prescriber != "Dr. Ada Moss" || len(plan.Products) != 1 || plan.Products[0] != "Magnesium Glycinate" || plan.CreatedAt.IsZero() {
		t.Errorf("plan = %+v", plan)
	}
	inv, err := w.svc.PlanInvitationURL(ctx, a.ID, plan.ID)
	if err != nil || !strings.HasPrefix(inv, w.base+"/invitation?plan=") {
		t.Errorf("invitation: %q %v", inv, err)
	}
	// A staff member's plans list names the practitioner from the clinic's list.
	sam := w.signIn("sam.rivera@example.com")
	if p, err := w.svc.PatientPlans(ctx, sam.ID, amos.ID); err != nil || len(p.Plans) != 1 || p.Plans[0].Prescriber != "Dr. Ada Moss" {
		t.Errorf("staff sees: %+v %v", p, err)
	}

	// Offline: the last copy, with its date, and why.
	fetched := p.FetchedAt
	w.advance(time.Hour)
	w.stopSandbox()
	saved, err := w.svc.PatientPlans(ctx, a.ID, amos.ID)
	if err != nil || !saved.Saved || len(saved.Plans) != 1 || saved.Plans[0].ID != plan.ID || !saved.FetchedAt.Equal(fetched) || saved.Note == "" {
		t.Errorf("offline: %+v %v", saved, err)
	}
	// A patient never fetched has nothing to show offline: the reason, not an empty list.
	if _, err := w.svc.PatientPlans(ctx, a.ID, "never-fetched"); !errors.Is(err, ErrOffline) {
		t.Errorf("never fetched, offline: %v", err)
	}
}

func TestHowFullscriptOpens(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	choice := func(origin string) OpenChoice {
		t.Helper()
		c, err := w.svc.HowFullscriptOpens(ctx, a.ID, origin)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := choice("wails://wails"); c.Setting != OpenAutomatic || c.Opens != OpenInWindow || !strings.Contains(c.Reason, "built-in sandbox") {
		t.Errorf("automatic, allowed origin: %+v", c)
	}
	if c := choice("http://localhost:9999"); c.Opens != OpenInBrowser || !strings.Contains(c.Reason, "does not show its screens") {
		t.Errorf("automatic, an origin not on the list: %+v", c)
	}
	// Asked once per run: a second question makes no request.
	before := len(w.sb.Snapshot().Events)
	choice("wails://wails")
	if after := len(w.sb.Snapshot().Events); after != before {
		t.Errorf("the frame check ran again (%d Embed page requests)", after-before)
	}
	for _, mode := range []string{OpenInBrowser, OpenInWindow} {
		if err := w.svc.SetOpenMode(ctx, "local", mode); err != nil {
			t.Fatal(err)
		}
		if c := choice("http://localhost:9999"); c.Setting != mode || c.Opens != mode {
			t.Errorf("set to %s: %+v", mode, c)
		}
	}
	if err := w.svc.SetOpenMode(ctx, "local", "sideways"); !errors.Is(err, ErrUsage) {
		t.Errorf("bad mode: %v", err)
	}
	if err := w.svc.SetOpenMode(ctx, "mars", OpenInBrowser); !errors.Is(err, ErrUsage) {
		t.Errorf("bad environment: %v", err)
	}
	// Settings shows and saves it.
	v, err := w.svc.SaveSettings(ctx, SettingsInput{Environment: "local", Name: "local", OpenMode: OpenAutomatic})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range v.Environments {
		if e.Name == "local" && e.OpenMode != OpenAutomatic {
			t.Errorf("settings view: %+v", e)
		}
	}
	if errs := ValidateSettings(SettingsInput{Environment: "local", OpenMode: "tab"}); len(errs) != 1 || errs[0].Field != "openMode" {
		t.Errorf("validation: %+v", errs)
	}

	// A sandbox that frames as production does: Automatic goes to the browser.
	p := newWorld(t, sandbox.Config{ProductionOrigins: true})
	pa := p.signIn("")
	c, err := p.svc.HowFullscriptOpens(ctx, pa.ID, "wails://wails")
	if err != nil || c.Opens != OpenInBrowser {
		t.Errorf("production origins: %+v %v", c, err)
	}
	if s, err := p.svc.EmbedFrameCheck(ctx, pa.ID, "wails://wails"); err != nil || s != frameRefused {
		t.Errorf("frame check: %q %v", s, err)
	}
}
