package companion

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

func TestSearchPatientsAndRecents(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	all, err := w.svc.SearchPatients(context.Background(), a.ID, "", 1)
	if err != nil || len(all.Patients) != patientPageSize || all.TotalCount != 36 || all.TotalPages != 2 {
		t.Fatalf("list: %+v %v", all, err)
	}
	hits, err := w.svc.SearchPatients(context.Background(), a.ID, "kline", 1)
	if err != nil || len(hits.Patients) == 0 || hits.Patients[0].LastName != "Kline" || hits.Patients[0].ID == "" {
		t.Fatalf("search: %+v %v", hits, err)
	}
	if recents, _ := w.svc.RecentPatients(context.Background(), a.ID); len(recents) != 0 {
		t.Errorf("recents before any plan: %v", recents)
	}
	p := hits.Patients[0]
	if got, err := w.svc.PatientByID(context.Background(), a.ID, p.ID); err != nil || got != p {
		t.Errorf("patient by id = %+v, %v; want %+v", got, err, p)
	}
	if _, err := w.svc.PatientByID(context.Background(), a.ID, "no-such-id"); !errors.Is(err, ErrUsage) {
		t.Errorf("unknown patient: %v", err)
	}
	if err := w.svc.RememberPatient(context.Background(), a.ID, p); err != nil {
		t.Fatal(err)
	}
	typed := Patient{FirstName: "Nadia", LastName: "Haddad", Email: "Nadia.H@example.com"}
	if err := w.svc.RememberPatient(context.Background(), a.ID, typed); err != nil {
		t.Fatal(err)
	}
	w.stopSandbox() // recents work offline
	recents, err := w.svc.RecentPatients(context.Background(), a.ID)
	if err != nil || len(recents) != 2 || recents[0].Email != typed.Email || recents[1].ID != p.ID {
		t.Errorf("recents = %+v, %v", recents, err)
	}
	if _, err := w.svc.SearchPatients(context.Background(), a.ID, "kline", 1); !errors.Is(err, ErrOffline) {
		t.Errorf("search offline: %v, want ErrOffline", err)
	}
}

func TestValidatePatient(t *testing.T) {
	today := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	good := Patient{FirstName: "Amos", LastName: "Kline", Email: "amos@example.com", DateOfBirth: "1990-01-02", Sex: "male", MobileNumber: "+16045550123"}
	tests := []struct {
		name  string
		edit  func(p *Patient)
		field string
	}{
		{name: "valid", edit: func(*Patient) {}},
		{name: "no first name", edit: func(p *Patient) { p.FirstName = " " }, field: "firstName"},
		{name: "no last name", edit: func(p *Patient) { p.LastName = "" }, field: "lastName"},
		{name: "no email", edit: func(p *Patient) { p.Email = "" }, field: "email"},
		{name: "bad email", edit: func(p *Patient) { p.Email = "amos@example" }, field: "email"},
		{name: "email with a name", edit: func(p *Patient) { p.Email = "Amos <amos@example.com>" }, field: "email"},
		{name: "date not iso", edit: func(p *Patient) { p.DateOfBirth = "02/01/1990" }, field: "dateOfBirth"},
		{name: "born tomorrow", edit: func(p *Patient) { p.DateOfBirth = "2026-11-30" }, field: "dateOfBirth"},
		{name: "born in 1850", edit: func(p *Patient) { p.DateOfBirth = "1850-01-01" }, field: "dateOfBirth"},
		{name: "sex", edit: func(p *Patient) { p.Sex = "m" }, field: "sex"},
		{name: "mobile without country code", edit: func(p *Patient) { p.MobileNumber = "6045550123" }, field: "mobileNumber"},
		{name: "mobile with spaces is fine", edit: func(p *Patient) { p.MobileNumber = "+1 604 555 0123" }},
	}
	for _, tt := range tests {
		p := good
		tt.edit(&p)
		errs := ValidatePatient(p, today)
		switch {
		case tt.field == "" && len(errs) > 0:
			t.Errorf("%s: %v, want none", tt.name, errs)
		case tt.field != "" && (len(errs) != 1 || errs[0].Field != tt.field || errs[0].Message == ""):
			t.Errorf("%s: %v, want one error on %s", tt.name, errs, tt.field)
		}
	}
}

