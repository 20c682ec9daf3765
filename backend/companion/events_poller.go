package companion

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The poller checks Fullscript's events while the window runs: one poller
// per data folder across processes (like the keeper), every few minutes
// (Settings), at once on "Check now", waiting while offline (a short,
// growing wait, so it resumes soon after Fullscript is back) and for as
// long as a 429's Retry-After says.

const (
	eventsLockName = "events.lock"
	// Settings keys.
	settingEventsEvery  = "events.every_seconds"
	settingEventsNotify = "events.notify"
	settingHistorySeen  = "history.seen_at"
	// DefaultEventsEvery is how often the window checks by default.
	DefaultEventsEvery = 5 * time.Minute
	// MinEventsEvery and MaxEventsEvery bound the setting (a short one is
	// for demos and tests; the rate budget holds either way).
	MinEventsEvery = 5 * time.Second
	MaxEventsEvery = 24 * time.Hour
	// eventsOfflineFirst is the first wait after Fullscript could not be
	// reached; it doubles up to the interval.
	eventsOfflineFirst = 5 * time.Second
	// notifyRecent: only events this young are announced, so a first
	// check (30 days at once) or a morning start is not a burst.
	notifyRecent = time.Hour
	// notifyMax is how many notifications one check shows; the rest are
	// said as a count.
	notifyMax = 3
)

// EventsStatus is what the History view says about checking Fullscript.
type EventsStatus struct {
	CheckedAt  *time.Time `json:"checkedAt"`  // the last check that finished
	Checking   bool       `json:"checking"`   // one is under way
	Offline    bool       `json:"offline"`    // the last check could not reach Fullscript
	WaitUntil  *time.Time `json:"waitUntil"`  // Fullscript asked the app to wait until then
	Problem    string     `json:"problem"`    // the last check's trouble, in words
	EverySec   int        `json:"everySec"`   // the interval
	Notify     bool       `json:"notify"`     // desktop notifications are on
	NewInCheck int        `json:"newInCheck"` // events the last check stored
}

// EventSettings are History's settings.
type EventSettings struct {
	EverySec int  `json:"everySec"`
	Notify   bool `json:"notify"`
}

// SetEventHooks wires the window in: onNew hears of each check that stored
// events or changed how checking goes; notify shows a desktop
// notification (nil: none).
func (s *Service) SetEventHooks(onNew func(PollResult), notify func(ctx context.Context, title, body string) error) {
	s.events.stateMu.Lock()
	defer s.events.stateMu.Unlock()
	s.events.onNew, s.events.notify = onNew, notify
}

// EventSettings reads History's settings.
func (s *Service) EventSettings(ctx context.Context) (EventSettings, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return EventSettings{}, err
	}
	out := EventSettings{EverySec: int(DefaultEventsEvery / time.Second), Notify: true}
	if v, ok, _ := st.Setting(ctx, settingEventsEvery); ok {
		if n, err := strconv.Atoi(v); err == nil {
			out.EverySec = n
		}
	}
	if v, ok, _ := st.Setting(ctx, settingEventsNotify); ok {
		out.Notify = v != "off"
	}
	return out, nil
}

// SaveEventSettings stores History's settings; the poller takes a new
// interval at once.
func (s *Service) SaveEventSettings(ctx context.Context, in EventSettings) (EventSettings, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return EventSettings{}, err
	}
	every := time.Duration(in.EverySec) * time.Second
	if every < MinEventsEvery || every > MaxEventsEvery {
		return EventSettings{}, &Problem{What: fmt.Sprintf("Check every %d seconds is not possible.", in.EverySec),
			Fix: "Choose between 5 seconds and 24 hours.", Err: ErrUsage}
	}
	notify := "on"
	if !in.Notify {
		notify = "off"
	}
	if err := st.SetSetting(ctx, settingEventsEvery, strconv.Itoa(in.EverySec), false); err != nil {
		return EventSettings{}, fmt.Errorf("save History settings: %w", err)
	}
	if err := st.SetSetting(ctx, settingEventsNotify, notify, false); err != nil {
		return EventSettings{}, fmt.Errorf("save History settings: %w", err)
	}
	s.wakePoller()
	return s.EventSettings(ctx)
}

