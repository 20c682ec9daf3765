package companion

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

func TestSignInStoresTheAccount(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	clinic := w.sb.Info().Clinics[0]
	if a.ClinicID != clinic.ID || a.ClinicName != "Riverside Wellness Clinic" || a.UserName != "Dr. Ada Moss" ||
		a.UserType != "Practitioner" || a.Env != "local" || !a.Default || a.Status != StatusValid || a.AccessExpiresAt == nil {
		t.Errorf("account = %+v", a)
	}
	r, err := w.svc.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Accounts) != 1 || r.KeyStorage != "key-file" || !strings.Contains(r.KeyStorageNote, "turned off") {
		t.Errorf("report = %+v", r)
	}
	ov, err := w.svc.Overview(context.Background())
	if err != nil || len(ov.Accounts) != 1 || ov.Accounts[0].Status != AccountValid || ov.Accounts[0].UserName != "Dr. Ada Moss" {
		t.Errorf("overview = %+v, %v", ov, err)
	}
	if code := w.sb.Snapshot().Codes[0]; code.CodeChallenge == "" || code.UsedAt == nil {
		t.Errorf("the code was not PKCE-bound or not used: %+v", code)
	}
}

func TestOnePersonTwoClinicsAndSigningInAgain(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	info := w.sb.Info()
	adaNorth := info.Clinics[1].Users[1]
	first := w.signIn("")
	second := w.signIn(adaNorth.ID)
	if first.ID == second.ID || second.ClinicName != "Northside Integrative Health" || second.Default {
		t.Errorf("second clinic = %+v", second)
	}
	again := w.signIn("")
	if again.ID != first.ID {
		t.Errorf("signing in again made a new account %s, want %s", again.ID, first.ID)
	}
	r, _ := w.svc.Accounts(context.Background())
	if len(r.Accounts) != 2 {
		t.Errorf("%d accounts, want 2", len(r.Accounts))
	}
	found, err := w.svc.FindAccount(context.Background(), "northside integrative health")
	if err != nil || found.ID != second.ID {
		t.Errorf("find by clinic name: %+v %v", found, err)
	}
	if _, err := w.svc.FindAccount(context.Background(), "Dr. Nobody"); !errors.Is(err, ErrNoAccount) {
		t.Errorf("unknown account: %v", err)
	}
	if _, err := w.svc.RenameAccount(context.Background(), second.ID, "Riverside Wellness Clinic"); err != nil {
		t.Fatal(err)
	}
	// Now a label and a clinic name collide: a label wins over a clinic name.
	if got, err := w.svc.FindAccount(context.Background(), "Riverside Wellness Clinic"); err != nil || got.ID != second.ID {
		t.Errorf("label first: %+v %v", got, err)
	}
}

func TestConcurrentTokenRequestsRefreshOnce(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	other := w.newService() // a second window or CLI on the same vault
	w.advance(2 * time.Hour)
	before := w.pairs()
	var wg sync.WaitGroup
	tokens := make(chan string, 100)
	errs := make(chan error, 100)
	for i := range 100 {
		svc := w.svc
		if i%2 == 1 {
			svc = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := svc.AccessToken(context.Background(), a.ID)
			if err != nil {
				errs <- err
				return
			}
			tokens <- tok
		}()
	}
	wg.Wait()
	close(tokens)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	distinct := map[string]bool{}
	for tok := range tokens {
		distinct[tok] = true
	}
	if got := w.pairs() - before; got != 1 {
		t.Errorf("%d refreshes for 100 concurrent requests, want exactly 1", got)
	}
	if len(distinct) != 1 {
		t.Errorf("%d different access tokens handed out, want 1", len(distinct))
	}
	for tok := range distinct {
		req, _ := http.NewRequest("GET", w.base+"/api/clinic", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
			t.Errorf("the refreshed token does not work: %v %v", res, err)
		}
	}
	if got, _ := w.svc.account(context.Background(), a.ID); got.LastRefreshedAt == nil || got.Status != StatusValid {
		t.Errorf("after refresh: %+v", got)
	}
}

