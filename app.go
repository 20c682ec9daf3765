package main

import (
	"context"
	"sync"
	"time"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"fullscript-companion/backend/browser"
	"fullscript-companion/backend/companion"
	"fullscript-companion/backend/notify"
	"fullscript-companion/backend/store"
)

// App is what the window's frontend can call (Wails binds every exported
// method). It is a thin adapter: each method forwards to backend/companion,
// which the CLI shares, so no business logic lives here. No method returns
// an access or refresh token (TestBoundMethodsCarryNoTokens).
type App struct {
	svc *companion.Service
	// ctx is the Wails context, set once by startup.
	ctx context.Context

	firstCall sync.Once

	mu           sync.Mutex
	cancelSignIn context.CancelFunc
	launch       *companion.LaunchIntent // the newest `open` or link, handed out once
	started      bool                    // startup ran: the runtime can be called

	// stopBackground ends the background work startup began; shutdown
	// waits for it before closing the vault. bg is its context.
	stopBackground context.CancelFunc
	bg             context.Context
	background     sync.WaitGroup
}

// launchEvent tells the window a LaunchIntent is waiting (it takes it with
// LaunchIntent, so one that arrives while the page loads is not lost).
const launchEvent = "launch"

// historyEvent tells the window History has new entries from Fullscript.
const historyEvent = "history"

// NewApp wraps the companion service for the window.
func NewApp(svc *companion.Service) *App {
	return &App{svc: svc, ctx: context.Background()}
}

// startup runs when the window is created, before the frontend loads. A
// failed start is reported by Overview, so the window can explain it.
func (a *App) startup(ctx context.Context) {
	a.mu.Lock()
	a.ctx = ctx
	a.started = true
	a.mu.Unlock()
	bg, stop := context.WithCancel(ctx)
	a.stopBackground = stop
	// New events from Fullscript: the window refreshes History and its
	// unread count; the desktop shows a notification when Settings allow.
	desktop := notify.Desktop("Fullscript Companion", "org.fullscriptcompanion.Companion")
	a.svc.SetEventHooks(func(r companion.PollResult) { runtime.EventsEmit(ctx, historyEvent, r.New) },
		func(ctx context.Context, title, body string) error {
			return desktop.Notify(ctx, notify.Notification{Title: title, Body: body})
		})
	a.mu.Lock()
	a.bg = bg
	a.mu.Unlock()
	// The vault opens while WebKit loads the page, not before: the page's
	// first call waits for it (the Service holds its lock while starting),
	// so nothing sees a half-open vault, and the window appears sooner.
	a.background.Go(func() {
		_ = a.svc.Start(ctx)
		a.background.Go(func() { a.svc.RunKeeper(bg) })
		a.background.Go(func() { a.svc.RunEventPolling(bg) })
		a.sendPendingSignOuts(bg)
	})
}

// sendPendingSignOuts retries queued revocations now and every minute.
func (a *App) sendPendingSignOuts(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		_, _, _ = a.svc.SendPendingSignOuts(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *App) shutdown(ctx context.Context) {
	if a.stopBackground != nil {
		a.stopBackground()
		a.background.Wait()
	}
	a.svc.Shutdown(ctx)
}

// Overview is what the first screen shows: the app's accounts and settings.
func (a *App) Overview() (companion.Overview, error) {
	ov, err := a.svc.Overview(a.ctx)
	// The page's first call, answered: make bench times process start to
	// here, beside a bare Wails app's first bound call.
	a.firstCall.Do(func() { a.svc.NoteFirstCall(a.ctx) })
	return ov, err
}

// FrontendReady is called once the first screen has rendered.
func (a *App) FrontendReady(report companion.FrontendReport) {
	a.svc.FrontendReady(a.ctx, report)
}

// SignIn runs the loopback sign-in in the system browser and returns the
// new (or updated) account. CancelSignIn ends it early.
func (a *App) SignIn(environment string) (companion.Account, error) {
	ctx, cancel := context.WithCancel(a.ctx)
	a.mu.Lock()
	if a.cancelSignIn != nil {
		a.cancelSignIn() // one sign-in at a time: the newest wins
	}
	a.cancelSignIn = cancel
	a.mu.Unlock()
	defer cancel()
	acct, err := a.svc.SignIn(ctx, companion.SignInRequest{
		Environment: environment,
		OpenBrowser: func(url string) error {
			runtime.BrowserOpenURL(a.ctx, url)
			return nil
		},
	})
	if err != nil {
		return companion.Account{}, err
	}
	return a.svc.OverviewAccount(a.ctx, acct.ID)
}

// CancelSignIn stops a sign-in that is waiting for the browser.
func (a *App) CancelSignIn() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancelSignIn != nil {
		a.cancelSignIn()
		a.cancelSignIn = nil
	}
}

