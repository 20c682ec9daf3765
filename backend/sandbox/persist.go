package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// stateVersion is the state file format this build reads and writes. Bump
// it whenever a build writes something an older build would misread or drop
// (an older build refuses a newer file instead of losing data).
//
// Version 2 added Redirect links and each plan's invitation token.
const stateVersion = 2

// stateFile is the state file: everything the sandbox must remember across a
// restart. Consent pages, open Embed and Redirect pages and the browser's
// sandbox sign-ins are not kept (a restart is like closing the browser);
// the catalog and labs are constants of the
// code and come from seed(); faults are a test's business and are not kept.
type stateFile struct {
	Version      int                        `json:"version"`
	ClientID     string                     `json:"client_id"`
	ClientSecret string                     `json:"client_secret"`
	PublicKey    string                     `json:"public_key"`
	Clinics      []Clinic                   `json:"clinics"`
	Users        []User                     `json:"users"`
	Patients     []storedPatient            `json:"patients"`
	Codes        []authCode                 `json:"codes"`
	Tokens       []tokenPair                `json:"tokens"`
	Grants       []sessionGrant             `json:"grants"`
	DataTokens   map[string]json.RawMessage `json:"data_tokens"`
	Plans        []treatmentPlan            `json:"plans"`
	Events       []embedEvent               `json:"events"`
	Links        []dynamicLink              `json:"links"`
	ClinicEvents []clinicEvent              `json:"clinic_events,omitempty"`
}

// storedPatient adds the clinic id that Patient keeps out of REST replies
// (its tag is "-"): the embedded Patient's fields are promoted as they are.
type storedPatient struct {
	ClinicID string `json:"clinic_id"`
	Patient
}

// stateStore is where a sandbox with Config.StatePath keeps its state.
type stateStore struct {
	path string
	// mu is held from taking the snapshot to renaming the file, so saves
	// run one at a time in snapshot order: an older snapshot can never
	// overwrite a newer one. Lock order: stateStore.mu, then Sandbox.mu.
	mu   sync.Mutex
	last []byte // what the file holds, as this sandbox last wrote it (compact)
}

// encodeStateLocked marshals the state. Callers hold Sandbox.mu. The output
// is deterministic (every list in issue order, maps as sorted JSON
// objects), so an unchanged state gives the same bytes and no write.
func (s *Sandbox) encodeStateLocked() ([]byte, error) {
	st := s.st
	f := stateFile{
		Version:  stateVersion,
		ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret, PublicKey: s.cfg.PublicKey,
		Clinics: st.clinics, Users: st.users,
		Patients:   make([]storedPatient, 0, len(st.patients)),
		Codes:      make([]authCode, 0, len(st.codes)),
		Tokens:     make([]tokenPair, 0, len(st.pairs)),
		Grants:     make([]sessionGrant, 0, len(st.grants)),
		DataTokens: st.dataToks,
		Plans:      make([]treatmentPlan, 0, len(st.plans)),
		Events:     make([]embedEvent, 0, len(st.events)),
		Links:      make([]dynamicLink, 0, len(st.links)),
	}
	for _, p := range st.patients {
		f.Patients = append(f.Patients, storedPatient{ClinicID: p.ClinicID, Patient: *p})
	}
	for _, c := range st.codeOrder {
		f.Codes = append(f.Codes, *c)
	}
	for _, p := range st.pairs {
		cp := *p
		cp.Status = "" // computed from the clock, never stored
		f.Tokens = append(f.Tokens, cp)
	}
	for _, g := range st.grantOrder {
		f.Grants = append(f.Grants, *g)
	}
	for _, tp := range st.plans {
		f.Plans = append(f.Plans, *tp)
	}
	for _, e := range st.events {
		f.Events = append(f.Events, *e)
	}
	for _, l := range st.links {
		f.Links = append(f.Links, *l)
	}
	for _, e := range st.clinicEvents {
		f.ClinicEvents = append(f.ClinicEvents, *e)
	}
	b, err := json.Marshal(f) // compact: indenting is for the file, outside the lock
	if err != nil {
		return nil, fmt.Errorf("encode sandbox state: %w", err)
	}
	return b, nil
}

