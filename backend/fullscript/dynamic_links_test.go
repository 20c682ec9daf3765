package fullscript

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"fullscript-companion/backend/sandbox"
)

func TestDynamicLinksAgainstTheSandbox(t *testing.T) {
	e := newTestEnv(t)
	ada := e.signIn("ada.moss@example.com")
	sam := e.signIn("sam.rivera@example.com")
	ben := e.userID("ben.okafor@example.com", 0)
	amos := firstPatient(t, e, ada.access, "kline")

	tests := []struct {
		name                      string
		call                      func() (DynamicLink, error)
		kind, practitioner, entry string
		patientEmail, patientID   string
	}{
		{"practitioner, draft for a patient", func() (DynamicLink, error) {
			return e.client.DraftTreatmentPlanLink(ctxT(t), ada.access, ada.userID, &LinkPatient{Email: amos.Email, FirstName: amos.FirstName, LastName: amos.LastName})
		}, "draft", ada.userID, "catalog", amos.Email, ""},
		{"practitioner, generic new plan", func() (DynamicLink, error) {
			return e.client.NewTreatmentPlanLink(ctxT(t), ada.access, ada.userID)
		}, "draft", ada.userID, "catalog", "", ""},
		{"staff, for the practitioner chosen", func() (DynamicLink, error) {
			return e.client.DraftTreatmentPlanLink(ctxT(t), sam.access, ben, &LinkPatient{Email: amos.Email})
		}, "draft", ben, "catalog", amos.Email, ""},
		{"gateway without a patient, catalog", func() (DynamicLink, error) {
			return e.client.GatewayTreatmentPlanLink(ctxT(t), ada.access, ada.userID, nil, "")
		}, "gateway", ada.userID, "catalog", "", ""},
		{"gateway by id into labs", func() (DynamicLink, error) {
			return e.client.GatewayTreatmentPlanLink(ctxT(t), ada.access, ada.userID, &LinkPatient{ID: amos.ID}, EntrypointLabs)
		}, "gateway", ada.userID, "labs", "", amos.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link, err := tt.call()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(link.RedirectURL, e.base+"/redirect/treatment_plan?link=") || link.ID == "" {
				t.Errorf("link = %+v", link)
			}
			if strings.Contains(fmt.Sprint(link), link.RedirectURL) {
				t.Error("fmt.Sprint(link) prints the redirect URL")
			}
			// What the sandbox received: the body the client sent.
			links := e.sb.Snapshot().Links
			got := links[len(links)-1]
			email, id := "", ""
			if got.Patient != nil {
				email, id = got.Patient.Email, got.Patient.ID
			}
			if got.ID != link.ID || got.Kind != tt.kind || got.PractitionerID != tt.practitioner || got.Entrypoint != tt.entry || email != tt.patientEmail || id != tt.patientID {
				t.Errorf("sandbox got %+v (patient %q %q), want %s for %s at %s, patient %q %q", got, email, id, tt.kind, tt.practitioner, tt.entry, tt.patientEmail, tt.patientID)
			}
		})
	}

	// Fullscript's validation comes back as an APIError with its words.
	_, err := e.client.DraftTreatmentPlanLink(ctxT(t), ada.access, ben, nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 422 || !strings.Contains(err.Error(), "only create links for themselves") {
		t.Errorf("a practitioner's link for someone else: %v", err)
	}
}

func TestDynamicLinkRefusedForAMissingScope(t *testing.T) {
	e := newTestEnvWith(t, sandbox.Config{AutoApprove: true, Scopes: "clinic:read patients:read patients:write"})
	ada := e.signIn("")
	_, err := e.client.NewTreatmentPlanLink(ctxT(t), ada.access, ada.userID)
	if !IsForbidden(err) || !strings.Contains(err.Error(), "clinic:write") {
		t.Fatalf("want a 403 naming clinic:write, got %v", err)
	}
	var ae *APIError
	if errors.As(err, &ae); ae.Code != "insufficient_scope" {
		t.Errorf("code = %q", ae.Code)
	}
}

func TestDynamicLinkCheckedBeforeSending(t *testing.T) {
	e := newTestEnv(t)
	ada := e.signIn("")
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"draft patient without email", func() error {
			_, err := e.client.DraftTreatmentPlanLink(ctxT(t), ada.access, ada.userID, &LinkPatient{ID: "p-1", FirstName: "Amos"})
			return err
		}, "use the gateway link"},
		{"no practitioner", func() error { _, err := e.client.NewTreatmentPlanLink(ctxT(t), ada.access, " "); return err }, "must choose the practitioner"},
		{"gateway, no id or email", func() error {
			_, err := e.client.GatewayTreatmentPlanLink(ctxT(t), ada.access, ada.userID, &LinkPatient{FirstName: "A"}, "")
			return err
		}, "an id or an email"},
		{"gateway, bad entrypoint", func() error {
			_, err := e.client.GatewayTreatmentPlanLink(ctxT(t), ada.access, ada.userID, &LinkPatient{ID: "p"}, "shop")
			return err
		}, "neither catalog nor labs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if n := len(e.sb.Snapshot().Links); n != 0 {
		t.Errorf("%d links made: a refused request was sent", n)
	}
}