func TestInvalidGrantNeedsSignInAndKeepsTheAccount(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	if _, err := w.sb.AddFault(sandbox.Fault{Path: "/api/oauth/token", Kind: sandbox.FaultInvalidGrant, Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := w.svc.Refresh(context.Background(), a.ID)
	if !errors.Is(err, ErrNeedsSignIn) || !strings.Contains(ViewOf(err).Fix, "login --env local") {
		t.Fatalf("refresh after invalid_grant: %v", err)
	}
	got, err := w.svc.account(context.Background(), a.ID)
	if err != nil || got.Status != StatusNeedsSignIn || got.StatusReason == "" {
		t.Errorf("account = %+v, %v", got, err)
	}
	if _, err := w.svc.AccessToken(context.Background(), a.ID); !errors.Is(err, ErrNeedsSignIn) {
		t.Errorf("token for a needs-sign-in account: %v", err)
	}
	again := w.signIn("")
	if again.ID != a.ID || again.Status != StatusValid {
		t.Errorf("signing in again: %+v", again)
	}
}

func TestOtherRefreshFailuresKeepTheAccount(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	for _, f := range []sandbox.Fault{
		{Path: "/api/oauth/token", Kind: sandbox.FaultStatus, Status: 503, Count: 1},
		{Path: "/api/oauth/token", Kind: sandbox.FaultMalformed, Count: 1},
		{Path: "/api/oauth/token", Kind: sandbox.FaultDrop, Count: 1},
	} {
		if _, err := w.sb.AddFault(f); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Refresh(context.Background(), a.ID); err == nil || errors.Is(err, ErrNeedsSignIn) {
			t.Errorf("%s: %v, want a failure that keeps the account", f.Kind, err)
		}
		if got, _ := w.svc.account(context.Background(), a.ID); got.Status != StatusValid {
			t.Errorf("%s: account status %s, want it kept valid", f.Kind, got.Status)
		}
	}
	if _, err := w.svc.Refresh(context.Background(), a.ID); err != nil {
		t.Errorf("refresh once the faults are gone: %v", err)
	}
}

func TestSessionGrantRetriesOnceAfter401(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	if _, err := w.sb.AddFault(sandbox.Fault{Method: "POST", Path: "/api/clinic/embeddable/session_grants", Kind: sandbox.FaultStatus, Status: 401, Count: 1}); err != nil {
		t.Fatal(err)
	}
	before := w.pairs()
	g, err := w.svc.NewSessionGrant(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	info := w.sb.Info()
	if g.SecretToken == "" || g.Domain != info.EmbedDomain || g.Env != info.EmbedEnv || g.PublicKey != info.PublicKey || g.ExpiresAt.IsZero() {
		t.Errorf("grant = %+v", g)
	}
	if got := w.pairs() - before; got != 1 {
		t.Errorf("%d refreshes after a 401, want 1", got)
	}
	g2, err := w.svc.NewSessionGrant(context.Background(), a.ID)
	if err != nil || g2.SecretToken == g.SecretToken {
		t.Errorf("a second grant must be new: %v", err)
	}
}

func TestSignOutRevokesOnline(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	res, err := w.svc.SignOut(context.Background(), a.ID)
	if err != nil || !res.Revoked || res.Queued {
		t.Fatalf("sign out: %+v %v", res, err)
	}
	for _, p := range w.sb.Snapshot().Tokens {
		if p.Status != "revoked" {
			t.Errorf("pair %s is %s after sign-out", p.ID, p.Status)
		}
	}
	r, _ := w.svc.Accounts(context.Background())
	if len(r.Accounts) != 0 || r.PendingSignOuts != 0 {
		t.Errorf("after sign-out: %+v", r)
	}
}

func TestOfflineSignOutQueuesUntilFullscriptIsBack(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	b := w.signIn(w.sb.Info().Clinics[1].Users[0].ID)
	w.stopSandbox()

	// Offline: listing works, signing out works and queues.
	r, err := w.svc.Accounts(context.Background())
	if err != nil || len(r.Accounts) != 2 {
		t.Fatalf("accounts offline: %+v %v", r, err)
	}
	res, err := w.svc.SignOut(context.Background(), a.ID)
	if err != nil || res.Revoked || !res.Queued {
		t.Fatalf("offline sign-out: %+v %v", res, err)
	}
	if _, err := w.svc.Refresh(context.Background(), b.ID); !errors.Is(err, ErrOffline) {
		t.Errorf("refresh offline: %v, want ErrOffline", err)
	}
	if sent, waiting, err := w.svc.SendPendingSignOuts(context.Background()); sent != 0 || waiting != 1 || err != nil {
		t.Errorf("drain offline: sent %d waiting %d %v", sent, waiting, err)
	}
	r, _ = w.svc.Accounts(context.Background())
	if len(r.Accounts) != 1 || r.PendingSignOuts != 1 {
		t.Errorf("after offline sign-out: %+v", r)
	}

	w.startSandbox()
	if sent, _, _ := w.svc.SendPendingSignOuts(context.Background()); sent != 0 {
		t.Error("retried before its back-off")
	}
	w.advance(time.Minute)
	if sent, waiting, err := w.svc.SendPendingSignOuts(context.Background()); sent != 1 || waiting != 0 || err != nil {
		t.Fatalf("drain online: sent %d waiting %d %v", sent, waiting, err)
	}
	revoked := 0
	for _, p := range w.sb.Snapshot().Tokens {
		if p.UserID == a.UserID && p.ClinicID == a.ClinicID && p.Status == "revoked" {
			revoked++
		}
	}
	if revoked != 1 {
		t.Errorf("%d of the signed-out account's pairs revoked at Fullscript, want 1", revoked)
	}
	if _, err := w.svc.AccessToken(context.Background(), b.ID); err != nil {
		t.Errorf("the other account: %v", err)
	}
}

func TestMissingSettingsAreExplained(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	tests := []struct {
		env     map[string]string
		envName string
		want    []string
		notWant string
	}{
		// Everything missing at once, not the first gap then the next.
		{envName: "us-snd", want: []string{"No client id, client secret or redirect URI is set for Fullscript's US sandbox.",
			"--client-id and --redirect-uri", EnvVarClientID + ", " + EnvVarClientSecret + " and " + EnvVarRedirectURI}},
		{envName: "ca", env: map[string]string{EnvVarClientID: "abc", EnvVarRedirectURI: "http://127.0.0.1/cb"}, want: []string{"No client secret is set for Fullscript Canada.", "Set it in Settings, or in the " + EnvVarClientSecret}, notWant: "--client-secret"},
		{envName: "us", env: map[string]string{EnvVarClientID: "abc", EnvVarClientSecret: "s"}, want: []string{"No redirect URI is set", EnvVarRedirectURI}},
		{envName: "eu", want: []string{`"eu" is not a Fullscript environment`, "us-snd"}},
		{envName: "custom", env: map[string]string{EnvVarClientID: "abc"}, want: []string{"addresses are not usable"}},
	}
	for _, tt := range tests {
		w.env = map[string]string{}
		for k, v := range tt.env {
			w.env[k] = v
		}
		_, err := w.svc.SignIn(context.Background(), SignInRequest{Environment: tt.envName})
		v := ViewOf(err)
		text := v.Message + " " + v.Fix
		for _, want := range tt.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s: %q lacks %q", tt.envName, text, want)
			}
		}
		if tt.notWant != "" && strings.Contains(text, tt.notWant) {
			t.Errorf("%s: %q suggests %q", tt.envName, text, tt.notWant)
		}
		if !errors.Is(err, ErrUsage) {
			t.Errorf("%s: %v is not ErrUsage", tt.envName, err)
		}
	}
	w.env = map[string]string{EnvVarSandboxURL: "http://127.0.0.1:1"}
	_, err := w.svc.SignIn(context.Background(), SignInRequest{Environment: "local"})
	if !errors.Is(err, ErrOffline) || !strings.Contains(ViewOf(err).Fix, "fullscript-companion sandbox") {
		t.Errorf("no sandbox: %v / %+v", err, ViewOf(err))
	}
}

// Nothing in the data folder's files or in the logs holds a token or a
// secret in the clear.
func TestNoTokenOrSecretInFilesOrLogs(t *testing.T) {
	w := newWorld(t, sandbox.Config{})
	a := w.signIn("")
	b := w.signIn(w.sb.Info().Clinics[1].Users[1].ID)
	if _, err := w.svc.Refresh(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.NewSessionGrant(context.Background(), b.ID); err != nil {
		t.Fatal(err)
	}
	st, _ := w.svc.ready(context.Background())
	const clientSecret = "sk_live_client_secret_that_must_stay_sealed"
	if err := st.SetSetting(context.Background(), settingKey("us-snd", "client_secret"), clientSecret, true); err != nil {
		t.Fatal(err)
	}
	w.stopSandbox()
	if _, err := w.svc.SignOut(context.Background(), b.ID); err != nil { // queued, sealed
		t.Fatal(err)
	}
	w.startSandbox()
	w.svc.Shutdown(context.Background())

	secrets := []string{clientSecret, w.sb.ClientSecret()}
	for _, p := range w.sb.Snapshot().Tokens {
		secrets = append(secrets, p.AccessToken, p.RefreshToken)
	}
	var sawClinic bool
	err := filepath.Walk(w.dataDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sawClinic = sawClinic || strings.Contains(string(raw), "Riverside Wellness Clinic")
		for _, s := range secrets {
			if strings.Contains(string(raw), s) {
				t.Errorf("%s holds a secret in the clear", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sawClinic {
		t.Error("no file held the clinic's name: the scan read nothing real")
	}
	logs := w.log.String()
	if !strings.Contains(logs, "signed in") || !strings.Contains(logs, "refreshed") {
		t.Errorf("the log is not the one expected:\n%s", logs)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds a secret: ...%s", s[len(s)-6:])
		}
	}
}