// RenameAccount sets an account's label ("" removes it).
func (a *App) RenameAccount(accountID, label string) (companion.Account, error) {
	if _, err := a.svc.RenameAccount(a.ctx, accountID, label); err != nil {
		return companion.Account{}, err
	}
	return a.svc.OverviewAccount(a.ctx, accountID)
}

// SetDefaultAccount makes an account the one the window opens on.
func (a *App) SetDefaultAccount(accountID string) (companion.Account, error) {
	if _, err := a.svc.SetDefaultAccount(a.ctx, accountID); err != nil {
		return companion.Account{}, err
	}
	return a.svc.OverviewAccount(a.ctx, accountID)
}

// SignOut signs an account out (revoked now, or queued while offline). Its
// History stays unless removeHistory ("Remove the account and its history").
func (a *App) SignOut(accountID string, removeHistory bool) (companion.SignOutResult, error) {
	if removeHistory {
		return a.svc.SignOutAndForget(a.ctx, accountID)
	}
	return a.svc.SignOut(a.ctx, accountID)
}

// RetryPendingSignOuts is called when the network comes back.
func (a *App) RetryPendingSignOuts() (int, error) {
	sent, _, err := a.svc.SendPendingSignOuts(a.ctx)
	return sent, err
}

// SearchPatients searches the clinic's patients (empty query: all).
func (a *App) SearchPatients(accountID, query string, page int) (companion.PatientPage, error) {
	return a.svc.SearchPatients(a.ctx, accountID, query, page)
}

// Patient reads one patient by id (a launch names one).
func (a *App) Patient(accountID, patientID string) (companion.Patient, error) {
	return a.svc.PatientByID(a.ctx, accountID, patientID)
}

// RecentPatients lists patients the account opened plans for. Offline.
func (a *App) RecentPatients(accountID string) ([]companion.Patient, error) {
	return a.svc.RecentPatients(a.ctx, accountID)
}

// ValidatePatient checks a patient typed in by hand.
func (a *App) ValidatePatient(p companion.Patient) []companion.FieldError {
	errs := companion.ValidatePatient(p, time.Now())
	if errs == nil {
		return []companion.FieldError{}
	}
	return errs
}

// RememberPatient keeps a patient the practitioner opens a plan for (sealed).
func (a *App) RememberPatient(accountID string, p companion.Patient) error {
	return a.svc.RememberPatient(a.ctx, accountID, p)
}

// NewSessionGrant returns a fresh single-use grant for one Embed mount:
// {secretToken, expiresAt, env, domain, publicKey} and nothing else.
func (a *App) NewSessionGrant(accountID string) (companion.SessionGrant, error) {
	return a.svc.NewSessionGrant(a.ctx, accountID)
}

// HowFullscriptOpens says where the account's Fullscript screens open for
// the window at origin (its window.location.origin), and why.
func (a *App) HowFullscriptOpens(accountID, origin string) (companion.OpenChoice, error) {
	return a.svc.HowFullscriptOpens(a.ctx, accountID, origin)
}

// SetOpenMode saves how an environment's screens open: automatic, window or browser.
func (a *App) SetOpenMode(environment, mode string) error {
	return a.svc.SetOpenMode(a.ctx, environment, mode)
}

// EmbedFrameCheck says whether Fullscript refuses its frame for the window
// at origin: refused, allowed or unknown (a silent panel asks it).
func (a *App) EmbedFrameCheck(accountID, origin string) (string, error) {
	return a.svc.EmbedFrameCheck(a.ctx, accountID, origin)
}

