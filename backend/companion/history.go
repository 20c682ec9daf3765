package companion

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"fullscript-companion/backend/fullscript"
	"fullscript-companion/backend/store"
)

// Embed event names (Fullscript.js feature.on).
const (
	EventPatientSelected = "patient.selected"
	EventPlanActivated   = "treatmentPlan.activated"
)

// HistoryEntry is one line of an account's History view.
type HistoryEntry struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"accountId"`
	Kind        string    `json:"kind"`
	At          time.Time `json:"at"`
	PatientID   string    `json:"patientId"`
	PatientName string    `json:"patientName"`
	PlanID      string    `json:"planId"`
	Summary     string    `json:"summary"`
}

// historyDetails is the sealed part of an entry.
type historyDetails struct {
	PatientName  string `json:"patientName"`
	PatientEmail string `json:"patientEmail"`
	Summary      string `json:"summary"`
}

// RecordEmbedEvent stores what Fullscript's screen reported (the callback's
// argument, as fullscript-js hands it over) in the clinic's history, and
// remembers the patient. The same event twice is stored once.
func (s *Service) RecordEmbedEvent(ctx context.Context, accountID string, payload map[string]any) (HistoryEntry, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return HistoryEntry{}, err
	}
	a, err := s.account(ctx, accountID)
	if err != nil {
		return HistoryEntry{}, err
	}
	kind := str(payload["type"])
	data, _ := payload["data"].(map[string]any)
	var patient Patient
	var planID, summary string
	switch kind {
	case EventPatientSelected:
		patient = patientOf(obj(data, "patient"))
		summary = "Patient selected"
	case EventPlanActivated:
		plan := obj(data, "treatmentPlan")
		planID = str(plan["id"])
		patient = patientOf(obj(plan, "patient"))
		// The event names labs but gives products by variant id only: ask
		// Fullscript for the plan to name them (briefly; offline, counts do).
		summary = planSummary(plan, s.planProductNames(ctx, accountID, planID))
	default:
		return HistoryEntry{}, &Problem{What: "The app got an event it does not know from Fullscript.", Fix: "Nothing to do; it was not recorded.", Err: fmt.Errorf("%w: embed event type %q", ErrUsage, kind)}
	}
	details, err := json.Marshal(historyDetails{PatientName: strings.TrimSpace(patient.FirstName + " " + patient.LastName), PatientEmail: patient.Email, Summary: summary})
	if err != nil {
		return HistoryEntry{}, fmt.Errorf("record event: %w", err)
	}
	e, _, err := st.AddHistory(ctx, store.HistoryEntry{
		AccountID: accountID, Environment: a.Env, ClinicID: a.ClinicID, Kind: kind, EventID: str(payload["id"]),
		PatientID: patient.ID, PlanID: planID, Details: details,
	})
	if err != nil {
		return HistoryEntry{}, fmt.Errorf("record event: %w", err)
	}
	if patient.ID != "" {
		if err := s.RememberPatient(ctx, accountID, patient); err != nil {
			s.log.Warn("remember the event's patient", "err", err)
		}
	}
	s.log.Info("embed event recorded", "account", accountID, "kind", kind)
	return historyView(e), nil
}

// History lists an account's history, newest first. Offline.
func (s *Service) History(ctx context.Context, accountID string) ([]HistoryEntry, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return nil, err
	}
	entries, err := st.History(ctx, accountID, 0)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	out := []HistoryEntry{}
	for _, e := range entries {
		out = append(out, historyView(e))
	}
	return out, nil
}

func historyView(e store.HistoryEntry) HistoryEntry {
	var d historyDetails
	_ = json.Unmarshal(e.Details, &d)
	return HistoryEntry{ID: e.ID, AccountID: e.AccountID, Kind: e.Kind, At: e.At, PatientID: e.PatientID, PatientName: d.PatientName, PlanID: e.PlanID, Summary: d.Summary}
}

// patientOf reads a patient from an event, under both spellings seen
// (3.2.0's types say firstNane and gender; the docs firstName and
// biologicalSex).
func patientOf(m map[string]any) Patient {
	return Patient{
		ID: str(m["id"]), FirstName: firstSet(str(m["firstName"]), str(m["firstNane"])), LastName: str(m["lastName"]),
		Email: str(m["email"]), DateOfBirth: str(m["dateOfBirth"]), Sex: firstSet(str(m["biologicalSex"]), str(m["gender"])),
		MobileNumber: str(m["mobileNumber"]),
	}
}

// planSummary is what a plan holds, for History's Details: its products
// by name when known, else how many, then its labs. The kind ("Treatment
// plan activated") is not repeated.
func planSummary(plan map[string]any, productNames []string) string {
	recs, _ := plan["recommendations"].([]any)
	labs, _ := plan["labRecommendations"].([]any)
	if l2, ok := plan["lab_recommendations"].([]any); ok && len(labs) == 0 {
		labs = l2
	}
	parts := []string{}
	switch {
	case len(productNames) > 0:
		parts = append(parts, strings.Join(productNames, ", "))
	case len(recs) > 0:
		parts = append(parts, plural(len(recs), "product"))
	}
	var labNames []string
	for _, l := range labs {
		if m, ok := l.(map[string]any); ok && str(m["name"]) != "" {
			labNames = append(labNames, str(m["name"]))
		}
	}
	switch {
	case len(labNames) == len(labs) && len(labs) > 0:
		parts = append(parts, "labs: "+strings.Join(labNames, ", "))
	case len(labs) > 0:
		parts = append(parts, plural(len(labs), "lab"))
	}
	return strings.Join(parts, "; ")
}

// planProductNames asks Fullscript for a plan's product names; nil when it
// cannot say within a few seconds (History then gives the count).
func (s *Service) planProductNames(ctx context.Context, accountID, planID string) []string {
	if planID == "" {
		return nil
	}
	c, err := s.accountAPI(ctx, accountID)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	p, err := withAccess(ctx, s, accountID, func(access string) (fullscript.TreatmentPlan, error) {
		return c.api.TreatmentPlan(ctx, access, planID)
	})
	if err != nil {
		s.log.Info("history: the plan's products are not named", "plan", planID, "err", err)
		return nil
	}
	return p.Products
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func obj(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
