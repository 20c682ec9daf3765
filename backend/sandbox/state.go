package sandbox

import (
	"encoding/json"
	"time"
)

// state is everything the sandbox remembers. Guarded by Sandbox.mu.
type state struct {
	clinics  []Clinic
	users    []User
	patients []*Patient
	catalog  []Product
	labs     []LabTest

	consents map[string]*consentRequest // pending consent pages, by id
	codes    map[string]*authCode       // by code
	pairs    []*tokenPair               // in issue order
	grants   map[string]*sessionGrant   // by secret token
	// The same codes and grants in issue order: what /_sandbox/state and the
	// state file list. A map's order is random on every walk, so a test that
	// took "the grants after the first N" would pick at random.
	codeOrder  []*authCode
	grantOrder []*sessionGrant
	dataToks   map[string]json.RawMessage // tokenized patients, by data token
	sessions   map[string]*embedSession   // open Embed and Redirect pages, by session key
	browser    map[string]string          // the browser's sandbox sign-ins: user id by cookie
	plans      []*treatmentPlan
	events     []*embedEvent
	// clinicEvents are the Events API's (events_api.go), in issue order.
	clinicEvents []*clinicEvent
	links        []*dynamicLink // Redirect links, in issue order
}

func newState(d seedData) *state {
	st := &state{
		clinics: d.clinics, users: d.users, catalog: d.catalog, labs: d.labs,
		consents: map[string]*consentRequest{},
		codes:    map[string]*authCode{},
		grants:   map[string]*sessionGrant{},
		dataToks: map[string]json.RawMessage{},
		sessions: map[string]*embedSession{},
		browser:  map[string]string{},
	}
	for i := range d.patients {
		p := d.patients[i]
		st.patients = append(st.patients, &p)
	}
	return st
}

// addCode and addGrant keep the map (lookups) and the issue order (listings) together.
func (st *state) addCode(c *authCode) {
	st.codes[c.Code] = c
	st.codeOrder = append(st.codeOrder, c)
}

func (st *state) addGrant(g *sessionGrant) {
	st.grants[g.SecretToken] = g
	st.grantOrder = append(st.grantOrder, g)
}

// keepSpent is how long a code or a grant is kept after it expired, for
// /_sandbox/state and for the "already used" answers; after that it is
// forgotten. Without it the state (and the window's state file, rewritten
// after every request) grew with every grant ever issued: a day of Embed
// use made each request slower.
const keepSpent = 10 * time.Minute

// maxEvents is how many Embed events the sandbox remembers.
const maxEvents = 1000

// prune forgets codes and grants that expired more than keepSpent ago,
// oldest first (issue order is time order), and all but the newest
// maxEvents events.
func (st *state) prune(now time.Time) {
	cut := now.Add(-keepSpent)
	n := 0
	for n < len(st.codeOrder) && st.codeOrder[n].ExpiresAt.Before(cut) {
		delete(st.codes, st.codeOrder[n].Code)
		n++
	}
	st.codeOrder = st.codeOrder[n:]
	n = 0
	for n < len(st.grantOrder) && st.grantOrder[n].ExpiresAt.Before(cut) {
		delete(st.grants, st.grantOrder[n].SecretToken)
		n++
	}
	st.grantOrder = st.grantOrder[n:]
	if extra := len(st.events) - maxEvents; extra > 0 {
		st.events = st.events[extra:]
	}
}

type consentRequest struct {
	ID          string
	ClientID    string
	RedirectURI string
	State       string
	HasState    bool
	Challenge   string
	Method      string
	ExpiresAt   time.Time
}

type authCode struct {
	Code            string     `json:"code"`
	ClientID        string     `json:"client_id"`
	RedirectURI     string     `json:"redirect_uri"`
	UserID          string     `json:"user_id"`
	ClinicID        string     `json:"clinic_id"`
	CodeChallenge   string     `json:"code_challenge,omitempty"`
	ChallengeMethod string     `json:"code_challenge_method,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	ExpiresAt       time.Time  `json:"expires_at"`
	UsedAt          *time.Time `json:"used_at"`
	PairID          string     `json:"pair_id,omitempty"`
}

// Token pair statuses, as /_sandbox/state reports them.
const (
	statusLive    = "live"    // the access token works
	statusExpired = "expired" // the access token is past its lifetime; the refresh token still works
	statusRotated = "rotated" // refreshed; this pair works until the new access token is first used
	statusRevoked = "revoked" // nothing works
)

// tokenPair is one token response: an access and a refresh token.
type tokenPair struct {
	ID            string     `json:"id"`
	AccessToken   string     `json:"access_token"`
	RefreshToken  string     `json:"refresh_token"`
	ClientID      string     `json:"client_id"`
	UserID        string     `json:"user_id"`
	UserType      string     `json:"user_type"`
	ClinicID      string     `json:"clinic_id"`
	Scope         string     `json:"scope"`
	CreatedAt     time.Time  `json:"created_at"`
	ExpiresAt     time.Time  `json:"expires_at"`
	FirstUsedAt   *time.Time `json:"first_used_at"`
	Previous      string     `json:"previous_pair_id,omitempty"`
	RotatedAt     *time.Time `json:"rotated_at"`
	RevokedAt     *time.Time `json:"revoked_at"`
	RevokedReason string     `json:"revoked_reason,omitempty"`
	Status        string     `json:"status,omitempty"` // set in /_sandbox/state; empty, so left out, in the state file
}

func (p *tokenPair) status(now time.Time) string {
	switch {
	case p.RevokedAt != nil:
		return statusRevoked
	case p.RotatedAt != nil:
		return statusRotated
	case !now.Before(p.ExpiresAt):
		return statusExpired
	}
	return statusLive
}

func (p *tokenPair) revoke(now time.Time, reason string) {
	if p.RevokedAt == nil {
		p.RevokedAt = &now
		p.RevokedReason = reason
	}
}

type sessionGrant struct {
	ID          string     `json:"id"`
	SecretToken string     `json:"secret_token"`
	ClinicID    string     `json:"clinic_id"`
	UserID      string     `json:"user_id"`
	UserType    string     `json:"user_type"`
	ClientID    string     `json:"client_id"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	ClaimedAt   *time.Time `json:"claimed_at"`
}

