package companion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"fullscript-companion/backend/fullscript"
	"fullscript-companion/backend/store"
)

// Fullscript's Events API (reference 6.1) says what happened at a clinic:
// a patient ordered, lab results came back, a plan was activated
// elsewhere. A token sees its own clinic's events, so the app polls once
// per clinic with one valid account of it, lists each category, fetches
// the details of each event it has not stored yet, and stores them sealed,
// keyed by Fullscript's event id (de-duplicated for the 30 days Fullscript
// lists them, and kept after).

const (
	// eventsKept is how far back Fullscript lists events.
	eventsKept = 30 * 24 * time.Hour
	// eventPageSize is Fullscript's largest page.
	eventPageSize = fullscript.MaxPageSize
	// eventsMaxPages bounds one category's listing in one poll: a first
	// poll of a busy clinic goes on next round instead of hogging the budget.
	eventsMaxPages = 20
	// eventsBudgetWait is the longest a poll waits for room in the rate
	// budget before leaving the rest to the next round.
	eventsBudgetWait = 30 * time.Second
	// eventDetailTimeout bounds one request of a poll.
	eventRequestTimeout = 20 * time.Second
)

// PollResult says what one poll did.
type PollResult struct {
	Clinics  int `json:"clinics"`  // clinics polled
	New      int `json:"new"`      // events stored for the first time
	KeptOut  int `json:"keptOut"`  // events whose details could not be read
	Requests int `json:"requests"` // requests sent to Fullscript
	// Problems are the clinics that could not be polled, with why.
	Problems []ClinicProblem `json:"problems"`
	// NewEvents are the events stored for the first time, for notifications.
	NewEvents []store.ClinicEvent `json:"-"`
}

// ClinicProblem is why one clinic's events could not be fetched.
type ClinicProblem struct {
	ClinicID   string `json:"clinicId"`
	ClinicName string `json:"clinicName"`
	Problem    string `json:"problem"`
	// Offline or RateLimited tell the poller to wait.
	Offline     bool          `json:"offline"`
	RateLimited bool          `json:"rateLimited"`
	RetryAfter  time.Duration `json:"-"`
	err         error
}

// eventPolling is what the Service keeps between polls: one poll at a
// time, and the events whose details were unreadable (fetched once per run,
// not on every round).
type eventPolling struct {
	mu       sync.Mutex // one poll at a time in this process
	stateMu  sync.Mutex
	rejected map[string]bool // env|clinic|event
	// every overrides the saved interval (tests).
	every  time.Duration
	status EventsStatus
	wake   chan struct{} // "Check now"
	// onNew hears of each poll that stored events (the window refreshes History).
	onNew func(PollResult)
	// notify shows a desktop notification; nil: none.
	notify func(ctx context.Context, title, body string) error
}

// clinicToPoll is one clinic and the accounts that may poll it, the
// default (or first) first.
type clinicToPoll struct {
	env, clinicID, clinicName string
	accounts                  []AccountInfo
}

// clinicsToPoll groups the accounts that can call Fullscript by clinic.
func (s *Service) clinicsToPoll(ctx context.Context, onlyAccount string) ([]clinicToPoll, error) {
	r, err := s.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []clinicToPoll
	for _, a := range r.Accounts {
		if a.Status == StatusNeedsSignIn || a.Status == StatusUnreadable || onlyAccount != "" && a.ID != onlyAccount {
			continue
		}
		i := slices.IndexFunc(out, func(c clinicToPoll) bool { return c.env == a.Env && c.clinicID == a.ClinicID })
		if i < 0 {
			out = append(out, clinicToPoll{env: a.Env, clinicID: a.ClinicID, clinicName: a.ClinicName})
			i = len(out) - 1
		}
		if a.Default {
			out[i].accounts = append([]AccountInfo{a}, out[i].accounts...)
		} else {
			out[i].accounts = append(out[i].accounts, a)
		}
	}
	return out, nil
}

// PollEvents fetches every clinic's new events now (or, with accountID,
// that account's clinic's) and stores them. One clinic's trouble does not
// stop the others, except being offline or rate-limited, which stops the
// poll: the next one tries again.
func (s *Service) PollEvents(ctx context.Context, accountID string) (PollResult, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return PollResult{}, err
	}
	if accountID != "" {
		if _, err := s.account(ctx, accountID); err != nil {
			return PollResult{}, err
		}
	}
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	clinics, err := s.clinicsToPoll(ctx, accountID)
	if err != nil {
		return PollResult{}, err
	}
	var res PollResult
	for _, c := range clinics {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		n, newEvents, p := s.pollClinic(ctx, st, c, &res)
		res.New += n
		res.NewEvents = append(res.NewEvents, newEvents...)
		res.Clinics++
		if p != nil {
			res.Problems = append(res.Problems, *p)
			if p.Offline || p.RateLimited {
				break
			}
		}
	}
	return res, nil
}

