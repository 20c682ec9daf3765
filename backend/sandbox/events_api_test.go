package sandbox

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// The Events API: what happens "elsewhere" is listed per category, for the
// clinic's own tokens only, with day filters and paging, the details by id,
// and nothing older than 30 days.
func TestEventsAPI(t *testing.T) {
	e := newEnv(t, Config{AutoApprove: true})
	ada := e.signIn("ada.moss@example.com") // Riverside first
	other := e.signIn("chloe.tremblay@example.com")

	for _, what := range []string{"order_placed", "lab_results", "patient_updated", "order_placed"} {
		if r := e.postJSON("/_sandbox/happen", "", map[string]string{"what": what}); r.status != http.StatusCreated {
			t.Fatalf("happen %s: %d %s", what, r.status, r.body)
		}
	}
	if r := e.postJSON("/_sandbox/happen", "", map[string]string{"what": "earthquake"}); r.status != http.StatusBadRequest {
		t.Errorf("an unknown happening: %d", r.status)
	}
	type list struct {
		Events []struct{ ID, Type string } `json:"events"`
		Meta   struct {
			TotalCount int `json:"total_count"`
		} `json:"meta"`
	}
	get := func(path, token string) list {
		t.Helper()
		r := e.get(path, token)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		var l list
		if err := json.Unmarshal(r.body, &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	orders := get("/api/events/orders", ada.access)
	if len(orders.Events) != 2 || orders.Events[0].Type != "order.placed" {
		t.Fatalf("orders: %+v", orders)
	}
	if l := get("/api/events/lab_orders", ada.access); len(l.Events) != 1 || l.Events[0].Type != "lab_order.updated" {
		t.Errorf("lab orders: %+v", l)
	}
	if l := get("/api/events/orders", other.access); len(l.Events) != 0 {
		t.Errorf("another clinic sees %d of Riverside's orders", len(l.Events))
	}
	if l := get("/api/events/orders?page[size]=1", ada.access); len(l.Events) != 1 {
		t.Errorf("paging: %+v", l)
	}
	today := e.clock.Now().UTC().Format("2006-01-02")
	if l := get("/api/events/orders?created_at="+today, ada.access); len(l.Events) != 2 {
		t.Errorf("created_at today: %+v", l)
	}
	if l := get("/api/events/orders?created_at=<"+today, ada.access); len(l.Events) != 0 {
		t.Errorf("created_at before today: %+v", l)
	}
	if r := e.get("/api/events/orders?created_at=yesterday", ada.access); r.status != http.StatusBadRequest {
		t.Errorf("a bad created_at: %d", r.status)
	}

	// Details, for its clinic only.
	id := orders.Events[0].ID
	r := e.get("/api/events/"+id, ada.access)
	var one struct {
		Event struct {
			ID, Type, ClinicID string
			Data               json.RawMessage
		} `json:"event"`
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &one) != nil || one.Event.ID != id || len(one.Event.Data) < 10 {
		t.Fatalf("details: %d %s", r.status, r.body)
	}
	if r := e.get("/api/events/"+id, other.access); r.status != http.StatusNotFound {
		t.Errorf("another clinic's event: %d", r.status)
	}
	if r := e.get("/api/events/orders", ""); r.status != http.StatusUnauthorized {
		t.Errorf("no token: %d", r.status)
	}

	// Fullscript keeps 30 days.
	e.clock.Advance(31 * 24 * time.Hour)
	fresh := e.signIn("ada.moss@example.com")
	if l := get("/api/events/orders", fresh.access); len(l.Events) != 0 {
		t.Errorf("%d orders after 31 days", len(l.Events))
	}
}