// OpenInBrowser opens one of Fullscript's screens in the system browser
// with a fresh Redirect link, and says what it opened. The link itself
// never reaches the frontend.
func (a *App) OpenInBrowser(req companion.BrowserRequest) (companion.BrowserOpened, error) {
	return a.svc.OpenInBrowser(a.ctx, req, browser.Open)
}

// CopyBrowserLink puts a fresh Redirect link on the clipboard, for when the
// browser would not open; the link goes nowhere else.
func (a *App) CopyBrowserLink(req companion.BrowserRequest) (companion.BrowserOpened, error) {
	url, opened, err := a.svc.BrowserLink(a.ctx, req)
	if err != nil {
		return companion.BrowserOpened{}, err
	}
	if err := runtime.ClipboardSetText(a.ctx, url); err != nil {
		return companion.BrowserOpened{}, &companion.Problem{What: "The link could not be put on the clipboard.", Fix: "Try again.", Err: err}
	}
	a.clearClipboardLater(url)
	return opened, nil
}

// linkOnClipboard is how long a copied Redirect link stays on the
// clipboard: it may sign its holder in, and clipboard managers keep what
// they see.
const linkOnClipboard = time.Minute

// clearClipboardLater empties the clipboard after linkOnClipboard, if it
// still holds text (and nothing the person copied since).
func (a *App) clearClipboardLater(text string) {
	a.mu.Lock()
	bg := a.bg
	a.mu.Unlock()
	if bg == nil {
		return
	}
	a.background.Go(func() {
		select {
		case <-bg.Done():
		case <-time.After(linkOnClipboard):
			if now, err := runtime.ClipboardGetText(a.ctx); err == nil && now == text {
				_ = runtime.ClipboardSetText(a.ctx, "")
			}
		}
	})
}

// Practitioners lists whom a staff account can write plans for.
func (a *App) Practitioners(accountID string) ([]companion.Practitioner, error) {
	return a.svc.Practitioners(a.ctx, accountID)
}

// Prescriber is the practitioner a staff account chose ("" if none yet).
func (a *App) Prescriber(accountID string) (string, error) {
	return a.svc.Prescriber(a.ctx, accountID)
}

// SetPrescriber remembers whom a staff account writes plans for.
func (a *App) SetPrescriber(accountID, practitionerID string) error {
	return a.svc.SetPrescriber(a.ctx, accountID, practitionerID)
}

// PatientPlans lists a patient's treatment plans, newest first (the last
// copy when offline).
func (a *App) PatientPlans(accountID, patientID string) (companion.PatientPlans, error) {
	return a.svc.PatientPlans(a.ctx, accountID, patientID)
}

// CopyPlanInvitation puts a plan's patient-facing invitation link on the
// clipboard.
func (a *App) CopyPlanInvitation(accountID, planID string) error {
	url, err := a.svc.PlanInvitationURL(a.ctx, accountID, planID)
	if err != nil {
		return err
	}
	if err := runtime.ClipboardSetText(a.ctx, url); err != nil {
		return &companion.Problem{What: "The link could not be put on the clipboard.", Fix: "Try again.", Err: err}
	}
	return nil
}

// RecordEmbedEvent stores a Fullscript.js event in the clinic's history.
func (a *App) RecordEmbedEvent(accountID string, payload map[string]any) (companion.HistoryEntry, error) {
	return a.svc.RecordEmbedEvent(a.ctx, accountID, payload)
}

// History lists an account's history. Offline.
func (a *App) History(accountID string) ([]companion.HistoryEntry, error) {
	return a.svc.History(a.ctx, accountID)
}

// HistoryRecord is the History view: what was done here and what
// Fullscript says happened at each clinic, filtered. Offline.
func (a *App) HistoryRecord(q companion.HistoryQuery) (companion.HistoryPage, error) {
	return a.svc.HistoryRecord(a.ctx, q)
}

// MarkHistorySeen: the practitioner looked at History.
func (a *App) MarkHistorySeen() error {
	return a.svc.MarkHistorySeen(a.ctx)
}

// UnreadHistory is the sidebar's count of new events from Fullscript.
func (a *App) UnreadHistory() (int, error) {
	return a.svc.UnreadHistory(a.ctx)
}

