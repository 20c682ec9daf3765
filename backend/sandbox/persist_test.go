package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// restart closes e's sandbox and starts a new one on the same state file
// (and clock), on a new port.
func (e *env) restart(cfg Config) *env {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.sb.Close(ctx); err != nil {
		e.t.Fatalf("close: %v", err)
	}
	cfg.Now = e.clock.Now
	next := newEnv(e.t, cfg)
	next.clock = e.clock
	return next
}

// storedState is a Snapshot without the parts that are not state (clock,
// faults). Its lists are in issue order, so two of them compare as they are.
func storedState(s State) State {
	s.Now, s.Faults = time.Time{}, nil
	return s
}

func TestStateSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	cfg := Config{AutoApprove: true, AllowOrigins: []string{hostOrigin}, StatePath: path}
	e := newEnv(t, cfg)

	first := e.signIn("")
	second := tokensOf(t, e.refresh(first.refresh)) // first is now rotated, second live and unused
	revoked := e.signIn("ben.okafor@example.com")
	if r := e.postJSON("/api/oauth/revoke", "", map[string]string{"client_id": e.sb.ClientID(), "client_secret": e.sb.ClientSecret(), "token": revoked.access}); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	// The rotated pair still works until second is used; using it must not
	// retire anything, so second stays unused across the restart.
	created := e.postJSON("/api/clinic/patients", first.access, map[string]any{"first_name": "Zora", "last_name": "Quell", "email": "zora.quell@example.com", "metadata": map[string]any{"id": "ext-1"}})
	if created.status != 201 {
		t.Fatalf("create patient: %d %s", created.status, created.body)
	}
	patientID := created.json(t)["patient"].(map[string]any)["id"].(string)
	dataToken := e.tokenize(hostOrigin, map[string]any{"id": patientID}).json(t)["data_token"].(string)
	claimed := e.grant(first.access)
	_, session := e.embedPage("/api/embeddable/session/treatment_plans/new", claimed, dataToken, "")
	postedOf(t, e.action("activate", map[string]any{"session": session, "variant_ids": []string{e.sb.st.catalog[0].VariantID}}))
	unclaimed := e.grant(first.access)
	code := e.code(nil) // issued, never exchanged

	before := e.sb.Snapshot()
	if s := e.pairStatus(first.access); s != statusRotated {
		t.Fatalf("before the restart the first pair is %s, want rotated", s)
	}
	if len(before.Plans) != 1 || len(before.Events) != 1 || len(before.Grants) != 2 || len(before.Codes) != 3 || len(before.Tokens) != 3 {
		t.Fatalf("setup went wrong: %d plans, %d events, %d grants, %d codes, %d tokens", len(before.Plans), len(before.Events), len(before.Grants), len(before.Codes), len(before.Tokens))
	}
	creds := [3]string{e.sb.ClientID(), e.sb.ClientSecret(), e.sb.PublicKey()}
	oldBase := e.base

	e = e.restart(cfg)
	if e.base == oldBase {
		t.Logf("the new sandbox got the same port (%s); fine, but not what this test meant", e.base)
	}
	if got := [3]string{e.sb.ClientID(), e.sb.ClientSecret(), e.sb.PublicKey()}; got != creds {
		t.Errorf("client credentials changed across the restart: %v, want %v", got, creds)
	}
	if got, want := storedState(e.sb.Snapshot()), storedState(before); !reflect.DeepEqual(got, want) {
		gb, _ := json.MarshalIndent(got, "", " ")
		wb, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("state after the restart differs:\n got %s\nwant %s", gb, wb)
	}

	// Tokens: the revoked one stays dead, the live one works and its first
	// use retires the rotated pair (the link between them was kept).
	if r := e.get("/api/clinic", revoked.access); r.status != 401 {
		t.Errorf("revoked token after the restart: %d", r.status)
	}
	if r := e.get("/api/clinic", second.access); r.status != 200 {
		t.Fatalf("old access token after the restart: %d %s", r.status, r.body)
	}
	if s := e.pairStatus(first.access); s != statusRevoked {
		t.Errorf("first use of the refreshed token left the old pair %s, want revoked", s)
	}
	if r := e.refresh(second.refresh); r.status != 200 {
		t.Errorf("refresh after the restart: %d %s", r.status, r.body)
	}
	if r := e.exchange(code, nil); r.status != 200 {
		t.Errorf("code issued before the restart: %d %s", r.status, r.body)
	}

	// The created patient, with its clinic and metadata; REST still hides the clinic id.
	found := e.get("/api/clinic/search/patients?query=zora", second.access)
	if found.status != 200 || !strings.Contains(string(found.body), patientID) || !strings.Contains(string(found.body), `"id":"ext-1"`) {
		t.Errorf("created patient not found after the restart: %d %s", found.status, found.body)
	}
	if strings.Contains(string(found.body), "clinic_id") {
		t.Errorf("REST patients show clinic_id: %s", found.body)
	}
	northside := e.signIn(e.user("chloe.tremblay@example.com", 1).ID)
	if r := e.get("/api/clinic/patients/"+patientID, northside.access); r.status != 404 {
		t.Errorf("the patient moved clinic across the restart: %d", r.status)
	}
	if r := e.get("/api/clinic/patients/"+patientID+"/treatment_plans", second.access); r.status != 200 || !strings.Contains(string(r.body), before.Plans[0].ID) {
		t.Errorf("plan lost: %d %s", r.status, r.body)
	}

	// Grants: the claimed one stays claimed, the other works exactly once.
	if r := e.get(e.embedURL("/api/embeddable/session/treatment_plans/new", claimed, "", hostOrigin, ""), ""); !strings.Contains(string(r.body), "already used") {
		t.Errorf("claimed grant after the restart: %d %s", r.status, r.body)
	}
	html, _ := e.embedPage("/api/embeddable/session/treatment_plans/new", unclaimed, dataToken, "")
	if !strings.Contains(html, "Zora Quell") {
		t.Errorf("the data token lost its patient across the restart")
	}
	if r := e.get(e.embedURL("/api/embeddable/session/treatment_plans/new", unclaimed, "", hostOrigin, ""), ""); !strings.Contains(string(r.body), "already used") {
		t.Errorf("grant usable twice: %d", r.status)
	}
	// An Embed page open before the restart is gone, as documented.
	if r := e.action("activate", map[string]any{"session": session, "variant_ids": []string{e.sb.st.catalog[0].VariantID}}); r.status != http.StatusGone {
		t.Errorf("session from before the restart: %d", r.status)
	}
}

