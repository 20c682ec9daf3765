package companion

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"fullscript-companion/backend/store"
)

// History is the practitioner's record: what was done in this app (plans
// activated in the Embed, screens opened in the browser, sign-ins and
// sign-outs) and what Fullscript says happened at each clinic (orders,
// lab results, plans activated elsewhere), in one list, readable offline.
// It outlives sign-out unless the person asks for it to go.

// History categories, for the filter.
const (
	HistoryPlan     = "plan"
	HistoryOrder    = "order"
	HistoryLab      = "lab"
	HistoryPatient  = "patient"
	HistoryBrowser  = "browser"
	HistorySignIn   = "sign-in"
	HistorySignOut  = "sign-out"
	HistoryOther    = "other"
	historyMaxItems = 500
)

var categoryWords = map[string]string{
	HistoryPlan: "Treatment plans", HistoryOrder: "Orders", HistoryLab: "Lab results", HistoryPatient: "Patients",
	HistoryBrowser: "Opened in the browser", HistorySignIn: "Sign-ins", HistorySignOut: "Sign-outs", HistoryOther: "Other",
}

// HistoryItem is one line of History.
type HistoryItem struct {
	ID          string    `json:"id"`
	Source      string    `json:"source"`   // "app" or "fullscript"
	Kind        string    `json:"kind"`     // as recorded: treatmentPlan.activated, order.placed, signed_in…
	Category    string    `json:"category"` // one of the History categories
	Title       string    `json:"title"`
	Summary     string    `json:"summary"`
	At          time.Time `json:"at"`
	Environment string    `json:"environment"`
	ClinicKey   string    `json:"clinicKey"` // environment|clinic id
	ClinicName  string    `json:"clinicName"`
	PersonKey   string    `json:"personKey"` // environment|clinic id|user id; "" for the clinic's events
	PersonName  string    `json:"personName"`
	AccountID   string    `json:"accountId"`
	PatientID   string    `json:"patientId"`
	PatientName string    `json:"patientName"`
	PlanID      string    `json:"planId"`
	Unread      bool      `json:"unread"`
}

// HistoryQuery filters History; empty fields match all.
type HistoryQuery struct {
	Clinic    string `json:"clinic"`    // a ClinicKey
	Person    string `json:"person"`    // a PersonKey
	PatientID string `json:"patientId"` // a patient's entries, from the patient's view
	Category  string `json:"category"`
	Limit     int    `json:"limit"` // <= 0: 500
}

// HistoryChoice is one option of a filter.
type HistoryChoice struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// HistoryPage is History as the view shows it.
type HistoryPage struct {
	Items []HistoryItem `json:"items"`
	// Unread is how many of Fullscript's events arrived since History was
	// last looked at (of every clinic, whatever the filter).
	Unread     int             `json:"unread"`
	Clinics    []HistoryChoice `json:"clinics"`
	People     []HistoryChoice `json:"people"`
	Patients   []HistoryChoice `json:"patients"`
	Categories []HistoryChoice `json:"categories"`
	// Unreadable counts stored entries that could not be unsealed.
	Unreadable int          `json:"unreadable"`
	Checking   EventsStatus `json:"checking"`
}

// historyNames is who and where, for naming entries.
type historyNames struct {
	people   map[string]store.Person // by person key
	byAcct   map[string]string       // account id -> person key
	clinics  map[string]string       // clinic key -> name
	patients map[string]string       // patient id -> name
}

func personKey(env, clinic, user string) string { return env + "|" + clinic + "|" + user }

func (s *Service) historyNames(ctx context.Context, st *store.Store, audit []store.AuditEntry) (historyNames, error) {
	n := historyNames{people: map[string]store.Person{}, byAcct: map[string]string{}, clinics: map[string]string{}, patients: map[string]string{}}
	people, err := st.People(ctx)
	if err != nil {
		return n, err
	}
	for _, p := range people {
		k := personKey(p.Environment, p.ClinicID, p.UserID)
		n.people[k] = p
		n.byAcct[p.AccountID] = k
		if p.ClinicName != "" {
			n.clinics[p.Environment+"|"+p.ClinicID] = p.ClinicName
		}
	}
	// Earlier accounts of the same person (signed out, then in again).
	for _, a := range audit {
		if _, ok := n.byAcct[a.AccountID]; !ok && a.UserID != "" {
			n.byAcct[a.AccountID] = personKey(a.Environment, a.ClinicID, a.UserID)
		}
	}
	return n, nil
}

