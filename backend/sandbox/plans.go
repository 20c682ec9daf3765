package sandbox

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
)

// restPlan is a treatment plan as the REST API shows it: snake_case like
// every REST reply (the Embed payload is camelCase, as fullscript-js types
// it), the practitioner and patient as objects (as in Fullscript's webhook
// examples), and each recommendation's variant named, which the reference
// does not confirm and the client reads defensively. With a base URL it
// adds the patient-facing invitation_url. Callers hold Sandbox.mu.
func (s *Sandbox) restPlan(tp treatmentPlan, base string) map[string]any {
	recs := make([]map[string]any, 0, len(tp.Recommendations))
	for _, r := range tp.Recommendations {
		variant := map[string]any{"id": r.VariantID}
		if i := slices.IndexFunc(s.st.catalog, func(p Product) bool { return p.VariantID == r.VariantID }); i >= 0 {
			variant["name"], variant["brand"] = s.st.catalog[i].Name, s.st.catalog[i].Brand
		}
		recs = append(recs, map[string]any{
			"variant_id": r.VariantID, "variant": variant, "refill": r.Refill, "units_to_purchase": r.UnitsToPurchase,
			"dosage": map[string]any{"amount": r.Dosage.RecommendedAmount, "frequency": r.Dosage.RecommendedFrequency,
				"duration": r.Dosage.RecommendedDuration, "format": r.Dosage.Format},
		})
	}
	labs := make([]map[string]any, 0, len(tp.LabRecommendations))
	for _, l := range tp.LabRecommendations {
		labs = append(labs, map[string]any{"id": l.ID, "name": l.Name, "requires_fasting": l.RequiresFasting, "instructions": l.Instructions})
	}
	out := map[string]any{
		"id": tp.ID, "state": tp.State, "available_at": tp.AvailableAt.Format(fullscriptTime),
		"created_at": tp.CreatedAt.Format(fullscriptTime), "updated_at": tp.CreatedAt.Format(fullscriptTime),
		"patient": map[string]string{"id": tp.PatientID}, "practitioner": map[string]string{"id": tp.PractitionerID},
		"recommendations": recs, "lab_recommendations": labs,
	}
	if base != "" {
		out["invitation_url"] = base + "/invitation?plan=" + url.QueryEscape(tp.InvitationToken)
	}
	return out
}

// handleListPatientPlans is GET /clinic/patients/{id}/treatment_plans:
// plans activated through the Embed or Redirect pages, sorted as asked
// (sort_by created_at|updated_at, order_by ASC|DESC; default ASC).
func (s *Sandbox) handleListPatientPlans(w http.ResponseWriter, r *http.Request) {
	pg, ok := parsePage(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if sb := q.Get("sort_by"); sb != "" && sb != "created_at" && sb != "updated_at" {
		writeValidation(w, []string{"sort_by must be created_at or updated_at"})
		return
	}
	desc := false
	switch q.Get("order_by") {
	case "", "ASC", "asc":
	case "DESC", "desc":
		desc = true
	default:
		writeValidation(w, []string{"order_by must be ASC or DESC"})
		return
	}
	c := callerOf(r)
	s.mu.Lock()
	_, found := s.st.patient(c.ClinicID, r.PathValue("id"))
	var plans []treatmentPlan
	for _, tp := range s.st.plans {
		if tp.ClinicID == c.ClinicID && tp.PatientID == r.PathValue("id") {
			plans = append(plans, *tp)
		}
	}
	slices.SortStableFunc(plans, func(a, b treatmentPlan) int {
		if desc {
			return b.CreatedAt.Compare(a.CreatedAt)
		}
		return a.CreatedAt.Compare(b.CreatedAt)
	})
	items, meta := paginate(plans, pg)
	out := make([]map[string]any, len(items))
	for i, tp := range items {
		out[i] = s.restPlan(tp, "")
	}
	s.mu.Unlock()
	if !found {
		writeStatusError(w, http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"treatment_plans": out, "meta": meta})
}

// handleGetPlan is GET /clinic/treatment_plans/{id}, with invitation_url.
func (s *Sandbox) handleGetPlan(w http.ResponseWriter, r *http.Request) {
	c, base := callerOf(r), s.BaseURL()
	s.mu.Lock()
	i := slices.IndexFunc(s.st.plans, func(tp *treatmentPlan) bool { return tp.ID == r.PathValue("id") && tp.ClinicID == c.ClinicID })
	var out map[string]any
	if i >= 0 {
		out = s.restPlan(*s.st.plans[i], base)
	}
	s.mu.Unlock()
	if i < 0 {
		writeStatusError(w, http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"treatment_plan": out})
}

type invitationView struct {
	Patient, Practitioner, Clinic string
	Items                         []string
}

// handleInvitation is the patient's page behind invitation_url.
func (s *Sandbox) handleInvitation(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("plan")
	s.mu.Lock()
	var v *invitationView
	for _, tp := range s.st.plans {
		if token == "" || tp.InvitationToken != token {
			continue
		}
		p, _ := s.st.patient(tp.ClinicID, tp.PatientID)
		prac, _ := s.st.user(tp.PractitionerID)
		clinic, _ := s.st.clinic(tp.ClinicID)
		v = &invitationView{Practitioner: prac.Name(), Clinic: clinic.Name}
		if p != nil {
			v.Patient = cmp.Or(p.FirstName, "there")
		}
		for _, r := range tp.Recommendations {
			if i := slices.IndexFunc(s.st.catalog, func(p Product) bool { return p.VariantID == r.VariantID }); i >= 0 {
				v.Items = append(v.Items, s.st.catalog[i].Name)
			}
		}
		for _, l := range tp.LabRecommendations {
			v.Items = append(v.Items, l.Name)
		}
	}
	s.mu.Unlock()
	if v == nil {
		s.renderPage(w, http.StatusNotFound, "problem.html", problemView{Title: "This invitation is not valid", Detail: "Ask your practitioner to send it again."})
		return
	}
	s.renderPage(w, http.StatusOK, "invitation.html", v)
}
