package fullscript

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// EventCategories are the Events API lists the app polls (reference 6.1):
// products and clinic_keys concern catalog and clinic-key apps, not a
// practitioner's day.
var EventCategories = []string{"treatment_plans", "patients", "orders", "lab_orders"}

// EventRef is one entry of an events list: enough to know whether it is new.
type EventRef struct {
	ID        string
	Type      string
	CreatedAt time.Time // zero when the list does not say
}

// EventPage is one page of an events list.
type EventPage struct {
	Events []EventRef
	Page   Page
}

// Event is one event's details, as GET /api/events/{id} gives them (the
// envelope a webhook's event has). Data is Fullscript's, unread here: its
// shape depends on the type, and new types appear.
type Event struct {
	ID        string
	ClinicID  string
	Type      string
	CreatedAt time.Time
	Data      json.RawMessage
}

type wireEventRef struct {
	ID        flexString `json:"id"`
	Type      string     `json:"type"`
	EventType string     `json:"event_type"`
	CreatedAt string     `json:"created_at"`
}

// ListEvents is GET /events/{category}, newest first, one page. createdAt
// is the documented day filter (">2026-11-30"; empty: none).
func (c *Client) ListEvents(ctx context.Context, accessToken, category, createdAt string, page, size int) (EventPage, error) {
	op := "list " + category + " events"
	seg, err := pathID("event category", category)
	if err != nil {
		return EventPage{}, fmt.Errorf("%s: %w", op, err)
	}
	page = max(page, 1)
	q := url.Values{"sort_by": {"created_at"}, "order_by": {"DESC"}, "page[number]": {strconv.Itoa(page)}}
	if size > 0 {
		q.Set("page[size]", strconv.Itoa(min(size, MaxPageSize)))
	}
	if createdAt != "" {
		q.Set("created_at", createdAt)
	}
	raw, reqID, err := c.do(ctx, accessToken, call{op: op, method: http.MethodGet, path: "/events/" + seg, query: q})
	if err != nil {
		return EventPage{}, err
	}
	var w struct {
		Events *[]wireEventRef `json:"events"`
		Meta   *wireMeta       `json:"meta"`
	}
	if err := decodeInto(op, reqID, raw, &w); err != nil {
		return EventPage{}, err
	}
	if w.Events == nil {
		return EventPage{}, malformed(op, reqID, errors.New(`the reply has no "events" list`))
	}
	out := EventPage{Events: make([]EventRef, 0, len(*w.Events)), Page: Page{Current: page}}
	for i, e := range *w.Events {
		if e.ID == "" {
			return EventPage{}, malformed(op, reqID, fmt.Errorf("event %d of the page has no id", i+1))
		}
		at, _ := parseEventTime(e.CreatedAt)
		out.Events = append(out.Events, EventRef{ID: string(e.ID), Type: firstNonEmpty(e.Type, e.EventType), CreatedAt: at})
	}
	if w.Meta != nil {
		out.Page = w.Meta.page(page)
	}
	return out, nil
}

// EventDetails is GET /events/{id}. A reply without an id, a type or a
// readable creation time, or for another event, is ErrMalformedReply: the
// caller keeps it out rather than store half an event.
func (c *Client) EventDetails(ctx context.Context, accessToken, id string) (Event, error) {
	const op = "get event"
	seg, err := pathID("event", id)
	if err != nil {
		return Event{}, fmt.Errorf("%s: %w", op, err)
	}
	raw, reqID, err := c.do(ctx, accessToken, call{op: op, method: http.MethodGet, path: "/events/" + seg})
	if err != nil {
		return Event{}, err
	}
	inner, err := unwrap(op, reqID, raw, "event")
	if err != nil {
		return Event{}, err
	}
	var w struct {
		ID        flexString      `json:"id"`
		ClinicID  flexString      `json:"clinic_id"`
		Type      string          `json:"type"`
		EventType string          `json:"event_type"`
		CreatedAt string          `json:"created_at"`
		Data      json.RawMessage `json:"data"`
	}
	if err := decodeInto(op, reqID, inner, &w); err != nil {
		return Event{}, err
	}
	e := Event{ID: string(w.ID), ClinicID: string(w.ClinicID), Type: firstNonEmpty(w.Type, w.EventType), Data: w.Data}
	switch {
	case e.ID == "":
		return Event{}, malformed(op, reqID, errors.New("the event has no id"))
	case e.ID != strings.TrimSpace(id):
		return Event{}, malformed(op, reqID, errors.New("the reply is for another event"))
	case e.Type == "":
		return Event{}, malformed(op, reqID, errors.New("the event has no type"))
	}
	if e.CreatedAt, err = parseEventTime(w.CreatedAt); err != nil {
		return Event{}, malformed(op, reqID, err)
	}
	if len(e.Data) == 0 || string(e.Data) == "null" {
		e.Data = json.RawMessage(`{}`)
	}
	if _, ok := asObject(e.Data); !ok {
		return Event{}, malformed(op, reqID, errors.New(`the event's "data" is not an object`))
	}
	return e, nil
}

func parseEventTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, errors.New("the event's created_at is not an ISO-8601 time")
	}
	return t.UTC(), nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
