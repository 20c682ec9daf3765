package fullscript

import (
	"errors"
	"slices"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

func TestTreatmentPlanShapes(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		body string
		want TreatmentPlan
	}{
		{"the sandbox's shape", `{"treatment_plans":[{"id":"tp-1","state":"active","created_at":"2030-01-02T03:04:05.000Z",
			"patient":{"id":"p-1"},"practitioner":{"id":"u-1"},
			"recommendations":[{"variant_id":"v-1","variant":{"id":"v-1","name":"Magnesium"}},{"variant_id":"v-2"}],
			"lab_recommendations":[{"id":"l-1","name":"Lipid Panel"}]}]}`,
			TreatmentPlan{ID: "tp-1", State: "active", CreatedAt: at, PatientID: "p-1", PractitionerID: "u-1", Products: []string{"Magnesium"}, ProductCount: 2, Labs: []string{"Lipid Panel"}}},
		{"flat ids, current_state, names elsewhere", `{"treatment_plans":[{"id":5,"current_state":"draft","patient_id":"p-1","practitioner_id":"u-1",
			"recommendations":[{"product_name":"Zinc"},{"variant":{"product":{"name":"Omega-3"}}},{"product":{"name":"Iron"}},{"name":"B12"}]}]}`,
			TreatmentPlan{ID: "5", State: "draft", PatientID: "p-1", PractitionerID: "u-1", Products: []string{"Zinc", "Omega-3", "Iron", "B12"}, ProductCount: 4}},
		{"only the active flag", `{"treatment_plans":[{"id":"tp-2","active":false}]}`, TreatmentPlan{ID: "tp-2", State: "inactive"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			ada := e.signIn("")
			e.fault(sandbox.Fault{Path: "/api/clinic/patients/p-1/treatment_plans", Kind: "status", Status: 200, Body: tt.body, Count: 1})
			pg, err := e.client.PatientTreatmentPlans(ctxT(t), ada.access, "p-1", 1, 0)
			if err != nil || len(pg.Plans) != 1 {
				t.Fatalf("%+v %v", pg, err)
			}
			got := pg.Plans[0]
			if got.ID != tt.want.ID || got.State != tt.want.State || !got.CreatedAt.Equal(tt.want.CreatedAt) || got.PatientID != tt.want.PatientID ||
				got.PractitionerID != tt.want.PractitionerID || !slices.Equal(got.Products, tt.want.Products) || got.ProductCount != tt.want.ProductCount ||
				!slices.Equal(got.Labs, tt.want.Labs) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	for name, body := range map[string]string{
		"no list":        `{"plans":[]}`,
		"a plan, no id":  `{"treatment_plans":[{"state":"active"}]}`,
		"a plan, a list": `{"treatment_plans":[[1]]}`,
	} {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t)
			ada := e.signIn("")
			e.fault(sandbox.Fault{Path: "/api/clinic/patients/p-1/treatment_plans", Kind: "status", Status: 200, Body: body, Count: 1})
			if _, err := e.client.PatientTreatmentPlans(ctxT(t), ada.access, "p-1", 1, 0); !errors.Is(err, ErrMalformedReply) {
				t.Errorf("want ErrMalformedReply, got %v", err)
			}
		})
	}
}

func TestTreatmentPlansAgainstTheSandbox(t *testing.T) {
	e := newTestEnv(t)
	ada := e.signIn("ada.moss@example.com")
	amos := firstPatient(t, e, ada.access, "kline")
	pg, err := e.client.PatientTreatmentPlans(ctxT(t), ada.access, amos.ID, 1, 10)
	if err != nil || len(pg.Plans) != 0 || pg.Page.TotalCount != 0 {
		t.Fatalf("a patient with no plans: %+v %v", pg, err)
	}
	if _, err := e.client.PatientTreatmentPlans(ctxT(t), ada.access, "no-such-patient", 1, 10); !IsNotFound(err) {
		t.Errorf("unknown patient: %v", err)
	}
	if _, err := e.client.TreatmentPlan(ctxT(t), ada.access, "no-such-plan"); !IsNotFound(err) {
		t.Errorf("unknown plan: %v", err)
	}
	if _, err := e.client.TreatmentPlan(ctxT(t), ada.access, ".."); err == nil {
		t.Error("a path-changing id was sent")
	}
	pracs, page, err := e.client.ListPractitioners(ctxT(t), ada.access, 1, 100)
	if err != nil || len(pracs) != 2 || page.TotalCount != 2 {
		t.Fatalf("practitioners: %+v %+v %v", pracs, page, err)
	}
	for _, p := range pracs {
		if p.Type != UserPractitioner || p.ID == "" || p.LastName == "" {
			t.Errorf("practitioner %+v", p)
		}
	}
}

func TestTreatmentPlanInvitationIsAWebAddressOfFullscript(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://us.fullscript.com/welcome/abc", "https://us.fullscript.com/welcome/abc"},
		{"javascript:alert(1)", ""},
		{"https://fullscript.example.net/welcome/abc", ""},
	}
	for _, tt := range tests {
		e := newTestEnv(t)
		e.client.LinkHosts = []string{"*.fullscript.com"}
		ada := e.signIn("")
		e.fault(sandbox.Fault{Path: "/api/clinic/treatment_plans/tp-1", Kind: "status", Status: 200, Count: 1,
			Body: `{"treatment_plan":{"id":"tp-1","state":"active","invitation_url":"` + tt.url + `"}}`})
		p, err := e.client.TreatmentPlan(ctxT(t), ada.access, "tp-1")
		if err != nil || p.InvitationURL != tt.want {
			t.Errorf("%s: got %q (%v), want %q", tt.url, p.InvitationURL, err, tt.want)
		}
	}
}