func TestDynamicLinkReplyShapes(t *testing.T) {
	const secretish = "https://us.fullscript.com/o/abc123?token=one-time"
	tests := []struct {
		name, body string
		want       string // "" = malformed
	}{
		{"nested in dynamic_link", `{"dynamic_link":{"id":"l-1","redirect_url":"` + secretish + `"}}`, secretish},
		{"at the top", `{"id":"l-1","redirect_url":"` + secretish + `"}`, secretish},
		{"deeper, numeric id", `{"data":{"attributes":{"id":7,"redirect_url":"` + secretish + `"}}}`, secretish},
		{"two at one depth: the first key's, every time", `{"b":{"redirect_url":"https://b.fullscript.com/o/abc123"},"a":{"redirect_url":"` + secretish + `"}}`, secretish},
		{"an upper-case scheme, written back", `{"redirect_url":"HTTPS://us.fullscript.com/o/abc123?token=one-time"}`, secretish},
		{"another Fullscript host", `{"redirect_url":"https://app.fullscript.com/o/abc123"}`, "https://app.fullscript.com/o/abc123"},
		{"a look-alike host", `{"redirect_url":"https://us.fullscript.com.evil.example/o/abc123"}`, ""},
		{"user info before another host", `{"redirect_url":"https://us.fullscript.com@evil.example/o/abc123"}`, ""},
		{"a space (an opener could split it)", `{"redirect_url":"https://us.fullscript.com/o/abc123 --new-window"}`, ""},
		{"non-ASCII", `{"redirect_url":"https://us.fullscript.com/o/abc123 x"}`, ""},
		{"missing", `{"dynamic_link":{"id":"l-1"}}`, ""},
		{"empty", `{"redirect_url":""}`, ""},
		{"not a string", `{"redirect_url":{"href":"` + secretish + `"}}`, ""},
		{"javascript", `{"redirect_url":"javascript:alert(1)"}`, ""},
		{"another app's scheme", `{"redirect_url":"ms-settings:privacy"}`, ""},
		{"relative", `{"redirect_url":"/o/abc123"}`, ""},
		{"plain http off loopback", `{"redirect_url":"http://us.fullscript.com/o/abc123?token=one-time"}`, ""},
		{"not an object", `["` + secretish + `"]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.client.LinkHosts = Environment{EmbedDomain: "https://us.fullscript.com", APIBase: "https://api-us.fullscript.com/api"}.LinkHosts()
			ada := e.signIn("")
			e.fault(sandbox.Fault{Path: "/api/clinic/dynamic_links/treatment_plans", Kind: "status", Status: 201, Body: tt.body, Count: 1})
			link, err := e.client.NewTreatmentPlanLink(ctxT(t), ada.access, ada.userID)
			if tt.want == "" {
				if !errors.Is(err, ErrMalformedReply) {
					t.Fatalf("want ErrMalformedReply, got %v (%+v)", err, link)
				}
				if strings.Contains(err.Error(), "abc123") || strings.Contains(err.Error(), "alert") {
					t.Errorf("the error quotes the URL: %v", err)
				}
				return
			}
			if err != nil || link.RedirectURL != tt.want {
				t.Fatalf("got %q, %v; want %q", link.RedirectURL, err, tt.want)
			}
		})
	}
}

// firstPatient is the first search hit for query.
func firstPatient(t *testing.T, e *testEnv, access, query string) Patient {
	t.Helper()
	pg, err := e.client.SearchPatients(ctxT(t), access, query, 1, 1)
	if err != nil || len(pg.Patients) == 0 {
		t.Fatalf("search %q: %v", query, err)
	}
	return pg.Patients[0]
}

func TestLinkHosts(t *testing.T) {
	us, _ := KnownEnvironment(EnvUS)
	if got := us.LinkHosts(); !slices.Equal(got, []string{"us.fullscript.com", "*.fullscript.com", "api-us.fullscript.com"}) {
		t.Errorf("us: %q", got)
	}
	local := Environment{EmbedDomain: "http://127.0.0.1:8787", APIBase: "http://127.0.0.1:8787/api"}
	if got := local.LinkHosts(); !slices.Equal(got, []string{"127.0.0.1"}) {
		t.Errorf("local: %q", got)
	}
	// With no hosts given, a client takes its API's host only.
	c := &Client{APIBase: "https://api.clinic-proxy.example/api"}
	if _, err := c.linkHosts().check("https://other.example/x"); err == nil {
		t.Error("a link off the API's host passed")
	}
	if got, err := c.linkHosts().check("https://api.clinic-proxy.example/x"); err != nil || got != "https://api.clinic-proxy.example/x" {
		t.Errorf("the API's own host: %q %v", got, err)
	}
}