// embedSession is one Embed page that passed its checks.
type embedSession struct {
	Key          string
	Feature      string
	Entrypoint   string
	FrameID      string
	TargetOrigin string
	ClinicID     string
	UserID       string
	UserType     string
	ClientID     string
	PatientID    string // chosen patient, once selected or matched
	Closed       bool   // a plan was activated
	// A Redirect page's: the practitioner its link names, and the link.
	PractitionerID string
	LinkID         string
}

type treatmentPlan struct {
	ID                 string           `json:"id"`
	ClinicID           string           `json:"clinic_id"`
	PatientID          string           `json:"patient_id"`
	PractitionerID     string           `json:"practitioner_id"`
	State              string           `json:"state"`
	AvailableAt        time.Time        `json:"available_at"`
	Recommendations    []recommendation `json:"recommendations"`
	LabRecommendations []labRec         `json:"lab_recommendations"`
	CreatedAt          time.Time        `json:"created_at"`
	// InvitationToken is in the patient-facing invitation_url.
	InvitationToken string `json:"invitation_token"`
}

type recommendation struct {
	VariantID       string `json:"variantId"`
	Refill          bool   `json:"refill"`
	UnitsToPurchase int    `json:"unitsToPurchase"`
	Dosage          dosage `json:"dosage"`
}

type dosage struct {
	RecommendedAmount    string `json:"recommendedAmount"`
	RecommendedFrequency string `json:"recommendedFrequency"`
	RecommendedDuration  string `json:"recommendedDuration"`
	Format               string `json:"format"`
	AdditionalInfo       string `json:"additionalInfo"`
}

type labRec struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Instructions    string    `json:"instructions"`
	RequiresFasting bool      `json:"requiresFasting"`
	Tests           []labTest `json:"tests"`
}

type labTest struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Embed outcomes recorded in the event log.
const (
	outcomePosted  = "posted"  // an event was posted to the parent
	outcomeRefused = "refused" // the page was refused (origin or public key)
	outcomeInvalid = "invalid_secret_token"
	// outcomeRedirect: an event on a Redirect page, in the browser (no parent to post to)
	outcomeRedirect = "redirect"
)

// embedEvent is what the Embed pages did: events posted to the host page,
// and refusals, so tests and Diagnostics can see what happened.
type embedEvent struct {
	ID           string          `json:"id"`
	Type         string          `json:"type"`
	Outcome      string          `json:"outcome"`
	Reason       string          `json:"reason,omitempty"`
	Feature      string          `json:"feature,omitempty"`
	FrameID      string          `json:"frame_id,omitempty"`
	TargetOrigin string          `json:"target_origin,omitempty"`
	ClinicID     string          `json:"clinic_id,omitempty"`
	Payload      json.RawMessage `json:"payload,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
}

// Lookups. Callers hold Sandbox.mu.

func (st *state) clinic(id string) (Clinic, bool) {
	for _, c := range st.clinics {
		if c.ID == id {
			return c, true
		}
	}
	return Clinic{}, false
}

func (st *state) user(id string) (User, bool) {
	for _, u := range st.users {
		if u.ID == id {
			return u, true
		}
	}
	return User{}, false
}

func (st *state) patient(clinicID, id string) (*Patient, bool) {
	for _, p := range st.patients {
		if p.ClinicID == clinicID && p.ID == id {
			return p, true
		}
	}
	return nil, false
}

func (st *state) pairByAccess(tok string) *tokenPair {
	for _, p := range st.pairs {
		if p.AccessToken == tok {
			return p
		}
	}
	return nil
}

func (st *state) pairByRefresh(tok string) *tokenPair {
	for _, p := range st.pairs {
		if p.RefreshToken == tok {
			return p
		}
	}
	return nil
}

func (st *state) pairByID(id string) *tokenPair {
	for _, p := range st.pairs {
		if p.ID == id {
			return p
		}
	}
	return nil
}