// clinicNames names each clinic by its key.
func (s *Service) clinicNames(ctx context.Context) map[string]string {
	st, err := s.ready(ctx)
	if err != nil {
		return nil
	}
	n, err := s.historyNames(ctx, st, nil)
	if err != nil {
		return nil
	}
	return n.clinics
}

// HistoryRecord lists History, newest first, with the filters' choices and
// the unread count. Offline.
func (s *Service) HistoryRecord(ctx context.Context, q HistoryQuery) (HistoryPage, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return HistoryPage{}, err
	}
	limit := cmp.Or(q.Limit, historyMaxItems)
	if limit <= 0 || limit > historyMaxItems {
		limit = historyMaxItems
	}
	audit, err := st.Audit(ctx, "")
	if err != nil {
		return HistoryPage{}, fmt.Errorf("read history: %w", err)
	}
	names, err := s.historyNames(ctx, st, audit)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("read history: %w", err)
	}
	local, err := st.History(ctx, "", historyMaxItems*2)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("read history: %w", err)
	}
	events, unreadable, err := st.ClinicEvents(ctx, store.ClinicEventFilter{Limit: historyMaxItems * 2})
	if err != nil {
		return HistoryPage{}, fmt.Errorf("read history: %w", err)
	}
	seen := s.historySeen(ctx, st)

	var all []HistoryItem
	plansHere := map[string]bool{}
	for _, e := range local {
		it := localItem(e, names)
		if it.PlanID != "" {
			plansHere[it.PlanID] = true
		}
		if it.PatientID != "" && it.PatientName != "" {
			names.patients[it.PatientID] = it.PatientName
		}
		all = append(all, it)
	}
	for _, a := range audit {
		if it, ok := auditItem(a, names); ok {
			all = append(all, it)
		}
	}
	unread := 0
	for _, e := range events {
		// A plan activated in this window is already there, as the app saw it.
		if e.PlanID != "" && plansHere[e.PlanID] {
			continue
		}
		d := describeClinicEvent(e)
		if d.patientName != "" && e.PatientID != "" {
			names.patients[e.PatientID] = d.patientName
		}
		it := HistoryItem{
			ID: "fs:" + e.EventID, Source: "fullscript", Kind: e.Type, Category: d.category, Title: d.title, Summary: d.summary,
			At: e.CreatedAt, Environment: e.Environment, ClinicKey: e.Environment + "|" + e.ClinicID, PatientID: e.PatientID,
			PatientName: d.patientName, PlanID: e.PlanID, Unread: !e.Backfill && e.FetchedAt.After(seen),
		}
		if d.practitionerID != "" {
			it.PersonKey = personKey(e.Environment, e.ClinicID, d.practitionerID)
		}
		if it.Unread {
			unread++
		}
		all = append(all, it)
	}
	page := HistoryPage{Unread: unread, Unreadable: unreadable, Items: []HistoryItem{}, Checking: s.EventsStatus(ctx)}
	clinics, people, cats, patients := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i := range all {
		it := &all[i]
		it.ClinicName = cmp.Or(names.clinics[it.ClinicKey], it.ClinicName, "Clinic "+strings.SplitN(it.ClinicKey, "|", 2)[min(1, strings.Count(it.ClinicKey, "|"))])
		if p, ok := names.people[it.PersonKey]; ok {
			it.PersonName = p.UserName
		}
		if it.PatientName == "" {
			it.PatientName = names.patients[it.PatientID]
		}
		if !clinics[it.ClinicKey] {
			clinics[it.ClinicKey] = true
			page.Clinics = append(page.Clinics, HistoryChoice{it.ClinicKey, it.ClinicName})
		}
		if it.PersonKey != "" && it.PersonName != "" && !people[it.PersonKey] {
			people[it.PersonKey] = true
			page.People = append(page.People, HistoryChoice{it.PersonKey, it.PersonName + " · " + it.ClinicName})
		}
		if it.PatientID != "" && it.PatientName != "" && !patients[it.PatientID] {
			patients[it.PatientID] = true
			page.Patients = append(page.Patients, HistoryChoice{it.PatientID, it.PatientName})
		}
		if !cats[it.Category] {
			cats[it.Category] = true
			page.Categories = append(page.Categories, HistoryChoice{it.Category, categoryWords[it.Category]})
		}
		if q.Clinic != "" && it.ClinicKey != q.Clinic || q.Person != "" && it.PersonKey != q.Person ||
			q.PatientID != "" && it.PatientID != q.PatientID || q.Category != "" && it.Category != q.Category {
			continue
		}
		page.Items = append(page.Items, *it)
	}
	slices.SortStableFunc(page.Items, func(a, b HistoryItem) int { return b.At.Compare(a.At) })
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
	}
	for _, l := range [][]HistoryChoice{page.Clinics, page.People, page.Patients, page.Categories} {
		slices.SortFunc(l, func(a, b HistoryChoice) int { return strings.Compare(a.Label, b.Label) })
	}
	return page, nil
}

