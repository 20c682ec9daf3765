package fullscript

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Fullscript Redirect (reference 6.2): a dynamic link is a redirect_url
// that opens Fullscript's own screen in the person's browser, for the
// practitioner and the patient the request names. Fetch one every time:
// Fullscript says not to hard-code or keep them.

// Entrypoints of a gateway link.
const (
	EntrypointCatalog = "catalog"
	EntrypointLabs    = "labs"
)

// LinkPatient is the patient a link is for. A draft link needs Email; a
// gateway link finds the patient by ID (or ExternalID), else by Email, and
// creates them from the rest when there is no match.
type LinkPatient struct {
	ID           string `json:"id,omitempty"`
	ExternalID   string `json:"external_id,omitempty"`
	Email        string `json:"email,omitempty"`
	FirstName    string `json:"first_name,omitempty"`
	LastName     string `json:"last_name,omitempty"`
	DateOfBirth  string `json:"date_of_birth,omitempty"` // yyyy-mm-dd
	Gender       string `json:"gender,omitempty"`        // male, female or x
	MobileNumber string `json:"mobile_number,omitempty"` // +12223334444
}

// DynamicLink is one link Fullscript made. RedirectURL may carry a
// one-time sign-in (unconfirmed): open it, never log or keep it.
type DynamicLink struct {
	ID          string
	RedirectURL string
}

// String keeps the URL out of %v.
func (l DynamicLink) String() string { return "dynamic link " + l.ID }

// LogValue keeps the URL out of logs.
func (l DynamicLink) LogValue() slog.Value { return slog.GroupValue(slog.String("id", l.ID)) }

type linkPlan struct {
	PractitionerID string `json:"practitioner_id"`
}

type linkBody struct {
	TreatmentPlan linkPlan     `json:"treatment_plan"`
	Patient       *LinkPatient `json:"patient,omitempty"`
	Entrypoint    string       `json:"entrypoint,omitempty"`
}

// DraftTreatmentPlanLink is POST /clinic/dynamic_links/treatment_plans: a
// new plan for practitionerID (the signed-in practitioner, or the one a
// staff member works for), for patient when given (its Email is required),
// else for a patient the practitioner picks in Fullscript.
func (c *Client) DraftTreatmentPlanLink(ctx context.Context, accessToken, practitionerID string, patient *LinkPatient) (DynamicLink, error) {
	const op = "create treatment plan link"
	if patient != nil && strings.TrimSpace(patient.Email) == "" {
		return DynamicLink{}, fmt.Errorf("%s: the patient has no email (Fullscript needs one for a draft plan; use the gateway link with the patient's id)", op)
	}
	return c.createLink(ctx, accessToken, op, "/clinic/dynamic_links/treatment_plans", practitionerID, linkBody{Patient: patient})
}

// NewTreatmentPlanLink is the generic "new treatment plan" link: a draft
// with no patient, who is found or created in Fullscript.
func (c *Client) NewTreatmentPlanLink(ctx context.Context, accessToken, practitionerID string) (DynamicLink, error) {
	return c.DraftTreatmentPlanLink(ctx, accessToken, practitionerID, nil)
}

// GatewayTreatmentPlanLink is POST /clinic/dynamic_links/gateway/treatment_plans:
// Fullscript finds or creates the patient (nil: the practitioner picks one
// there) and opens at entrypoint (catalog, the default, or labs).
func (c *Client) GatewayTreatmentPlanLink(ctx context.Context, accessToken, practitionerID string, patient *LinkPatient, entrypoint string) (DynamicLink, error) {
	const op = "create gateway link"
	switch entrypoint {
	case "", EntrypointCatalog, EntrypointLabs:
	default:
		return DynamicLink{}, fmt.Errorf("%s: entrypoint %q is neither %s nor %s", op, entrypoint, EntrypointCatalog, EntrypointLabs)
	}
	if patient != nil && patient.ID == "" && patient.ExternalID == "" && strings.TrimSpace(patient.Email) == "" {
		return DynamicLink{}, fmt.Errorf("%s: the patient needs an id or an email", op)
	}
	return c.createLink(ctx, accessToken, op, "/clinic/dynamic_links/gateway/treatment_plans", practitionerID, linkBody{Patient: patient, Entrypoint: entrypoint})
}

func (c *Client) createLink(ctx context.Context, accessToken, op, path, practitionerID string, body linkBody) (DynamicLink, error) {
	if strings.TrimSpace(practitionerID) == "" {
		return DynamicLink{}, fmt.Errorf("%s: no practitioner id (a staff member must choose the practitioner)", op)
	}
	body.TreatmentPlan.PractitionerID = practitionerID
	raw, reqID, err := c.do(ctx, accessToken, call{op: op, method: http.MethodPost, path: path, body: body})
	if err != nil {
		return DynamicLink{}, err
	}
	return decodeLink(op, reqID, raw, c.linkHosts())
}