// A payload as fullscript-js hands it to feature.on callbacks (what the
// sandbox's Embed page posts).
func planPayload(eventID, planID, patientID string) map[string]any {
	return map[string]any{
		"id": eventID, "type": EventPlanActivated, "createdAt": "2026-11-29T12:00:00.000Z", "clinicId": "c",
		"oauth": map[string]any{"clientId": "x"},
		"data": map[string]any{"treatmentPlan": map[string]any{
			"id": planID, "state": "active",
			"patient":            map[string]any{"id": patientID, "firstName": "Amos", "lastName": "Kline", "email": "amos@example.com"},
			"recommendations":    []any{map[string]any{"variantId": "v1"}, map[string]any{"variantId": "v2"}},
			"labRecommendations": []any{map[string]any{"id": "l1"}},
		}},
	}
}

func TestRecordEmbedEventsIntoHistory(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	e, err := w.svc.RecordEmbedEvent(context.Background(), a.ID, planPayload("ev-1", "plan-1", "pat-1"))
	if err != nil {
		t.Fatal(err)
	}
	// A plan Fullscript does not know (or cannot be asked about): counts.
	if e.Kind != EventPlanActivated || e.PlanID != "plan-1" || e.PatientName != "Amos Kline" || e.Summary != "2 products; 1 lab" {
		t.Errorf("entry = %+v", e)
	}
	// The same event again (a re-render, a retry) is stored once.
	if _, err := w.svc.RecordEmbedEvent(context.Background(), a.ID, planPayload("ev-1", "plan-1", "pat-1")); err != nil {
		t.Fatal(err)
	}
	sel := map[string]any{"id": "ev-2", "type": EventPatientSelected, "data": map[string]any{"patient": map[string]any{"id": "pat-2", "firstNane": "Bea", "lastName": "Marsh", "gender": "female"}}}
	if _, err := w.svc.RecordEmbedEvent(context.Background(), a.ID, sel); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.RecordEmbedEvent(context.Background(), a.ID, map[string]any{"type": "order.checkoutStarted"}); !errors.Is(err, ErrUsage) {
		t.Errorf("unknown event: %v", err)
	}
	w.stopSandbox() // history works offline
	h, err := w.svc.History(context.Background(), a.ID)
	if err != nil || len(h) != 2 || h[0].Kind != EventPatientSelected || h[0].PatientName != "Bea Marsh" || h[1].PlanID != "plan-1" {
		t.Fatalf("history = %+v, %v", h, err)
	}
	recents, _ := w.svc.RecentPatients(context.Background(), a.ID)
	if len(recents) != 2 || recents[0].Sex != "female" {
		t.Errorf("recents from events = %+v", recents)
	}
}

