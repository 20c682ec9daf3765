package fullscript

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// TreatmentPlan is a patient's plan as the app shows it (reference 3.5,
// 6.3). Its full REST shape is unconfirmed, so every field is read from
// the names the docs and webhook examples use, and a missing one is left
// empty rather than failing the list.
type TreatmentPlan struct {
	ID             string
	State          string // active, draft, cancelled, ...
	CreatedAt      time.Time
	UpdatedAt      time.Time
	AvailableAt    time.Time
	PatientID      string
	PractitionerID string
	Products       []string // names where the reply has them, in plan order
	ProductCount   int
	Labs           []string
	// InvitationURL is the patient-facing link (the one Fullscript emails);
	// only the single-plan call has it.
	InvitationURL string
}

// PlanPage is one page of a patient's plans.
type PlanPage struct {
	Plans []TreatmentPlan
	Page  Page
}

type wireRef struct {
	ID flexString `json:"id"`
}

type wireNamed struct {
	Name    string `json:"name"`
	Product *struct {
		Name string `json:"name"`
	} `json:"product"`
}

type wireRecommendation struct {
	Name        string     `json:"name"`
	ProductName string     `json:"product_name"`
	Variant     *wireNamed `json:"variant"`
	Product     *wireNamed `json:"product"`
}

func (r wireRecommendation) name() string {
	for _, n := range []*wireNamed{r.Variant, r.Product} {
		if n == nil {
			continue
		}
		if n.Name != "" {
			return n.Name
		}
		if n.Product != nil && n.Product.Name != "" {
			return n.Product.Name
		}
	}
	if r.ProductName != "" {
		return r.ProductName
	}
	return r.Name
}

type wirePlan struct {
	ID             flexString           `json:"id"`
	State          string               `json:"state"`
	CurrentState   string               `json:"current_state"`
	Active         *bool                `json:"active"`
	CreatedAt      flexTime             `json:"created_at"`
	UpdatedAt      flexTime             `json:"updated_at"`
	AvailableAt    flexTime             `json:"available_at"`
	Patient        *wireRef             `json:"patient"`
	PatientID      flexString           `json:"patient_id"`
	Practitioner   *wireRef             `json:"practitioner"`
	PractitionerID flexString           `json:"practitioner_id"`
	Recs           []wireRecommendation `json:"recommendations"`
	LabRecs        []wireNamed          `json:"lab_recommendations"`
	InvitationURL  string               `json:"invitation_url"`
}

func (w wirePlan) plan() TreatmentPlan {
	p := TreatmentPlan{ID: string(w.ID), State: w.State, CreatedAt: w.CreatedAt.Time, UpdatedAt: w.UpdatedAt.Time,
		AvailableAt: w.AvailableAt.Time, PatientID: string(w.PatientID), PractitionerID: string(w.PractitionerID),
		ProductCount: len(w.Recs), InvitationURL: w.InvitationURL}
	if p.State == "" {
		p.State = w.CurrentState
	}
	if p.State == "" && w.Active != nil {
		p.State = map[bool]string{true: "active", false: "inactive"}[*w.Active]
	}
	if w.Patient != nil && w.Patient.ID != "" {
		p.PatientID = string(w.Patient.ID)
	}
	if w.Practitioner != nil && w.Practitioner.ID != "" {
		p.PractitionerID = string(w.Practitioner.ID)
	}
	for _, r := range w.Recs {
		if n := r.name(); n != "" {
			p.Products = append(p.Products, n)
		}
	}
	for _, l := range w.LabRecs {
		if l.Name != "" {
			p.Labs = append(p.Labs, l.Name)
		}
	}
	return p
}