// CheckEventsNow is History's "Check now".
func (a *App) CheckEventsNow() (companion.EventsStatus, error) {
	return a.svc.CheckEventsNow(a.ctx)
}

// EventSettings reads how often History checks Fullscript, and whether it notifies.
func (a *App) EventSettings() (companion.EventSettings, error) {
	return a.svc.EventSettings(a.ctx)
}

// SaveEventSettings stores them.
func (a *App) SaveEventSettings(in companion.EventSettings) (companion.EventSettings, error) {
	return a.svc.SaveEventSettings(a.ctx, in)
}

// Settings reads the settings (the client secret only as set or not).
func (a *App) Settings() (companion.SettingsView, error) {
	return a.svc.Settings(a.ctx)
}

// ValidateSettings checks a Settings form field by field.
func (a *App) ValidateSettings(in companion.SettingsInput) []companion.FieldError {
	errs := companion.ValidateSettings(in)
	if errs == nil {
		return []companion.FieldError{}
	}
	return errs
}

// SaveSettings stores a Settings form.
func (a *App) SaveSettings(in companion.SettingsInput) (companion.SettingsView, error) {
	return a.svc.SaveSettings(a.ctx, in)
}

// Diagnostics says what to register at Fullscript and what is missing.
func (a *App) Diagnostics() (companion.Diagnostics, error) {
	return a.svc.Diagnostics(a.ctx)
}

// CheckConnection checks settings, network, redirect URI, Embed frame and,
// with an account, its access.
func (a *App) CheckConnection(accountID, origin string) (companion.ConnectionReport, error) {
	return a.svc.CheckConnection(a.ctx, accountID, origin)
}

// LaunchIntent is the newest `open` or link the window has not acted on:
// the one it started with, or one a second launch handed over. It is
// handed out once (nil after that).
func (a *App) LaunchIntent(origin string) *companion.LaunchIntent {
	if !a.svc.TakesLaunches(origin) {
		return nil // another page of this app takes it (wails dev only)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	in := a.launch
	a.launch = nil
	return in
}

// deliverLaunch keeps an `open` or a link from a second launch for the
// window to take, and brings the window forward. A newer one replaces one
// not yet taken: the practitioner's last click wins.
func (a *App) deliverLaunch(in companion.LaunchIntent) {
	a.mu.Lock()
	a.launch = &in
	a.mu.Unlock()
	ctx, ok := a.runtimeCtx()
	if !ok {
		return // the page takes it when it loads
	}
	a.bringForward()
	runtime.EventsEmit(ctx, launchEvent)
}

// bringForward shows the window, as a second launch expects.
func (a *App) bringForward() {
	ctx, ok := a.runtimeCtx()
	if !ok {
		return
	}
	runtime.WindowUnminimise(ctx)
	runtime.Show(ctx)
}

// navigate shows a place of the window the menu names (the frontend acts
// on the event).
func (a *App) navigate(action string) {
	if ctx, ok := a.runtimeCtx(); ok {
		runtime.EventsEmit(ctx, menuEvent, action)
	}
}

// quit ends the app as closing the window does: shutdown runs.
func (a *App) quit() {
	if ctx, ok := a.runtimeCtx(); ok {
		runtime.Quit(ctx)
	}
}

// runtimeCtx is the Wails context once startup has run: the runtime may
// only be called with it (a second launch or the menu can come earlier).
func (a *App) runtimeCtx() (context.Context, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ctx, a.started
}

// Backups lists the vault's backups, newest first (it works while the
// vault itself cannot be opened).
func (a *App) Backups() ([]store.Backup, error) {
	return a.svc.Backups(a.ctx)
}

// RestoreBackup puts a backup back in place of a broken or lost vault; the
// file it replaces is set aside, never deleted.
func (a *App) RestoreBackup(name string) (companion.RestoreResult, error) {
	return a.svc.Restore(a.ctx, name)
}

// StartOver sets the vault aside and opens a new, empty one: every
// account signs in again. Returns where the old files went.
func (a *App) StartOver() (string, error) {
	return a.svc.StartOver(a.ctx)
}