func TestSettingsSaveAndValidate(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	ctx := context.Background()
	in := SettingsInput{Environment: "us-snd", Name: "us-snd", ClientID: "cid", ClientSecret: "sekret-value-123", PublicKey: "pk_1", RedirectURI: "http://127.0.0.1:8765/callback"}
	v, err := w.svc.SaveSettings(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var us EnvironmentSettings
	for _, e := range v.Environments {
		if e.Name == "us-snd" {
			us = e
		}
	}
	if v.Environment != "us-snd" || us.ClientID != "cid" || !us.ClientSecretSet || us.RedirectURI != in.RedirectURI {
		t.Errorf("settings = %+v", v)
	}
	// An empty secret keeps the stored one; the connection uses the settings.
	in.ClientSecret, in.ClientID = "", "cid2"
	if _, err := w.svc.SaveSettings(ctx, in); err != nil {
		t.Fatal(err)
	}
	w.env = map[string]string{}
	conn, err := w.svc.connection(ctx, "us-snd", ConnectionOverrides{})
	if err != nil || conn.ClientID != "cid2" || conn.ClientSecret != "sekret-value-123" || conn.PublicKey != "pk_1" {
		t.Errorf("connection from settings: %+v %v", conn.ClientID, err)
	}
	if ov, _ := w.svc.Overview(ctx); ov.Environment != "us-snd" {
		t.Errorf("overview environment = %s", ov.Environment)
	}
	tests := []struct {
		in    SettingsInput
		field string
	}{
		{SettingsInput{Environment: "eu"}, "environment"},
		{SettingsInput{Environment: "us", Name: "us", RedirectURI: "https://example.com/cb"}, "redirectUri"},
		{SettingsInput{Environment: "us", Name: "us", RedirectURI: "http://192.168.1.5:8765/cb"}, "redirectUri"},
		{SettingsInput{Environment: "us", Name: "us", RedirectURI: "http://127.0.0.1:8765"}, "redirectUri"},
		{SettingsInput{Environment: "us", Name: "us", ClientID: "abc def"}, "clientId"},
	}
	for _, tt := range tests {
		errs := ValidateSettings(tt.in)
		if len(errs) != 1 || errs[0].Field != tt.field {
			t.Errorf("%+v: %v, want one error on %s", tt.in, errs, tt.field)
		}
		if _, err := w.svc.SaveSettings(ctx, tt.in); !errors.Is(err, ErrUsage) {
			t.Errorf("%+v saved: %v", tt.in, err)
		}
	}
}

func TestParseOpenArgs(t *testing.T) {
	tests := []struct {
		args []string
		want LaunchIntent
		err  string
	}{
		{args: []string{"--account", "Riverside", "--patient-id", "p1"}, want: LaunchIntent{Account: "Riverside", PatientID: "p1", Feature: FeatureTreatmentPlan}},
		{args: []string{"--account", "x", "--feature", "labs", "--patient-email", "a@b.c"}, want: LaunchIntent{Account: "x", PatientEmail: "a@b.c", Feature: FeatureLabs}},
		{args: []string{"--account", "x", "--in", "browser"}, want: LaunchIntent{Account: "x", Feature: FeatureTreatmentPlan, In: OpenInBrowser}},
		{args: []string{"--account", "x", "--in", "window", "--feature", "catalog"}, want: LaunchIntent{Account: "x", Feature: FeatureCatalog, In: OpenInWindow}},
		{args: []string{"--in", "tab"}, err: "use window or browser"},
		{args: []string{"--feature", "orders"}, err: "use treatment-plan, catalog or labs"},
		{args: []string{"--patient-id", "p", "--patient-email", "a@b.c"}, err: "not both"},
		{args: []string{"--patient-email", "nope"}, err: "not an email"},
		{args: []string{"stray"}, err: "flags only"},
	}
	for _, tt := range tests {
		got, err := ParseOpenArgs(tt.args)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrUsage) {
				t.Errorf("%q: %v, want %q", tt.args, err, tt.err)
			}
			continue
		}
		tt.want.Source = LaunchFromCommand
		if err != nil || got != tt.want {
			t.Errorf("%q: %+v %v, want %+v", tt.args, got, err, tt.want)
		}
	}
	// --help is not a mistake: main prints OpenUsage and exits 0.
	if _, err := ParseOpenArgs([]string{"--help"}); !errors.Is(err, flag.ErrHelp) || errors.Is(err, ErrUsage) {
		t.Errorf("--help: %v, want flag.ErrHelp", err)
	}
}