func TestStateFileIsPrivateAndNeverPartial(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	e := newEnv(t, Config{AutoApprove: true, StatePath: path})
	tok := e.signIn("")

	const n = 50
	stop := make(chan struct{})
	readerDone := make(chan error, 1)
	go func() { // reads the file while it is being replaced
		reads := 0
		for {
			select {
			case <-stop:
				if reads == 0 {
					readerDone <- fmt.Errorf("the reader never read")
					return
				}
				readerDone <- nil
				return
			default:
			}
			b, err := os.ReadFile(path)
			if err != nil {
				readerDone <- err
				return
			}
			var f stateFile
			if err := json.Unmarshal(b, &f); err != nil || f.Version != stateVersion {
				readerDone <- fmt.Errorf("read a partial file (%d bytes): %v", len(b), err)
				return
			}
			reads++
			time.Sleep(time.Millisecond) // leave the CPUs to the server
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"first_name":"Conc","last_name":"Urrent%d","email":"conc.%d@example.com"}`, i, i)
			req, _ := http.NewRequest(http.MethodPost, e.base+"/api/clinic/patients", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok.access)
			req.Header.Set("Content-Type", "application/json")
			res, err := e.client.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer res.Body.Close()
			if res.StatusCode != 201 {
				b, _ := io.ReadAll(res.Body)
				errs <- fmt.Errorf("create %d: %d %s", i, res.StatusCode, b)
				return
			}
			// The reply went out after the change was saved.
			if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), fmt.Sprintf(`"conc.%d@example.com"`, i)) {
				errs <- fmt.Errorf("patient %d was answered but is not in the file yet (%v)", i, err)
			}
		})
	}
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := <-readerDone; err != nil {
		t.Error(err)
	}

	// No Close needed: every reply was sent after its change was saved.
	st, _, found, err := loadState(path)
	if err != nil || !found {
		t.Fatalf("load: found=%v %v", found, err)
	}
	got := 0
	for _, p := range st.patients {
		if p.FirstName == "Conc" {
			got++
		}
	}
	if got != n {
		t.Errorf("the file holds %d of the %d patients created", got, n)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("state file mode: %v %v, want 0600", fi.Mode(), err)
		}
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"state.json"}) {
		t.Errorf("left behind in the state dir: %v", names)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestNewSeedsAndWritesAMissingStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "not", "yet", "state.json") // directories made too
	sb, err := New(Config{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	st, f, found, err := loadState(path)
	if err != nil || !found {
		t.Fatalf("no state file after New: found=%v %v", found, err)
	}
	if f.Version != stateVersion || f.ClientID != sb.ClientID() || len(st.patients) != 66 || len(f.Clinics) != 2 {
		t.Errorf("seeded file: version %d, client %q (want %q), %d patients, %d clinics", f.Version, f.ClientID, sb.ClientID(), len(st.patients), len(f.Clinics))
	}
	// Seeded patients keep their clinic in the file.
	if !slices.ContainsFunc(f.Patients, func(p storedPatient) bool { return p.ClinicID == f.Clinics[1].ID }) {
		t.Error("no patient of the second clinic in the file")
	}
}

func TestExplicitCredentialsWinOverTheStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	first, err := New(Config{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	second, err := New(Config{StatePath: path, ClientSecret: "explicit-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if second.ClientSecret() != "explicit-secret" || second.ClientID() != first.ClientID() || second.PublicKey() != first.PublicKey() {
		t.Errorf("credentials: %q %q %q", second.ClientID(), second.ClientSecret(), second.PublicKey())
	}
	if _, f, _, _ := loadState(path); f.ClientSecret != "explicit-secret" {
		t.Errorf("the file keeps secret %q, want the explicit one", f.ClientSecret)
	}
}

func TestUnreadableStateFileIsRefusedAndKept(t *testing.T) {
	valid := func() []byte {
		path := filepath.Join(t.TempDir(), "state.json")
		if _, err := New(Config{StatePath: path}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}()
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{name: "garbage", content: "not json at all", want: "move it away"},
		{name: "empty", content: "", want: "move it away"},
		{name: "cut off", content: string(valid[:len(valid)/2]), want: "move it away"},
		{name: "no version", content: `{"client_id": "x"}`, want: `no "version"`},
		{name: "version zero", content: `{"version": 0}`, want: "move it away"},
		{name: "wrong type", content: `{"version": 1, "clinics": "many"}`, want: "move it away"},
		{name: "unknown field", content: strings.Replace(string(valid), fmt.Sprintf(`"version": %d,`, stateVersion), fmt.Sprintf(`"version": %d, "wishes": [],`, stateVersion), 1), want: "wishes"},
		{name: "no credentials", content: `{"version": 1}`, want: "client_id"},
		{name: "newer version", content: fmt.Sprintf(`{"version": %d, "whatever": {"shape": "changed"}}`, stateVersion+1), want: "newer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "state.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			sb, err := New(Config{StatePath: path})
			if err == nil {
				t.Fatalf("New accepted it: client %s", sb.ClientID())
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want the path and %q", err, tt.want)
			}
			if b, _ := os.ReadFile(path); string(b) != tt.content {
				t.Error("the file was changed")
			}
			if names := dirNames(t, dir); !slices.Equal(names, []string{"state.json"}) {
				t.Errorf("files in the state dir: %v", names)
			}
		})
	}
	t.Run("a directory", func(t *testing.T) {
		path := t.TempDir()
		if _, err := New(Config{StatePath: path}); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("error %v: want one naming %s", err, path)
		}
	})
}

func TestWithoutStatePathNothingIsWritten(t *testing.T) {
	cwd, tmp := t.TempDir(), t.TempDir()
	t.Chdir(cwd)
	t.Setenv("TMPDIR", tmp)
	e := newEnv(t, Config{AutoApprove: true})
	tok := e.signIn("")
	if r := e.postJSON("/api/clinic/patients", tok.access, map[string]any{"first_name": "A", "last_name": "B", "email": "a.b@example.com"}); r.status != 201 {
		t.Fatalf("create: %d", r.status)
	}
	if err := e.sb.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{cwd, tmp} {
		if names := dirNames(t, d); len(names) > 0 {
			t.Errorf("written to %s: %v", d, names)
		}
	}
}

// Every field of every stored type comes back as it was: a field added
// later with a "-" tag, unexported, or forgotten in the copy fails here.
func TestStateFileKeepsEveryField(t *testing.T) {
	sb, err := New(Config{StatePath: filepath.Join(t.TempDir(), "state.json")})
	if err != nil {
		t.Fatal(err)
	}
	var (
		clinic  Clinic
		user    User
		patient Patient
		code    authCode
		pair    tokenPair
		grant   sessionGrant
		plan    treatmentPlan
		event   embedEvent
		link    dynamicLink
	)
	for i, v := range []any{&clinic, &user, &patient, &code, &pair, &grant, &plan, &event, &link} {
		fillAll(t, reflect.ValueOf(v).Elem(), fmt.Sprint(i))
	}
	pair.Status = "" // computed, not stored
	sb.mu.Lock()
	sb.st.clinics = []Clinic{clinic}
	sb.st.users = []User{user}
	sb.st.patients = []*Patient{&patient}
	sb.st.codes, sb.st.codeOrder = map[string]*authCode{}, nil
	sb.st.addCode(&code)
	sb.st.pairs = []*tokenPair{&pair}
	sb.st.grants, sb.st.grantOrder = map[string]*sessionGrant{}, nil
	sb.st.addGrant(&grant)
	sb.st.dataToks = map[string]json.RawMessage{"tok": json.RawMessage(`{"first_name":"A"}`)}
	sb.st.plans = []*treatmentPlan{&plan}
	sb.st.events = []*embedEvent{&event}
	sb.st.links = []*dynamicLink{&link}
	sb.mu.Unlock()
	if err := sb.save(); err != nil {
		t.Fatal(err)
	}
	st, _, _, err := loadState(sb.store.path)
	if err != nil {
		t.Fatal(err)
	}
	sb.mu.Lock()
	want := *sb.st
	sb.mu.Unlock()
	want.consents, want.sessions, want.browser = st.consents, st.sessions, st.browser // not kept, by design
	want.catalog, want.labs = st.catalog, st.labs                                     // from the code
	if !reflect.DeepEqual(*st, want) {
		t.Errorf("loaded state differs:\n got %+v\nwant %+v", *st, want)
	}
}

// fillAll sets every field of v to a non-zero value.
func fillAll(t *testing.T, v reflect.Value, name string) {
	t.Helper()
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2026, 3, 4, 5, 6, 7, 891011, time.UTC).Add(time.Duration(len(name)) * time.Hour)))
		return
	case v.Type() == reflect.TypeFor[json.RawMessage]():
		v.SetBytes([]byte(`{"k":"` + name + `"}`))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("v-" + name)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int:
		v.SetInt(int64(7 + len(name)))
	case reflect.Float64:
		v.SetFloat(1.5 + float64(len(name)))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(t, v.Elem(), name)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillAll(t, v.Index(0), name+"[0]")
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				t.Fatalf("%s.%s is unexported: the state file would lose it", v.Type(), f.Name)
			}
			fillAll(t, v.Field(i), name+"."+f.Name)
		}
	default:
		t.Fatalf("fillAll: teach it %s (%s)", v.Type(), name)
	}
}

// The control route and the state file list codes and grants in the order
// they were issued, on a clock that does not move (so no timestamp can put
// them in order by luck), and again after a restart. A test that takes "the
// grants issued after the first N" relies on it: the app's end-to-end test
// did, and picked grants at random while they came from a map.
func TestStateListsCodesAndGrantsInIssueOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	cfg := Config{AutoApprove: true, StatePath: path}
	e := newEnv(t, cfg)

	var codes, grants []string
	var access string
	for range 12 {
		c := e.code(nil)
		codes = append(codes, c)
		access = tokensOf(t, e.exchange(c, nil)).access
	}
	for range 40 {
		grants = append(grants, e.grant(access))
	}

	check := func(e *env, when string) {
		t.Helper()
		var st State
		if r := e.get("/_sandbox/state", ""); r.status != http.StatusOK || json.Unmarshal(r.body, &st) != nil {
			t.Fatalf("%s: /_sandbox/state: %d %s", when, r.status, r.body)
		}
		gotCodes := make([]string, 0, len(st.Codes))
		for _, c := range st.Codes {
			gotCodes = append(gotCodes, c.Code)
		}
		gotGrants := make([]string, 0, len(st.Grants))
		for _, g := range st.Grants {
			gotGrants = append(gotGrants, g.SecretToken)
		}
		if !slices.Equal(gotCodes, codes) {
			t.Errorf("%s: codes are not in issue order:\n got %v\nwant %v", when, gotCodes, codes)
		}
		if !slices.Equal(gotGrants, grants) {
			t.Errorf("%s: grants are not in issue order:\n got %v\nwant %v", when, gotGrants, grants)
		}
	}
	check(e, "running")
	check(e.restart(cfg), "after a restart")
}

// A file from the version before Redirect links (no "links", plans without
// an invitation token) still loads, and is written back as this version.
func TestStateFileOfVersionOneLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, Config{AutoApprove: true, StatePath: path})
	e.signIn("")
	if err := e.sb.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &doc) != nil {
		t.Fatalf("read state: %v", err)
	}
	doc["version"] = 1
	delete(doc, "links")
	old, _ := json.Marshal(doc)
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	sb, err := New(Config{StatePath: path})
	if err != nil {
		t.Fatalf("a version 1 file is refused: %v", err)
	}
	if got := len(sb.Snapshot().Tokens); got != 1 {
		t.Errorf("%d token pairs after loading, want 1", got)
	}
	if _, f, _, err := loadState(path); err != nil || f.Version != stateVersion {
		t.Errorf("written back as version %d (%v), want %d", f.Version, err, stateVersion)
	}
}

// Spent codes and grants are forgotten some minutes after they expire, so
// the state (and its file, written after every request) stays the size of
// what is live, not of every grant ever issued.
func TestSpentCodesAndGrantsAreForgotten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, Config{AutoApprove: true, StatePath: path})
	access := tokensOf(t, e.exchange(e.code(nil), nil)).access
	for range 30 {
		e.grant(access)
	}
	sizeBefore := fileSize(t, path)
	e.clock.Advance(GrantTTL + keepSpent + time.Second)
	fresh := e.grant(access)
	st := e.sb.Snapshot()
	if len(st.Grants) != 1 || st.Grants[0].SecretToken != fresh || len(st.Codes) != 1 {
		t.Errorf("after the spent ones: %d grants, %d codes; want the 1 new grant and the 1 code (its expiry is more recent)", len(st.Grants), len(st.Codes))
	}
	e.clock.Advance(CodeTTL + keepSpent + time.Second)
	e.code(nil) // the old code goes with the next code
	if st := e.sb.Snapshot(); len(st.Codes) != 1 {
		t.Errorf("%d codes after a new one, want 1", len(st.Codes))
	}
	if after := fileSize(t, path); after >= sizeBefore {
		t.Errorf("state file %d bytes after, %d before: it kept the spent grants", after, sizeBefore)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