// loadState reads the state file at path. found is false when there is no
// file (seed, then write one). Any other problem is an error that names the
// file: the sandbox never reseeds over a file it could not read.
func loadState(path string) (st *state, f stateFile, found bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, stateFile{}, false, nil
	}
	if err != nil {
		return nil, stateFile{}, true, fmt.Errorf("sandbox state file %s cannot be read (%w); fix its permissions or move it away to start again from the seed data", path, err)
	}
	corrupt := func(why string, args ...any) error {
		return fmt.Errorf("sandbox state file %s is corrupt (%s); it was left as it is: move it away (or restore a backup) to start again from the seed data", path, fmt.Sprintf(why, args...))
	}
	// The version first: a newer file may not decode as this version.
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, stateFile{}, true, corrupt("not valid JSON: %v", err)
	}
	switch {
	case head.Version == nil:
		return nil, stateFile{}, true, corrupt("no \"version\" field")
	case *head.Version > stateVersion:
		return nil, stateFile{}, true, fmt.Errorf("sandbox state file %s has format version %d, but this build reads version %d at most: it was written by a newer fullscript-companion. Run that version, or move the file away to start again from the seed data", path, *head.Version, stateVersion)
	case *head.Version < 1:
		return nil, stateFile{}, true, corrupt("version %d is not a format version", *head.Version)
	}
	// Strict: a field this build does not know would be dropped by the
	// next save, so it is an error rather than silent data loss.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, stateFile{}, true, corrupt("%v", err)
	}
	if f.ClientID == "" || f.ClientSecret == "" || f.PublicKey == "" {
		return nil, stateFile{}, true, corrupt("client_id, client_secret or public_key is empty")
	}
	seeded := seed()
	st = newState(seedData{clinics: f.Clinics, users: f.Users, catalog: seeded.catalog, labs: seeded.labs})
	for _, sp := range f.Patients {
		p := sp.Patient
		p.ClinicID = sp.ClinicID
		st.patients = append(st.patients, &p)
	}
	for i := range f.Codes {
		c := &f.Codes[i]
		st.addCode(c)
	}
	for i := range f.Tokens {
		p := &f.Tokens[i]
		p.Status = ""
		st.pairs = append(st.pairs, p)
	}
	for i := range f.Grants {
		g := &f.Grants[i]
		st.addGrant(g)
	}
	for k, v := range f.DataTokens {
		st.dataToks[k] = compactRaw(v)
	}
	for i := range f.Plans {
		st.plans = append(st.plans, &f.Plans[i])
	}
	for i := range f.Events {
		f.Events[i].Payload = compactRaw(f.Events[i].Payload)
		st.events = append(st.events, &f.Events[i])
	}
	for i := range f.Links {
		st.links = append(st.links, &f.Links[i])
	}
	for i := range f.ClinicEvents {
		f.ClinicEvents[i].Data = compactRaw(f.ClinicEvents[i].Data)
		st.clinicEvents = append(st.clinicEvents, &f.ClinicEvents[i])
	}
	return st, f, true, nil
}

// compactRaw undoes the file's indentation inside a raw JSON value, so it
// reads back byte for byte as it was stored.
func compactRaw(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return raw // the decoder already checked it is JSON
	}
	return buf.Bytes()
}

// save writes the state file if the state changed since the last save.
// It is a no-op without Config.StatePath.
func (s *Sandbox) save() error {
	if s.store == nil {
		return nil
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	s.mu.Lock()
	data, err := s.encodeStateLocked()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if bytes.Equal(data, s.store.last) {
		return nil
	}
	var file bytes.Buffer // indented, for people reading the file
	if err := json.Indent(&file, data, "", "  "); err != nil {
		return fmt.Errorf("encode sandbox state: %w", err)
	}
	file.WriteByte('\n')
	if err := writeFileAtomic(s.store.path, file.Bytes()); err != nil {
		return fmt.Errorf("save sandbox state to %s: %w", s.store.path, err)
	}
	s.store.last = data
	return nil
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory (mode 0600), fsync, rename, then fsync the directory. A reader
// or a crash sees the old file or the new one, never part of one.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil { // CreateTemp's mode already, said out loud
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename itself durable. Best effort: some systems (Windows)
	// cannot sync a directory, and the file is already complete.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// withSave saves the state after a request and before its reply goes out,
// so a client that has a reply (a token, a new patient) can count on it
// surviving a restart.
//
// Why after every request rather than a save call at each mutation or a
// list of mutating routes: GETs change state too (auto-approved authorize
// issues a code, an Embed page claims its grant, the first use of a
// refreshed access token on any bearer-checked GET retires the old pair),
// and a forgotten call or a route missing from a list would lose data
// silently. Saving after every request cannot miss one; writing only when
// the encoded state changed keeps reads cheap (one encoding, no disk I/O).
// Only the control routes' GETs (info, state, faults, assets) are skipped:
// they read.
func (s *Sandbox) withSave(next http.Handler) http.Handler {
	if s.store == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.HasPrefix(r.URL.Path, "/_sandbox/") {
			next.ServeHTTP(w, r)
			return
		}
		bw := &bufferedWriter{w: w}
		next.ServeHTTP(bw, r)
		if err := s.save(); err != nil {
			// The change is in memory and the next save retries it.
			s.log.Error("sandbox state not saved", "err", err)
		}
		bw.send()
	})
}

// bufferedWriter holds a reply until the state is saved. Headers go
// straight to the real writer's map (they are sent only with the status).
type bufferedWriter struct {
	w      http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.w.Header() }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) send() {
	if b.status == 0 {
		return // nothing written: net/http answers 200 with no body
	}
	b.w.WriteHeader(b.status)
	_, _ = b.body.WriteTo(b.w)
}
