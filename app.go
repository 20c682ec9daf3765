package main

import (
	"context"

	"fullscript-companion/backend/companion"
)

// App is what the window's frontend can call (Wails binds every exported
// method). It is a thin adapter: each method forwards to backend/companion,
// which the CLI shares, so no business logic lives here.
type App struct {
	svc *companion.Service
	// ctx is the Wails context, set once by startup.
	ctx context.Context
}

// NewApp wraps the companion service for the window.
func NewApp(svc *companion.Service) *App {
	return &App{svc: svc, ctx: context.Background()}
}

// startup runs when the window is created, before the frontend loads. A
// failed start is reported by Overview, so the window can explain it.
func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	_ = a.svc.Start(ctx)
}

func (a *App) shutdown(ctx context.Context) {
	a.svc.Shutdown(ctx)
}

// Overview is what the first screen shows: the app's accounts and settings.
func (a *App) Overview() (companion.Overview, error) {
	return a.svc.Overview(a.ctx)
}

// FrontendReady is called once the first screen has rendered.
func (a *App) FrontendReady(report companion.FrontendReport) {
	a.svc.FrontendReady(a.ctx, report)
}