func TestCheckConnectionExplainsEachStep(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	ctx := context.Background()
	status := func(r ConnectionReport) map[string]string {
		m := map[string]string{}
		for _, c := range r.Checks {
			m[c.Name] = c.Status
		}
		return m
	}
	// The built window's origin is on the sandbox's allow-list.
	w.svc.FrontendReady(ctx, FrontendReport{Origin: "wails://wails", View: "accounts"})
	r, err := w.svc.CheckConnection(ctx, a.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Settings": "ok", "Reach Fullscript": "ok", "Redirect URI": "ok", "Embed frame": "ok", "Account access": "ok", "Browser links": "ok"}
	if got := status(r); !equalMaps(got, want) {
		t.Errorf("checks = %v\n%+v", got, r.Checks)
	}
	// The sandbox is named in the practitioner's words, not by its key ("local").
	if c := r.Checks[0]; c.Name != "Settings" || !strings.Contains(c.Message, "built-in sandbox") || strings.Contains(c.Message, "local") {
		t.Errorf("settings check = %+v", c)
	}
	// An origin not on the list is explained.
	w.svc.FrontendReady(ctx, FrontendReport{Origin: "http://localhost:34115", View: "accounts"})
	r, _ = w.svc.CheckConnection(ctx, a.ID, "")
	for _, c := range r.Checks {
		if c.Name == "Embed frame" && (c.Status != "failed" || !strings.Contains(c.Fix, "http://localhost:34115")) {
			t.Errorf("refused frame: %+v", c)
		}
	}
	// The origin the asking window gives wins over the one reported at start.
	r, _ = w.svc.CheckConnection(ctx, a.ID, "wails://wails")
	if got := status(r); got["Embed frame"] != "ok" {
		t.Errorf("the asking window's own origin: %+v", r.Checks)
	}
	// A missing scope (the API answers 403) is explained.
	if _, err := w.sb.AddFault(sandbox.Fault{Path: "/api/clinic", Method: "GET", Kind: sandbox.FaultStatus, Status: 403, Count: 5}); err != nil {
		t.Fatal(err)
	}
	r, _ = w.svc.CheckConnection(ctx, a.ID, "")
	for _, c := range r.Checks {
		if c.Name == "Account access" && (c.Status != "failed" || !strings.Contains(c.Message, "scope")) {
			t.Errorf("missing scope: %+v", c)
		}
	}
	// Checking writes nothing at Fullscript: the browser-links check reads the sign-in's scopes.
	if n := len(w.sb.Snapshot().Links); n != 0 {
		t.Errorf("Check connection made %d Redirect links", n)
	}
	// Offline: explained, the rest skipped.
	w.stopSandbox()
	r, _ = w.svc.CheckConnection(ctx, "", "")
	if got := status(r); got["Settings"] != "failed" && got["Reach Fullscript"] != "failed" {
		t.Errorf("offline checks = %+v", r.Checks)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The window's default: a sandbox inside the app, whose state survives a
// restart, so accounts signed in against it still work.
func TestEmbeddedSandboxSurvivesRestart(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	start := func() *Service {
		s := New(Options{DataDir: dataDir, KeyringOff: true, EmbeddedSandbox: true, Logger: slog.New(slog.DiscardHandler),
			Platform: Platform{GOOS: "linux", Getenv: func(string) string { return "" }, HomeDir: func() (string, error) { return "/nonexistent", nil }}})
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := start()
	url := s.embeddedSandboxURL()
	if url == "" {
		t.Fatal("no embedded sandbox")
	}
	a, err := s.SignIn(context.Background(), SignInRequest{Environment: "local", OpenBrowser: consentBrowser, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s.Shutdown(context.Background())
	if _, err := http.Get(url + "/_sandbox/info"); err == nil {
		t.Error("the embedded sandbox outlived Shutdown")
	}

	s = start()
	defer s.Shutdown(context.Background())
	if _, err := s.NewSessionGrant(context.Background(), a.ID); err != nil {
		t.Errorf("the account does not work after a restart: %v", err)
	}
}

// Issue 14, item 5: Settings, Diagnostics and Check connection agree on
// what the environment being set up still lacks, all of it at once.
func TestSettingsDiagnosticsAndCheckAgree(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	ctx := context.Background()
	a := w.signIn("") // an account of the built-in sandbox, all green
	view, err := w.svc.SaveSettings(ctx, SettingsInput{Environment: "us-snd", Name: "us-snd"})
	if err != nil {
		t.Fatal(err)
	}
	var us EnvironmentSettings
	for _, e := range view.Environments {
		if e.Name == "us-snd" {
			us = e
		}
		if e.Name == "local" && len(e.Missing) != 0 {
			t.Errorf("the built-in sandbox lacks %v", e.Missing)
		}
	}
	if want := []string{"client id", "client secret", "redirect URI", "Embed public key"}; !slices.Equal(us.Missing, want) {
		t.Errorf("saved with every field empty: missing = %v, want %v", us.Missing, want)
	}

	d, err := w.svc.Diagnostics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Environment != "us-snd" || len(d.Missing) != 4 {
		t.Errorf("Diagnostics for %s lists %d missing: %q", d.Environment, len(d.Missing), d.Missing)
	}

	// With the sandbox's account chosen, the check is still of us-snd.
	r, err := w.svc.CheckConnection(ctx, a.ID, "wails://wails")
	if err != nil {
		t.Fatal(err)
	}
	if r.Environment != "us-snd" || r.Checks[0].Status != "failed" || !strings.Contains(r.Checks[0].Message, "client id, client secret or redirect URI") {
		t.Errorf("check of %s: %+v", r.Environment, r.Checks[0])
	}

	// Add account on it: the window's way out is Settings.
	_, err = w.svc.SignIn(ctx, SignInRequest{Environment: "us-snd"})
	if v := ViewOf(err); v.Code != CodeSettingsMissing {
		t.Errorf("sign-in on an unset environment: %+v", v)
	}

	// Filled in, the gaps go.
	if _, err := w.svc.SaveSettings(ctx, SettingsInput{Environment: "us-snd", Name: "us-snd", ClientID: "id", ClientSecret: "s",
		RedirectURI: "http://127.0.0.1/callback", PublicKey: "pk"}); err != nil {
		t.Fatal(err)
	}
	view, _ = w.svc.Settings(ctx)
	for _, e := range view.Environments {
		if e.Name == "us-snd" && len(e.Missing) != 0 {
			t.Errorf("after filling in, missing = %v", e.Missing)
		}
	}
}

// Issue 14, item 8: the browser's page after a sign-in names the person
// and the clinic the app now acts as.
func TestSignInPageNamesWhoAndWhere(t *testing.T) {
	w := newWorld(t, sandbox.Config{AutoApprove: true})
	page := make(chan string, 1)
	a, err := w.svc.SignIn(context.Background(), SignInRequest{
		Environment: "local",
		Timeout:     20 * time.Second,
		OpenBrowser: func(u string) error {
			go func() {
				res, err := http.Get(u)
				if err != nil {
					page <- err.Error()
					return
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				page <- string(b)
			}()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	body := <-page
	if want := "Signed in as " + a.UserName + " at " + a.ClinicName; a.UserName == "" || !strings.Contains(body, want) {
		t.Errorf("the browser's page does not say %q:\n%s", want, body)
	}
}

// History's Details name the plan's products (from Fullscript: the event
// has variant ids only) and labs, without repeating the kind.
func TestHistoryNamesAPlansProducts(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("ada.moss@example.com")
	ctx := context.Background()
	amos := w.patient("kline", a.ID)
	link, _, err := w.svc.BrowserLink(ctx, BrowserRequest{AccountID: a.ID, Feature: FeatureTreatmentPlan, Patient: &amos})
	if err != nil {
		t.Fatal(err)
	}
	activateInBrowser(t, link, a.UserID)
	plans, err := w.svc.PatientPlans(ctx, a.ID, amos.ID)
	if err != nil || len(plans.Plans) != 1 || len(plans.Plans[0].Products) != 1 {
		t.Fatalf("plans: %+v %v", plans, err)
	}
	payload := planPayload("ev-9", plans.Plans[0].ID, amos.ID)
	payload["data"].(map[string]any)["treatmentPlan"].(map[string]any)["recommendations"] = []any{map[string]any{"variantId": "v"}}
	payload["data"].(map[string]any)["treatmentPlan"].(map[string]any)["labRecommendations"] = []any{map[string]any{"id": "l1", "name": "Vitamin D, 25-hydroxy"}}
	e, err := w.svc.RecordEmbedEvent(ctx, a.ID, payload)
	if err != nil {
		t.Fatal(err)
	}
	if want := plans.Plans[0].Products[0] + "; labs: Vitamin D, 25-hydroxy"; e.Summary != want {
		t.Errorf("summary = %q, want %q", e.Summary, want)
	}
}

// A launch goes to the page that reported ready last: under wails dev the
// dev window and the test's browser tab both hear it, and raced for the
// one-slot mailbox (the end-to-end test's 1-in-10 failure at its `open`
// handover: the dev window took the patient).
func TestTakesLaunches(t *testing.T) {
	s := New(Options{})
	if !s.TakesLaunches("wails://wails") {
		t.Error("before any page is ready, any page takes a launch")
	}
	s.FrontendReady(context.Background(), FrontendReport{Origin: "wails://wails.localhost:34115"})
	s.FrontendReady(context.Background(), FrontendReport{Origin: "http://localhost:34115"})
	if s.TakesLaunches("wails://wails.localhost:34115") || !s.TakesLaunches("http://localhost:34115") {
		t.Error("the page that loaded last takes launches, the other does not")
	}
}
