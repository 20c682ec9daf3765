package companion

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

// Each way a call to Fullscript can fail is said as it is, on every path
// (the token endpoint, the session grant, patient search): a slow answer is
// not "cannot be reached", and an API 5xx is Fullscript's trouble, not a
// generic "Try again" (issue 13, failure 8).
func TestCallFailuresAreSaidAsTheyAre(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	w.http = &http.Client{Timeout: 300 * time.Millisecond}
	w.svc = w.newService()
	a := w.signIn("")

	calls := []struct {
		name, path, method string
		call               func() error
	}{
		{"refresh", "/api/oauth/token", "POST", func() error { _, err := w.svc.Refresh(context.Background(), a.ID); return err }},
		{"grant", "/api/clinic/embeddable/session_grants", "POST", func() error {
			_, err := w.svc.NewSessionGrant(context.Background(), a.ID)
			return err
		}},
		{"search", "/api/clinic/patients", "GET", func() error {
			_, err := w.svc.SearchPatients(context.Background(), a.ID, "", 1)
			return err
		}},
	}
	faults := []struct {
		name        string
		fault       sandbox.Fault
		want, fix   string
		offlineCode bool // wraps ErrOffline (CLI exit 4)
	}{
		{"5xx", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, "Fullscript is having trouble", "Wait a few minutes", false},
		{"429", sandbox.Fault{Kind: sandbox.FaultRateLimit, RetryAfter: 7}, "Fullscript asked the app to slow down", "Wait 7s", false},
		{"slow", sandbox.Fault{Kind: sandbox.FaultLatency, LatencyMS: 2000}, "Fullscript did not answer in time", "Check the internet connection", true},
	}
	for _, c := range calls {
		for _, f := range faults {
			t.Run(c.name+"/"+f.name, func(t *testing.T) {
				fault := f.fault
				fault.Path, fault.Method, fault.Count = c.path, c.method, 1
				if _, err := w.sb.AddFault(fault); err != nil {
					t.Fatal(err)
				}
				err := c.call()
				v := ViewOf(err)
				if !strings.HasPrefix(v.Message, f.want) || !strings.Contains(v.Fix, f.fix) {
					t.Errorf("said %q / %q, want %q... / ...%q... (err %v)", v.Message, v.Fix, f.want, f.fix, err)
				}
				if strings.Contains(v.Message, "cannot be reached") {
					t.Errorf("%q says unreachable, but Fullscript was reached", v.Message)
				}
				if got := errors.Is(err, ErrOffline); got != f.offlineCode {
					t.Errorf("errors.Is(ErrOffline) = %v, want %v", got, f.offlineCode)
				}
			})
		}
	}
}