func (s *Service) wakePoller() {
	s.events.stateMu.Lock()
	w := s.events.wake
	s.events.stateMu.Unlock()
	if w != nil {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// EventsStatus says how checking Fullscript goes.
func (s *Service) EventsStatus(ctx context.Context) EventsStatus {
	s.events.stateMu.Lock()
	st := s.events.status
	s.events.stateMu.Unlock()
	if set, err := s.EventSettings(ctx); err == nil {
		st.EverySec, st.Notify = set.EverySec, set.Notify
	}
	if until, held := s.budget.held(); held {
		st.WaitUntil = &until
	}
	return st
}

// CheckEventsNow is "Check now": a check at once, in this process.
func (s *Service) CheckEventsNow(ctx context.Context) (EventsStatus, error) {
	if _, err := s.ready(ctx); err != nil {
		return EventsStatus{}, err
	}
	s.checkEvents(ctx)
	return s.EventsStatus(ctx), nil
}

// checkEvents runs one check and records how it went.
func (s *Service) checkEvents(ctx context.Context) PollResult {
	var was EventsStatus
	s.setStatus(func(st *EventsStatus) { st.Checking, was = true, *st })
	res, err := s.PollEvents(ctx, "")
	now := s.now()
	var changed bool
	defer func() {
		// The window hears of new events, and of a change in how checking
		// goes (offline, back, asked to wait), so History says it at once.
		if res.New > 0 || changed {
			s.events.stateMu.Lock()
			onNew := s.events.onNew
			s.events.stateMu.Unlock()
			if onNew != nil {
				onNew(res)
			}
		}
	}()
	s.setStatus(func(st *EventsStatus) {
		defer func() { changed = st.Offline != was.Offline || st.Problem != was.Problem }()
		st.Checking, st.Offline, st.Problem, st.NewInCheck = false, false, "", res.New
		if err != nil {
			st.Problem = "History could not check Fullscript: " + err.Error()
			return
		}
		st.CheckedAt = &now
		var problems []string
		for _, p := range res.Problems {
			st.Offline = st.Offline || p.Offline
			problems = append(problems, p.ClinicName+": "+p.Problem)
		}
		st.Problem = strings.Join(problems, " ")
	})
	if res.New > 0 {
		s.announce(ctx, res)
	}
	return res
}

func (s *Service) setStatus(f func(*EventsStatus)) {
	s.events.stateMu.Lock()
	defer s.events.stateMu.Unlock()
	f(&s.events.status)
}

// announce shows desktop notifications for new events, when Settings allow.
func (s *Service) announce(ctx context.Context, res PollResult) {
	s.events.stateMu.Lock()
	notify := s.events.notify
	s.events.stateMu.Unlock()
	set, err := s.EventSettings(ctx)
	if notify == nil || err != nil || !set.Notify {
		return
	}
	names := s.clinicNames(ctx)
	shown, more := 0, 0
	for _, e := range res.NewEvents {
		d := describeClinicEvent(e)
		// A clinic's first check (its last 30 days) is no news.
		if e.Backfill || !d.notable || s.now().Sub(e.CreatedAt) > notifyRecent {
			continue
		}
		if shown == notifyMax {
			more++
			continue
		}
		body := strings.TrimSpace(strings.Join(nonEmpty(d.patientName, d.summary), " · "))
		if c := names[e.Environment+"|"+e.ClinicID]; c != "" {
			body = strings.TrimSpace(body + "\n" + c)
		}
		if err := notify(ctx, d.title, body); err != nil {
			s.log.Info("events: no desktop notification", "err", err)
			return
		}
		shown++
	}
	if more > 0 {
		if err := notify(ctx, fmt.Sprintf("%d more from Fullscript", more), "See History."); err != nil {
			s.log.Info("events: no desktop notification", "err", err)
		}
	}
}

// RunEventPolling checks Fullscript's events until ctx ends. Only one
// process per data folder polls; the others wait for the lock.
func (s *Service) RunEventPolling(ctx context.Context) {
	release, ok := s.holdFolderLock(ctx, eventsLockName, time.Minute, "events")
	if !ok {
		return
	}
	defer release()
	wake := make(chan struct{}, 1)
	s.events.stateMu.Lock()
	s.events.wake = wake
	s.events.stateMu.Unlock()
	s.log.Info("events: checking Fullscript's events")
	offlineWait := time.Duration(0)
	for {
		res := s.checkEvents(ctx)
		every := s.eventsEvery(ctx)
		next := every
		offline, limited := false, time.Duration(0)
		for _, p := range res.Problems {
			offline = offline || p.Offline
			if p.RateLimited {
				limited = max(limited, p.RetryAfter)
			}
		}
		switch {
		case limited > 0 || s.budgetHeld():
			if until, held := s.budget.held(); held {
				limited = max(limited, time.Until(until))
			}
			next = max(limited, time.Second)
			s.log.Info("events: waiting as Fullscript asked", "wait", next)
		case offline:
			offlineWait = min(max(offlineWait*2, eventsOfflineFirst), every)
			next = offlineWait
		default:
			offlineWait = 0
		}
		select {
		case <-ctx.Done():
			s.log.Info("events: stopped")
			return
		case <-wake:
		case <-time.After(next):
		}
	}
}

func (s *Service) budgetHeld() bool {
	_, held := s.budget.held()
	return held
}

// eventsEvery is the interval in force.
func (s *Service) eventsEvery(ctx context.Context) time.Duration {
	if s.events.every > 0 {
		return s.events.every
	}
	set, err := s.EventSettings(ctx)
	if err != nil {
		return DefaultEventsEvery
	}
	return min(max(time.Duration(set.EverySec)*time.Second, MinEventsEvery), MaxEventsEvery)
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}
