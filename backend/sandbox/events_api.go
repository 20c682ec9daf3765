package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The Events API (reference 6.1): what happened at a clinic, one list per
// category under /api/events/, each event's details at /api/events/{id},
// the last 30 days only, and a token sees its own clinic's. Events are made
// for plans activated through the Embed and Redirect pages (never for the
// app's other REST calls) and, for demos and tests, by POST
// /_sandbox/happen: a patient orders, a lab result arrives, a patient is
// updated, "elsewhere".

// eventCategories are the list endpoints the sandbox serves.
var eventCategories = []string{"treatment_plans", "patients", "orders", "lab_orders"}

// eventsKept is how long Fullscript keeps events.
const eventsKept = 30 * 24 * time.Hour

// clinicEvent is one event as Fullscript's Events API gives it.
type clinicEvent struct {
	ID        string          `json:"id"`
	ClinicID  string          `json:"clinic_id"`
	Category  string          `json:"category"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// addClinicEvent records an event (the caller holds Sandbox.mu) and
// forgets those past Fullscript's 30 days.
func (st *state) addClinicEvent(now time.Time, clinicID, category, typ string, data any) *clinicEvent {
	b, _ := json.Marshal(data)
	e := &clinicEvent{ID: newUUID(), ClinicID: clinicID, Category: category, Type: typ, CreatedAt: now, Data: b}
	cut := now.Add(-eventsKept)
	st.clinicEvents = slices.DeleteFunc(st.clinicEvents, func(x *clinicEvent) bool { return x.CreatedAt.Before(cut) })
	st.clinicEvents = append(st.clinicEvents, e)
	return e
}

// handleEvents is GET /api/events/{category} (a list) or /api/events/{id}
// (one event's details).
func (s *Sandbox) handleEvents(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	key := r.PathValue("key")
	now := s.now()
	if !slices.Contains(eventCategories, key) {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, e := range s.st.clinicEvents {
			if e.ID == key && e.ClinicID == c.ClinicID && !e.CreatedAt.Before(now.Add(-eventsKept)) {
				writeJSON(w, http.StatusOK, map[string]any{"event": e.wire()})
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": []string{"Event not found"}})
		return
	}
	pg, ok := parsePage(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	inRange, err := createdAtFilter(q.Get("created_at"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{err.Error()}})
		return
	}
	sortBy, order := q.Get("sort_by"), strings.ToUpper(q.Get("order_by"))
	if sortBy != "" && sortBy != "created_at" && sortBy != "event_type" || order != "" && order != "ASC" && order != "DESC" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"sort_by is created_at or event_type; order_by is ASC or DESC"}})
		return
	}
	s.mu.Lock()
	var list []map[string]any
	var picked []*clinicEvent
	for _, e := range s.st.clinicEvents {
		if e.ClinicID != c.ClinicID || e.Category != key || e.CreatedAt.Before(now.Add(-eventsKept)) ||
			!inRange(e.CreatedAt) || q.Get("event_type") != "" && e.Type != q.Get("event_type") {
			continue
		}
		picked = append(picked, e)
	}
	s.mu.Unlock()
	slices.SortStableFunc(picked, func(a, b *clinicEvent) int {
		d := a.CreatedAt.Compare(b.CreatedAt)
		if sortBy == "event_type" {
			d = strings.Compare(a.Type, b.Type)
		}
		if order == "DESC" {
			d = -d
		}
		return d
	})
	for _, e := range picked {
		list = append(list, map[string]any{"id": e.ID, "type": e.Type, "created_at": e.CreatedAt.Format(fullscriptTime)})
	}
	items, meta := paginate(list, pg)
	if items == nil {
		items = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": items, "meta": meta})
}

func (e *clinicEvent) wire() map[string]any {
	return map[string]any{"id": e.ID, "clinic_id": e.ClinicID, "type": e.Type, "created_at": e.CreatedAt.Format(fullscriptTime), "data": e.Data}
}

// createdAtFilter reads the documented forms: yyyy-mm-dd, <yyyy-mm-dd,
// >yyyy-mm-dd and yyyy-mm-dd..yyyy-mm-dd, by UTC day.
func createdAtFilter(v string) (func(time.Time) bool, error) {
	if v == "" {
		return func(time.Time) bool { return true }, nil
	}
	day := func(s string) (time.Time, error) {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return time.Time{}, fmt.Errorf("created_at %q: use yyyy-mm-dd, <yyyy-mm-dd, >yyyy-mm-dd or yyyy-mm-dd..yyyy-mm-dd", v)
		}
		return t, nil
	}
	dayOf := func(t time.Time) time.Time {
		return time.Date(t.UTC().Year(), t.UTC().Month(), t.UTC().Day(), 0, 0, 0, 0, time.UTC)
	}
	switch {
	case strings.HasPrefix(v, "<"):
		d, err := day(v[1:])
		return func(t time.Time) bool { return dayOf(t).Before(d) }, err
	case strings.HasPrefix(v, ">"):
		d, err := day(v[1:])
		return func(t time.Time) bool { return dayOf(t).After(d) }, err
	case strings.Contains(v, ".."):
		from, to, _ := strings.Cut(v, "..")
		a, err := day(from)
		if err != nil {
			return nil, err
		}
		b, err := day(to)
		return func(t time.Time) bool { d := dayOf(t); return !d.Before(a) && !d.After(b) }, err
	}
	d, err := day(v)
	return func(t time.Time) bool { return dayOf(t).Equal(d) }, err
}

// happening is POST /_sandbox/happen's body.
type happening struct {
	What      string `json:"what"` // order_placed, lab_results, patient_updated or other
	ClinicID  string `json:"clinic_id"`
	PatientID string `json:"patient_id"`
	// Type is an "other" event's type: one the app has never seen, as
	// Fullscript may add (it is listed under patients).
	Type string `json:"type"`
}

// handleHappen makes something happen at a clinic "elsewhere": the event
// Fullscript would record, for the app's poll to find.
func (s *Sandbox) handleHappen(w http.ResponseWriter, r *http.Request) {
	var h happening
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&h); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{`a happening is a JSON object like {"what":"order_placed","patient_id":"..."}`}})
		return
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if h.ClinicID == "" && len(s.st.clinics) > 0 {
		h.ClinicID = s.st.clinics[0].ID
	}
	if _, ok := s.st.clinic(h.ClinicID); !ok {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"unknown clinic " + h.ClinicID}})
		return
	}
	var patient *Patient
	for _, p := range s.st.patients {
		if p.ClinicID == h.ClinicID && (h.PatientID == "" || p.ID == h.PatientID) {
			patient = p
			break
		}
	}
	if patient == nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"no such patient at clinic " + h.ClinicID}})
		return
	}
	who := map[string]any{"id": patient.ID, "first_name": patient.FirstName, "last_name": patient.LastName}
	var e *clinicEvent
	switch h.What {
	case "order_placed":
		items := []map[string]any{}
		for _, p := range s.st.catalog[:min(2, len(s.st.catalog))] {
			items = append(items, map[string]any{"variant_id": p.VariantID, "name": p.Name, "quantity": 1})
		}
		e = s.st.addClinicEvent(now, h.ClinicID, "orders", "order.placed", map[string]any{"order": map[string]any{
			"id": newUUID(), "patient": who, "line_items": items, "placed_at": now.Format(fullscriptTime)}})
	case "lab_results":
		tests := []string{}
		for _, l := range s.st.labs[:min(1, len(s.st.labs))] {
			tests = append(tests, l.Name)
		}
		e = s.st.addClinicEvent(now, h.ClinicID, "lab_orders", "lab_order.updated", map[string]any{"lab_order": map[string]any{
			"id": newUUID(), "patient": who, "tests": tests, "status": "results_available"}})
	case "patient_updated":
		e = s.st.addClinicEvent(now, h.ClinicID, "patients", "patient.updated", map[string]any{"patient": who})
	case "other":
		if h.Type == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{`an "other" happening needs a type, e.g. "clinic_key.rotated"`}})
			return
		}
		e = s.st.addClinicEvent(now, h.ClinicID, "patients", h.Type, map[string]any{"something": map[string]any{"patient": who}})
	default:
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"what is order_placed, lab_results, patient_updated or other"}})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"event": e.wire()})
}