// pollClinic polls one clinic with the first of its accounts that works.
func (s *Service) pollClinic(ctx context.Context, st *store.Store, c clinicToPoll, res *PollResult) (int, []store.ClinicEvent, *ClinicProblem) {
	var last *ClinicProblem
	for _, a := range c.accounts {
		n, evs, err := s.pollClinicAs(ctx, st, c, a, res)
		if err == nil {
			return n, evs, nil
		}
		p := s.clinicProblem(c, err)
		s.log.Info("events: a clinic's poll stopped", "clinic", c.clinicID, "account", a.ID, "err", err)
		// Offline, rate-limited or out of budget: another account of the
		// clinic would fare no better.
		if p.Offline || p.RateLimited || errors.Is(err, errBudget) {
			return n, evs, p
		}
		last = p
		// The account's sign-in is dead (or its token elsewhere): try the next.
	}
	return 0, nil, last
}

// errBudget: the rate budget has no room for a while; the rest waits for
// the next round.
var errBudget = errors.New("the app is near Fullscript's rate limit; the rest waits for the next check")

func (s *Service) clinicProblem(c clinicToPoll, err error) *ClinicProblem {
	p := &ClinicProblem{ClinicID: c.clinicID, ClinicName: c.clinicName, err: err}
	if d, ok := retryAfterOf(err); ok {
		p.RateLimited, p.RetryAfter = true, d
		p.Problem = "Fullscript asked the app to slow down; it checks again after the wait it gave."
		return p
	}
	if errors.Is(err, errBudget) {
		p.RateLimited = true
		p.Problem = errBudget.Error() + "."
		return p
	}
	if fullscript.IsOffline(err) || isNetErr(err) || isTimeout(err) {
		p.Offline = true
		p.Problem = "Fullscript could not be reached; the app checks again when it can."
		return p
	}
	var pr *Problem
	if errors.As(err, &pr) {
		p.Problem = pr.What
		return p
	}
	p.Problem = "Fullscript's events could not be read: " + err.Error()
	return p
}