// PatientTreatmentPlans is GET /clinic/patients/{id}/treatment_plans,
// newest first (sort_by created_at, order_by DESC).
func (c *Client) PatientTreatmentPlans(ctx context.Context, accessToken, patientID string, page, size int) (PlanPage, error) {
	const op = "list the patient's treatment plans"
	seg, err := pathID("patient", patientID)
	if err != nil {
		return PlanPage{}, fmt.Errorf("%s: %w", op, err)
	}
	page = max(page, 1)
	q := url.Values{"sort_by": {"created_at"}, "order_by": {"DESC"}, "page[number]": {strconv.Itoa(page)}}
	if size > 0 {
		q.Set("page[size]", strconv.Itoa(min(size, MaxPageSize)))
	}
	raw, reqID, err := c.do(ctx, accessToken, call{op: op, method: http.MethodGet, path: "/clinic/patients/" + seg + "/treatment_plans", query: q})
	if err != nil {
		return PlanPage{}, err
	}
	var w struct {
		Plans *[]json.RawMessage `json:"treatment_plans"`
		Meta  *wireMeta          `json:"meta"`
	}
	if err := decodeInto(op, reqID, raw, &w); err != nil {
		return PlanPage{}, err
	}
	if w.Plans == nil {
		return PlanPage{}, malformed(op, reqID, errors.New(`the reply has no "treatment_plans" list`))
	}
	out := PlanPage{Plans: make([]TreatmentPlan, 0, len(*w.Plans)), Page: Page{Current: page}}
	for i, item := range *w.Plans {
		var wp wirePlan
		if err := json.Unmarshal(item, &wp); err != nil || wp.ID == "" {
			return PlanPage{}, malformed(op, reqID, fmt.Errorf("plan %d of the page is not a plan with an id", i+1))
		}
		out.Plans = append(out.Plans, wp.plan())
	}
	if w.Meta != nil {
		out.Page = w.Meta.page(page)
	}
	return out, nil
}

// TreatmentPlan is GET /clinic/treatment_plans/{id}, with invitation_url.
func (c *Client) TreatmentPlan(ctx context.Context, accessToken, id string) (TreatmentPlan, error) {
	const op = "get treatment plan"
	seg, err := pathID("treatment plan", id)
	if err != nil {
		return TreatmentPlan{}, fmt.Errorf("%s: %w", op, err)
	}
	raw, reqID, err := c.do(ctx, accessToken, call{op: op, method: http.MethodGet, path: "/clinic/treatment_plans/" + seg})
	if err != nil {
		return TreatmentPlan{}, err
	}
	inner, err := unwrap(op, reqID, raw, "treatment_plan")
	if err != nil {
		return TreatmentPlan{}, err
	}
	var w wirePlan
	if err := decodeInto(op, reqID, inner, &w); err != nil {
		return TreatmentPlan{}, err
	}
	if w.ID == "" {
		return TreatmentPlan{}, malformed(op, reqID, errors.New("the plan has no id"))
	}
	p := w.plan()
	if p.InvitationURL != "" {
		// It goes to the clipboard, for the patient: a web address of
		// Fullscript's, as a Redirect link must be, or none.
		if clean, err := c.linkHosts().check(p.InvitationURL); err == nil {
			p.InvitationURL = clean
		} else {
			p.InvitationURL = ""
		}
	}
	return p, nil
}

// ListPractitioners is GET /clinic/practitioners, one page: who a staff
// member can write a plan for.
func (c *Client) ListPractitioners(ctx context.Context, accessToken string, page, size int) ([]User, Page, error) {
	const op = "list practitioners"
	page = max(page, 1)
	q := url.Values{"page[number]": {strconv.Itoa(page)}}
	if size > 0 {
		q.Set("page[size]", strconv.Itoa(min(size, MaxPageSize)))
	}
	raw, reqID, err := c.do(ctx, accessToken, call{op: op, method: http.MethodGet, path: "/clinic/practitioners", query: q})
	if err != nil {
		return nil, Page{}, err
	}
	var w struct {
		Practitioners *[]wireUser `json:"practitioners"`
		Meta          *wireMeta   `json:"meta"`
	}
	if err := decodeInto(op, reqID, raw, &w); err != nil {
		return nil, Page{}, err
	}
	if w.Practitioners == nil {
		return nil, Page{}, malformed(op, reqID, errors.New(`the reply has no "practitioners" list`))
	}
	out := make([]User, 0, len(*w.Practitioners))
	for i, u := range *w.Practitioners {
		if u.ID == "" {
			return nil, Page{}, malformed(op, reqID, fmt.Errorf("practitioner %d of the page has no id", i+1))
		}
		out = append(out, User{ID: string(u.ID), Type: UserPractitioner, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email})
	}
	pg := Page{Current: page}
	if w.Meta != nil {
		pg = w.Meta.page(page)
	}
	return out, pg, nil
}
