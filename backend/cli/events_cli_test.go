package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"fullscript-companion/backend/sandbox"
)

func (f *fixture) happen(what, clinicID string) {
	f.t.Helper()
	b, _ := json.Marshal(map[string]string{"what": what, "clinic_id": clinicID})
	res, err := http.Post(f.base+"/_sandbox/happen", "application/json", bytes.NewReader(b))
	if err != nil || res.StatusCode != http.StatusCreated {
		f.t.Fatalf("happen %s: %v %v", what, res, err)
	}
	res.Body.Close()
}

func TestCLIEvents(t *testing.T) {
	f := newFixture(t, sandbox.Config{AutoApprove: true})
	info := f.sb.Info()
	f.login("")                          // Ada at Riverside
	f.login(info.Clinics[1].Users[0].ID) // Chloe at Northside
	riverside, northside := info.Clinics[0].ID, info.Clinics[1].ID
	f.happen("order_placed", riverside)
	f.happen("lab_results", northside)

	tests := []struct {
		name     string
		args     []string
		code     int
		inOut    []string
		notInOut []string
		inErr    string
	}{
		{"every clinic", []string{"events"}, 0, []string{"Order placed", "Lab results available", "Riverside Wellness Clinic", "Northside Integrative Health"}, nil, "Checked 2 clinic(s)"},
		{"one account's clinic", []string{"events", "Northside Integrative Health"}, 0, []string{"Lab results available"}, []string{"Order placed"}, "Checked 1 clinic(s): 0 new"},
		{"json", []string{"events", "--json"}, 0, []string{`"items"`, `"unread"`, `"title": "Order placed"`}, nil, ""},
		{"a future day shows nothing", []string{"events", "--since", "2999-01-01"}, 0, []string{"Nothing since 2999-01-01."}, nil, ""},
		{"a bad day says how to write it", []string{"events", "--since", "last week"}, ExitUsage, nil, nil, "write the day as YYYY-MM-DD"},
		{"an unknown account", []string{"events", "Nowhere Clinic"}, ExitNoAccount, nil, nil, "Nowhere Clinic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := f.run(tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.inErr) {
				t.Fatalf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			for _, s := range tt.inOut {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.notInOut {
				if strings.Contains(out, s) {
					t.Errorf("stdout has %q:\n%s", s, out)
				}
			}
		})
	}

	// Offline: what is kept is printed, and the exit code says it is stale.
	f.stopSandbox()
	code, out, errOut := f.run("events")
	if code != ExitOffline || !strings.Contains(out, "Order placed") || !strings.Contains(errOut, "could not be reached") {
		t.Fatalf("offline: exit %d\n%s\n%s", code, out, errOut)
	}
	f.startSandbox()

	// Sign-out keeps History unless asked; --remove-history deletes it.
	if code, out, _ := f.run("signout", "Riverside Wellness Clinic"); code != 0 || !strings.Contains(out, "Its history stays in History") {
		t.Fatalf("signout: exit %d\n%s", code, out)
	}
	if code, out, _ := f.run("events"); code != 0 || !strings.Contains(out, "Order placed") {
		t.Fatalf("after sign-out, Riverside's order is gone: exit %d\n%s", code, out)
	}
	if code, out, _ := f.run("signout", "--remove-history", "Northside Integrative Health"); code != 0 || !strings.Contains(out, "Its history was removed") {
		t.Fatalf("signout --remove-history: exit %d\n%s", code, out)
	}
	if code, out, _ := f.run("events"); code != 0 || strings.Contains(out, "Lab results available") || !strings.Contains(out, "Order placed") {
		t.Fatalf("after removing Northside's history: exit %d\n%s", code, out)
	}
}