// pollClinicAs lists the clinic's categories with one account's token.
func (s *Service) pollClinicAs(ctx context.Context, st *store.Store, c clinicToPoll, a AccountInfo, res *PollResult) (int, []store.ClinicEvent, error) {
	api, err := s.accountAPI(ctx, a.ID)
	if err != nil {
		return 0, nil, err
	}
	now := s.now()
	// Day granularity, strictly after: one day more than Fullscript keeps,
	// so nothing at the window's edge is missed.
	since := now.Add(-eventsKept - 24*time.Hour).UTC()
	known, err := st.KnownClinicEvents(ctx, c.env, c.clinicID, since.Add(-24*time.Hour))
	if err != nil {
		return 0, nil, err
	}
	filter := ">" + since.Format("2006-01-02")
	// A clinic's first poll brings its last 30 days at once: kept, listed,
	// never announced as new.
	polledKey := "events.polled." + c.env + "." + c.clinicID
	_, polled, err := st.Setting(ctx, polledKey)
	if err != nil {
		return 0, nil, err
	}
	send := func(call func(ctx context.Context, access string) error) error {
		if !s.budget.take(ctx, eventsBudgetWait) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if until, held := s.budget.held(); held {
				return fmt.Errorf("%w (Fullscript asked to wait until %s)", errBudget, until.Format(time.TimeOnly))
			}
			return errBudget
		}
		res.Requests++
		rctx, cancel := context.WithTimeout(ctx, eventRequestTimeout)
		defer cancel()
		_, err := withAccess(rctx, s, a.ID, func(access string) (struct{}, error) { return struct{}{}, call(rctx, access) })
		return err
	}
	type ref struct{ id, category string }
	var fresh []ref
	for _, cat := range fullscript.EventCategories {
		for page := 1; page <= eventsMaxPages; page++ {
			var p fullscript.EventPage
			err := send(func(ctx context.Context, access string) (err error) {
				p, err = api.api.ListEvents(ctx, access, cat, filter, page, eventPageSize)
				return err
			})
			if fullscript.IsForbidden(err) {
				// The app's scopes do not cover this category: the others still count.
				s.log.Info("events: a category is not allowed for this app", "clinic", c.clinicID, "category", cat)
				break
			}
			if err != nil {
				return 0, nil, err
			}
			allKnown := true
			for _, e := range p.Events {
				if known[e.ID] {
					continue
				}
				allKnown = false
				if !s.rejectedEvent(c, e.ID) && !slices.ContainsFunc(fresh, func(f ref) bool { return f.id == e.ID }) {
					fresh = append(fresh, ref{e.ID, cat})
				}
			}
			// Newest first: a page of known events means the rest are too.
			if allKnown || p.Page.Next == nil || len(p.Events) == 0 {
				break
			}
		}
	}
	var added []store.ClinicEvent
	for _, r := range fresh {
		var e fullscript.Event
		err := send(func(ctx context.Context, access string) (err error) {
			e, err = api.api.EventDetails(ctx, access, r.id)
			return err
		})
		switch {
		case errors.Is(err, fullscript.ErrMalformedReply):
			s.keepOut(c, r.id, err)
			res.KeptOut++
			continue
		case fullscript.IsNotFound(err):
			continue // past Fullscript's 30 days since it was listed
		case err != nil && stopsThePoll(err):
			return len(added), added, err
		case err != nil:
			// This event's trouble (a 5xx or a refusal for it alone) must not
			// hold back the events after it, round after round.
			s.keepOut(c, r.id, err)
			res.KeptOut++
			continue
		}
		if e.ClinicID != "" && e.ClinicID != c.clinicID {
			s.keepOut(c, r.id, fmt.Errorf("the event is for clinic %s", e.ClinicID))
			res.KeptOut++
			continue
		}
		ce := store.ClinicEvent{Environment: c.env, ClinicID: c.clinicID, EventID: e.ID, AccountID: a.ID, Category: r.category,
			Type: e.Type, CreatedAt: e.CreatedAt, FetchedAt: s.now(), Data: e.Data}
		ce.PatientID, ce.PlanID = eventSubjects(e.Data)
		ce.Backfill = !polled
		ok, err := st.AddClinicEvent(ctx, ce)
		if err != nil {
			// Too large, say: this one is kept out, the rest go on.
			s.keepOut(c, r.id, err)
			res.KeptOut++
			continue
		}
		if ok {
			added = append(added, ce)
		}
	}
	if len(added) > 0 {
		s.log.Info("events: new at a clinic", "clinic", c.clinicID, "new", len(added), "first_poll", !polled)
	}
	if !polled {
		if err := st.SetSetting(ctx, polledKey, now.UTC().Format(time.RFC3339), false); err != nil {
			return len(added), added, err
		}
	}
	return len(added), added, nil
}

// stopsThePoll: being offline, rate-limited, out of budget, or an account
// whose sign-in ended (a Problem) is the whole poll's trouble, not one
// event's.
func stopsThePoll(err error) bool {
	var pr *Problem
	_, limited := retryAfterOf(err)
	return limited || errors.Is(err, errBudget) || errors.As(err, &pr) || fullscript.IsUnauthorized(err) ||
		fullscript.IsOffline(err) || isNetErr(err) || isTimeout(err) || errors.Is(err, context.Canceled)
}

// keepOut remembers an event whose details could not be used, so this run
// does not fetch it again on every round; it is logged, without its body.
func (s *Service) keepOut(c clinicToPoll, eventID string, why error) {
	s.events.stateMu.Lock()
	if s.events.rejected == nil {
		s.events.rejected = map[string]bool{}
	}
	s.events.rejected[c.env+"|"+c.clinicID+"|"+eventID] = true
	s.events.stateMu.Unlock()
	s.log.Warn("events: an event was kept out: its details could not be used", "clinic", c.clinicID, "event", eventID, "err", why)
}

func (s *Service) rejectedEvent(c clinicToPoll, eventID string) bool {
	s.events.stateMu.Lock()
	defer s.events.stateMu.Unlock()
	return s.events.rejected[c.env+"|"+c.clinicID+"|"+eventID]
}

// eventSubjects finds the patient and the plan an event is about, in the
// shapes Fullscript's events take: {"treatment_plan": {"id", "patient_id"}},
// {"order": {"patient": {"id"}}}, {"patient": {"id"}}.
func eventSubjects(data json.RawMessage) (patientID, planID string) {
	var top map[string]any
	if json.Unmarshal(data, &top) != nil {
		return "", ""
	}
	patientID = firstSet(str(obj(top, "patient")["id"]), str(top["patient_id"]))
	for key, v := range top {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if patientID == "" {
			patientID = firstSet(str(obj(m, "patient")["id"]), str(m["patient_id"]))
		}
		if key == "treatment_plan" {
			planID = str(m["id"])
		}
	}
	return patientID, planID
}