func localItem(e store.HistoryEntry, names historyNames) HistoryItem {
	v := historyView(e)
	it := HistoryItem{
		ID: "app:" + e.ID, Source: "app", Kind: e.Kind, At: e.At, Environment: e.Environment,
		ClinicKey: e.Environment + "|" + e.ClinicID, PersonKey: names.byAcct[e.AccountID], AccountID: e.AccountID,
		PatientID: e.PatientID, PatientName: v.PatientName, PlanID: e.PlanID, Summary: v.Summary,
	}
	switch e.Kind {
	case store.HistoryTreatmentPlanActivated:
		it.Category, it.Title = HistoryPlan, "Treatment plan activated"
	case store.HistoryPatientSelected:
		it.Category, it.Title = HistoryPatient, "Patient selected"
	case store.HistoryOpenedInBrowser:
		it.Category, it.Title = HistoryBrowser, "Opened in the browser"
	default:
		it.Category, it.Title = HistoryOther, e.Kind
	}
	return it
}

// auditItem is a sign-in or a sign-out from the audit log; other audit
// lines (refreshes, renames) are the Diagnostics view's, not History's.
func auditItem(a store.AuditEntry, names historyNames) (HistoryItem, bool) {
	it := HistoryItem{
		ID: fmt.Sprintf("audit:%d", a.ID), Source: "app", Kind: a.Event, At: a.At, Environment: a.Environment,
		ClinicKey: a.Environment + "|" + a.ClinicID, PersonKey: personKey(a.Environment, a.ClinicID, a.UserID), AccountID: a.AccountID,
	}
	switch a.Event {
	case store.EventSignedIn:
		it.Category, it.Title = HistorySignIn, "Signed in"
		if a.Detail == "new account" {
			it.Summary = "Added to this computer"
		}
	case store.EventRemoved:
		it.Category, it.Title = HistorySignOut, "Signed out"
	case store.EventRefreshFailed:
		it.Category, it.Title, it.Summary = HistorySignOut, "Sign-in ended at Fullscript", "Sign in again to use this account"
	default:
		return HistoryItem{}, false
	}
	return it, true
}

// eventDescription is what History and notifications say of one of
// Fullscript's events.
type eventDescription struct {
	category, title, summary, patientName, practitionerID string
	notable                                               bool // worth a desktop notification
}

