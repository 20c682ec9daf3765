package companion

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
	"fullscript-companion/backend/store"
)

// happen makes something happen at a clinic "elsewhere" (the sandbox's
// control route) and returns the event's id.
func (w *world) happen(what, clinicID string, extra ...string) string {
	w.t.Helper()
	body := map[string]string{"what": what, "clinic_id": clinicID}
	if len(extra) == 2 {
		body[extra[0]] = extra[1]
	}
	b, _ := json.Marshal(body)
	res, err := http.Post(w.base+"/_sandbox/happen", "application/json", bytes.NewReader(b))
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Event struct {
			ID string `json:"id"`
		} `json:"event"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusCreated {
		w.t.Fatalf("happen %s: %d %v", what, res.StatusCode, err)
	}
	return out.Event.ID
}

func (w *world) fault(f sandbox.Fault) {
	w.t.Helper()
	b, _ := json.Marshal(f)
	res, err := http.Post(w.base+"/_sandbox/faults", "application/json", bytes.NewReader(b))
	if err != nil || res.StatusCode != http.StatusCreated {
		w.t.Fatalf("add fault: %v %v", res, err)
	}
	res.Body.Close()
}

// eventRequests are the sandbox's answers to the Events API, oldest first.
func (w *world) eventRequests() []sandbox.LoggedRequest {
	var out []sandbox.LoggedRequest
	for _, r := range w.sb.Requests() {
		if strings.HasPrefix(r.Path, "/api/events/") {
			out = append(out, r)
		}
	}
	return out
}

func (w *world) poll(accountID string) PollResult {
	w.t.Helper()
	res, err := w.svc.PollEvents(context.Background(), accountID)
	if err != nil {
		w.t.Fatalf("poll: %v", err)
	}
	return res
}

func (w *world) record(q HistoryQuery) HistoryPage {
	w.t.Helper()
	p, err := w.svc.HistoryRecord(context.Background(), q)
	if err != nil {
		w.t.Fatalf("history: %v", err)
	}
	return p
}

func titles(p HistoryPage) []string {
	var out []string
	for _, it := range p.Items {
		out = append(out, it.Title)
	}
	return out
}

func TestEventsArriveOnceWithTheirDetails(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sandbox.Config{})
	ada := w.signIn("ada.moss@example.com")
	sam := w.signIn("sam.rivera@example.com") // the same clinic: polled once
	w.happen("order_placed", ada.ClinicID)

	first := w.poll("")
	if first.Clinics != 1 || first.New != 1 || len(first.Problems) != 0 {
		t.Fatalf("first poll: %+v, want one clinic and one new event", first)
	}
	// The first poll is the clinic's backfill: listed, not new.
	page := w.record(HistoryQuery{})
	if page.Unread != 0 || !strings.Contains(strings.Join(titles(page), ","), "Order placed") {
		t.Fatalf("after the first poll: unread %d, %v", page.Unread, titles(page))
	}

	w.advance(time.Second)
	w.happen("lab_results", ada.ClinicID)
	w.happen("other", ada.ClinicID, "type", "clinic_key.rotated") // a type the app does not know
	second := w.poll("")
	if second.New != 2 {
		t.Fatalf("second poll stored %d, want 2", second.New)
	}
	before := len(w.eventRequests())
	third := w.poll("")
	if third.New != 0 || third.Requests != len(fullscriptEventCategories()) {
		t.Fatalf("third poll: %+v; want nothing new and only the %d lists asked for", third, len(fullscriptEventCategories()))
	}
	if got := len(w.eventRequests()) - before; got != len(fullscriptEventCategories()) {
		t.Fatalf("the sandbox saw %d requests for a poll with nothing new", got)
	}

	page = w.record(HistoryQuery{})
	if page.Unread != 2 {
		t.Fatalf("unread %d, want 2 (the lab result and the unknown event)", page.Unread)
	}
	byTitle := map[string]HistoryItem{}
	for _, it := range page.Items {
		byTitle[it.Title] = it
	}
	lab, ok := byTitle["Lab results available"]
	if !ok || lab.PatientName == "" || lab.Summary == "" || lab.ClinicName != "Riverside Wellness Clinic" || lab.Category != HistoryLab {
		t.Fatalf("lab result: %+v (titles %v)", lab, titles(page))
	}
	order := byTitle["Order placed"]
	if !strings.Contains(order.Summary, "Magnesium") && order.Summary == "" {
		t.Fatalf("the order names no products: %+v", order)
	}
	if other, ok := byTitle["Fullscript: clinic key rotated"]; !ok || other.Category != HistoryOther {
		t.Fatalf("the unknown type is not shown generically: %v", titles(page))
	}
	// Filters: by kind, by patient.
	if labs := w.record(HistoryQuery{Category: HistoryLab}); len(labs.Items) != 1 {
		t.Fatalf("lab filter: %v", titles(labs))
	}
	if mine := w.record(HistoryQuery{PatientID: lab.PatientID}); len(mine.Items) < 1 {
		t.Fatalf("the patient's view has nothing for %s", lab.PatientID)
	}
	// Seen: nothing is new any more.
	if err := w.svc.MarkHistorySeen(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.advance(time.Second)
	if n, _ := w.svc.UnreadHistory(context.Background()); n != 0 {
		t.Fatalf("unread after a visit: %d", n)
	}
	_ = sam
}

func fullscriptEventCategories() []string {
	return []string{"treatment_plans", "patients", "orders", "lab_orders"}
}

func TestACorruptEventIsKeptOutAndNothingElseIsLost(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sandbox.Config{})
	ada := w.signIn("ada.moss@example.com")
	w.poll("") // the backfill, empty
	good := w.happen("order_placed", ada.ClinicID)
	bad := w.happen("lab_results", ada.ClinicID)
	also := w.happen("patient_updated", ada.ClinicID)
	failing := w.happen("order_placed", ada.ClinicID)
	w.fault(sandbox.Fault{Path: "/api/events/" + bad, Kind: sandbox.FaultMalformed, Count: 1})
	// A 500 for one event's details is that event's trouble, not the poll's.
	w.fault(sandbox.Fault{Path: "/api/events/" + failing, Kind: sandbox.FaultStatus, Status: 500, Count: 1})

	res := w.poll("")
	if res.New != 2 || res.KeptOut != 2 || len(res.Problems) != 0 {
		t.Fatalf("poll: %+v; want 2 stored and 2 kept out", res)
	}
	if !strings.Contains(w.log.String(), "an event was kept out") || !strings.Contains(w.log.String(), bad) {
		t.Fatal("the kept-out event is not logged")
	}
	ids := map[string]bool{}
	st, err := w.svc.ready(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	evs, _, _ := st.ClinicEvents(context.Background(), store.ClinicEventFilter{})
	for _, e := range evs {
		ids[e.EventID] = true
	}
	if !ids[good] || !ids[also] || ids[bad] || ids[failing] {
		t.Fatalf("stored %v; want %s and %s, not %s", ids, good, also, bad)
	}
	// This run does not fetch it again on every round...
	before := len(w.eventRequests())
	w.poll("")
	for _, r := range w.eventRequests()[before:] {
		if strings.HasSuffix(r.Path, bad) {
			t.Fatal("the kept-out event was fetched again in the same run")
		}
	}
	// ...and the next run does, and keeps it now that it reads.
	w.svc.Shutdown(context.Background())
	w.svc = w.newService()
	if res := w.poll(""); res.New != 2 {
		t.Fatalf("after a restart: %+v; want both kept-out events stored", res)
	}
}

func TestOnlyNewsIsAnnounced(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sandbox.Config{})
	ada := w.signIn("ada.moss@example.com")
	var mu sync.Mutex
	var shown []string
	w.svc.SetEventHooks(nil, func(_ context.Context, title, body string) error {
		mu.Lock()
		defer mu.Unlock()
		shown = append(shown, title+" | "+body)
		return nil
	})
	w.happen("order_placed", ada.ClinicID) // before the clinic's first check: backfill
	if res := w.svc.checkEvents(context.Background()); res.New != 1 {
		t.Fatalf("first check: %+v", res)
	}
	w.happen("lab_results", ada.ClinicID)
	w.happen("patient_updated", ada.ClinicID) // not notable
	w.svc.checkEvents(context.Background())
	mu.Lock()
	defer mu.Unlock()
	if len(shown) != 1 || !strings.HasPrefix(shown[0], "Lab results available | ") || !strings.Contains(shown[0], "Riverside Wellness Clinic") {
		t.Fatalf("notifications %q; want the lab result only (the backfilled order is no news)", shown)
	}
}

func TestRateBudgetHoldsAcrossClinics(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sandbox.Config{})
	ada := w.signIn("ada.moss@example.com")
	chloe := w.signIn("chloe.tremblay@example.com")
	w.poll("") // both clinics' backfill
	for range 4 {
		w.happen("order_placed", ada.ClinicID)
		w.happen("lab_results", chloe.ClinicID)
	}
	// A budget of 8 background requests a second: the poll (4 lists and 4
	// details at each clinic, 16) must wait for the window to slide.
	const room, window = 8, time.Second
	b := w.svc.budget
	b.mu.Lock()
	b.limit, b.reserve, b.window, b.sent = room+2, 2, window, nil
	b.mu.Unlock()
	start := time.Now()
	res := w.poll("")
	if res.New != 8 || res.Clinics != 2 {
		t.Fatalf("poll: %+v; want both clinics' 8 events", res)
	}
	var sent []time.Time
	for _, r := range w.eventRequests() {
		if !r.At.Before(start) {
			sent = append(sent, r.At)
		}
	}
	if len(sent) != 16 {
		t.Fatalf("%d requests, want 16", len(sent))
	}
	for i := range sent {
		n := 0
		for j := i; j < len(sent) && sent[j].Sub(sent[i]) < window-50*time.Millisecond; j++ {
			n++
		}
		if n > room {
			t.Fatalf("%d requests within %v from request %d; the budget allows %d", n, window, i, room)
		}
	}
}

func TestRetryAfterIsHonouredAndOfflinePauses(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sandbox.Config{})
	ada := w.signIn("ada.moss@example.com")
	w.svc.events.every = 200 * time.Millisecond
	var mu sync.Mutex
	var heard []PollResult
	var changes int
	w.svc.SetEventHooks(func(r PollResult) {
		mu.Lock()
		defer mu.Unlock()
		changes++
		if r.New > 0 {
			heard = append(heard, r)
		}
	}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.svc.RunEventPolling(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the first poll", func() bool { return w.svc.EventsStatus(ctx).CheckedAt != nil })

	// A 429 with Retry-After: 2 on the lists.
	w.fault(sandbox.Fault{Path: "/api/events/*", Kind: sandbox.FaultRateLimit, RetryAfter: 2, Count: 1})
	w.happen("order_placed", ada.ClinicID)
	waitFor(t, "the order after the wait", func() bool { mu.Lock(); defer mu.Unlock(); return len(heard) > 0 })
	var limited *sandbox.LoggedRequest
	reqs := w.eventRequests()
	for i, r := range reqs {
		if r.Status == http.StatusTooManyRequests {
			limited = &reqs[i]
			if i+1 >= len(reqs) {
				t.Fatal("nothing after the 429")
			}
			if gap := reqs[i+1].At.Sub(r.At); gap < 2*time.Second-100*time.Millisecond {
				t.Fatalf("the next request came %v after a 429 asking for 2 s", gap)
			}
		}
	}
	if limited == nil {
		t.Fatal("the sandbox never answered 429")
	}

	// Offline: polling pauses (the waits grow), and resumes when Fullscript is back.
	w.stopSandbox()
	mu.Lock()
	before := changes
	mu.Unlock()
	waitFor(t, "the poller to see it offline", func() bool { return w.svc.EventsStatus(ctx).Offline })
	// The window hears of it, so History can say so.
	waitFor(t, "the window to hear it is offline", func() bool { mu.Lock(); defer mu.Unlock(); return changes > before })
	time.Sleep(3 * time.Second)
	w.startSandbox()
	n := len(w.eventRequests())
	w.happen("lab_results", ada.ClinicID)
	waitFor(t, "the lab result once back", func() bool { mu.Lock(); defer mu.Unlock(); return len(heard) > 1 })
	if w.svc.EventsStatus(ctx).Offline {
		t.Fatal("still offline after Fullscript came back")
	}
	if len(w.eventRequests()) <= n {
		t.Fatal("no request after coming back")
	}
	if !strings.Contains(w.log.String(), "events: a clinic's poll stopped") {
		t.Fatal("the offline poll is not logged")
	}
}

func TestSignOutKeepsHistoryUnlessAskedToRemoveIt(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sandbox.Config{})
	ada := w.signIn("ada.moss@example.com")
	chloe := w.signIn("chloe.tremblay@example.com")
	w.poll("")
	w.happen("order_placed", ada.ClinicID)
	w.happen("order_placed", chloe.ClinicID)
	w.poll("")
	ctx := context.Background()

	if _, err := w.svc.SignOut(ctx, ada.ID); err != nil {
		t.Fatal(err)
	}
	kept := w.record(HistoryQuery{Clinic: "local|" + ada.ClinicID})
	var signedOut, order bool
	for _, it := range kept.Items {
		signedOut = signedOut || it.Category == HistorySignOut && it.PersonName == "Dr. Ada Moss"
		order = order || it.Category == HistoryOrder
	}
	if !signedOut || !order {
		t.Fatalf("after a plain sign-out, Riverside's history: %v", titles(kept))
	}

	res, err := w.svc.SignOutAndForget(ctx, chloe.ID)
	if err != nil || !res.HistoryRemoved {
		t.Fatalf("sign out and forget: %+v, %v", res, err)
	}
	if gone := w.record(HistoryQuery{Clinic: "local|" + chloe.ClinicID}); len(gone.Items) != 0 {
		t.Fatalf("Northside's history after removal: %v", titles(gone))
	}
	if still := w.record(HistoryQuery{Clinic: "local|" + ada.ClinicID}); len(still.Items) != len(kept.Items) {
		t.Fatalf("removing Chloe's history touched Riverside's: %v", titles(still))
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 20 s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