// linkHosts is LinkHosts, or the API base's own host.
func (c *Client) linkHosts() linkPolicy {
	p := linkPolicy{hosts: c.LinkHosts, allowHTTP: isLoopbackBase(c.APIBase)}
	if len(p.hosts) == 0 {
		if u, err := url.Parse(c.APIBase); err == nil && u.Hostname() != "" {
			p.hosts = []string{u.Hostname()}
		}
	}
	return p
}

// linkPolicy is what a redirect_url may be: on one of hosts, https (http
// only for a loopback API: the local sandbox).
type linkPolicy struct {
	hosts     []string
	allowHTTP bool
}

func (p linkPolicy) hostAllowed(host string) bool {
	host = strings.ToLower(host)
	for _, h := range p.hosts {
		h = strings.ToLower(h)
		if suffix, ok := strings.CutPrefix(h, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return true
			}
		} else if host == h {
			return true
		}
	}
	return false
}

// decodeLink reads redirect_url wherever the reply puts it: at the top or
// in an object (its envelope is unconfirmed), and checks it is a web
// address a browser should be given (CheckLinkURL). It returns the URL as
// re-serialised from its parse, never the raw text.
func decodeLink(op, reqID string, raw []byte, policy linkPolicy) (DynamicLink, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return DynamicLink{}, malformed(op, reqID, errors.New("the reply is not a JSON object"))
	}
	obj, ok := findLinkObject(top, 3)
	if !ok {
		return DynamicLink{}, malformed(op, reqID, errors.New("the reply has no redirect_url"))
	}
	var w struct {
		ID          flexString `json:"id"`
		RedirectURL string     `json:"redirect_url"`
	}
	if err := json.Unmarshal(mustJSON(obj), &w); err != nil {
		return DynamicLink{}, malformed(op, reqID, fmt.Errorf("the link: %v", err))
	}
	clean, err := policy.check(w.RedirectURL)
	if err != nil {
		return DynamicLink{}, malformed(op, reqID, err)
	}
	return DynamicLink{ID: string(w.ID), RedirectURL: clean}, nil
}

// findLinkObject is the first object, breadth first to depth levels (keys
// in order, so the same reply always gives the same link), with a string
// redirect_url.
func findLinkObject(top map[string]json.RawMessage, depth int) (map[string]json.RawMessage, bool) {
	level := []map[string]json.RawMessage{top}
	for ; depth > 0 && len(level) > 0; depth-- {
		var next []map[string]json.RawMessage
		for _, o := range level {
			if v, ok := o["redirect_url"]; ok {
				var s string
				if json.Unmarshal(v, &s) == nil && s != "" {
					return o, true
				}
			}
			for _, k := range slices.Sorted(maps.Keys(o)) {
				if inner, ok := asObject(o[k]); ok {
					next = append(next, inner)
				}
			}
		}
		level = next
	}
	return nil, false
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// check refuses what must not reach the system browser: a relative or
// odd-scheme address (javascript:, file:, another app's scheme), plain http
// off loopback, a host that is not Fullscript's, user info, and spaces,
// control or non-ASCII characters (which some openers split into more
// arguments). It returns the URL as parsed and written back. Its error
// never quotes the URL.
func (p linkPolicy) check(raw string) (string, error) {
	for _, r := range raw {
		if r <= ' ' || r >= 0x7f {
			return "", errors.New("redirect_url has spaces, control or non-ASCII characters")
		}
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		return "", errors.New("redirect_url is not an absolute web address")
	case u.User != nil:
		return "", errors.New("redirect_url carries user info")
	case u.Scheme == "http" && !(p.allowHTTP && isLoopbackHost(u.Hostname())):
		return "", errors.New("redirect_url is plain http; only https is opened")
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("redirect_url has the scheme %q; only https is opened", u.Scheme)
	case !p.hostAllowed(u.Hostname()):
		return "", fmt.Errorf("redirect_url leads to %q, which is not one of this environment's Fullscript hosts (%s)", u.Hostname(), strings.Join(p.hosts, ", "))
	}
	return u.String(), nil
}

// isLoopbackBase: the API itself is on this machine (the local sandbox).
func isLoopbackBase(base string) bool {
	u, err := url.Parse(base)
	return err == nil && isLoopbackHost(u.Hostname())
}