// describeClinicEvent reads the shapes Fullscript's events are documented
// (or seen) to take; an unknown type is named by its type and kept.
func describeClinicEvent(e store.ClinicEvent) eventDescription {
	var top map[string]any
	_ = json.Unmarshal(e.Data, &top)
	d := eventDescription{category: HistoryOther, title: "Fullscript: " + humanType(e.Type)}
	subject := func(key string) map[string]any { return obj(top, key) }
	switch {
	case strings.HasPrefix(e.Type, "order."):
		o := subject("order")
		d.category, d.notable = HistoryOrder, e.Type == "order.placed"
		d.title = "Order " + strings.ReplaceAll(strings.TrimPrefix(e.Type, "order."), "_", " ")
		d.summary = strings.Join(namesIn(o, "line_items", "items", "products"), ", ")
		d.patientName = nameOf(obj(o, "patient"))
	case strings.HasPrefix(e.Type, "lab_order."):
		l := subject("lab_order")
		d.category, d.notable = HistoryLab, e.Type == "lab_order.updated"
		d.title = "Lab results available"
		if e.Type != "lab_order.updated" {
			d.title = "Lab order " + strings.ReplaceAll(strings.TrimPrefix(e.Type, "lab_order."), "_", " ")
		}
		d.summary = strings.Join(namesIn(l, "tests", "lab_tests", "panels"), ", ")
		d.patientName = nameOf(obj(l, "patient"))
	case strings.HasPrefix(e.Type, "treatment_plan."):
		p := subject("treatment_plan")
		d.category = HistoryPlan
		d.title = "Treatment plan " + strings.ReplaceAll(strings.TrimPrefix(e.Type, "treatment_plan."), "_", " ")
		d.summary = strings.Join(namesIn(p, "recommendations", "products"), ", ")
		d.patientName = nameOf(obj(p, "patient"))
		d.practitionerID = firstSet(str(p["practitioner_id"]), str(obj(p, "practitioner")["id"]))
		if d.summary == "" {
			d.summary = "Seen by Fullscript (from another computer, the browser or a Redirect link)"
		}
	case strings.HasPrefix(e.Type, "patient."):
		d.category = HistoryPatient
		d.title = "Patient " + strings.ReplaceAll(strings.TrimPrefix(e.Type, "patient."), "_", " ")
		d.patientName = nameOf(subject("patient"))
	}
	return d
}

// humanType is an unknown type in words: clinic_key.revoked -> "clinic key revoked".
func humanType(t string) string {
	return strings.TrimSpace(strings.NewReplacer(".", " ", "_", " ").Replace(t))
}

func nameOf(m map[string]any) string {
	return strings.TrimSpace(firstSet(str(m["first_name"]), str(m["firstName"])) + " " + firstSet(str(m["last_name"]), str(m["lastName"])))
}

// namesIn lists the names under the first of keys that is a list: of
// objects with a name (or a product's), or of strings.
func namesIn(m map[string]any, keys ...string) []string {
	for _, k := range keys {
		list, ok := m[k].([]any)
		if !ok {
			continue
		}
		var out []string
		for _, v := range list {
			switch x := v.(type) {
			case string:
				out = append(out, x)
			case map[string]any:
				if n := firstSet(str(x["name"]), str(obj(x, "product")["name"]), str(obj(x, "variant")["name"])); n != "" {
					out = append(out, n)
				}
			}
		}
		return out
	}
	return nil
}

// historySeen is when History was last looked at; the first time, now
// (nothing already there is news).
func (s *Service) historySeen(ctx context.Context, st *store.Store) time.Time {
	if v, ok, _ := st.Setting(ctx, settingHistorySeen); ok {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t
		}
	}
	now := s.now().UTC()
	if err := st.SetSetting(ctx, settingHistorySeen, now.Format(time.RFC3339Nano), false); err != nil {
		s.log.Warn("history: remember when it was seen", "err", err)
	}
	return now
}

// MarkHistorySeen is a visit to History: what is there is no longer new.
func (s *Service) MarkHistorySeen(ctx context.Context) error {
	st, err := s.ready(ctx)
	if err != nil {
		return err
	}
	if err := st.SetSetting(ctx, settingHistorySeen, s.now().UTC().Format(time.RFC3339Nano), false); err != nil {
		return fmt.Errorf("mark History seen: %w", err)
	}
	return nil
}

// UnreadHistory is History's unread count, for the sidebar.
func (s *Service) UnreadHistory(ctx context.Context) (int, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return 0, err
	}
	seen := s.historySeen(ctx, st)
	events, _, err := st.ClinicEvents(ctx, store.ClinicEventFilter{Limit: historyMaxItems})
	if err != nil {
		return 0, fmt.Errorf("count unread history: %w", err)
	}
	n := 0
	for _, e := range events {
		if !e.Backfill && e.FetchedAt.After(seen) {
			n++
		}
	}
	return n, nil
}
