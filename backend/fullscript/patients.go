package fullscript

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MaxPageSize is Fullscript's cap on page[size] (reference 3.1).
const MaxPageSize = 100

// Patient is a clinic's patient.
type Patient struct {
	ID, FirstName, LastName, Email, DateOfBirth, Gender, MobileNumber string
	Discount                                                          float64
}

// PatientInput is a patient to create. DateOfBirth is yyyy-mm-dd, Gender
// male, female or x, MobileNumber with its country code (+12223334444).
type PatientInput struct {
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Email        string `json:"email"`
	DateOfBirth  string `json:"date_of_birth,omitempty"`
	Gender       string `json:"gender,omitempty"`
	MobileNumber string `json:"mobile_number,omitempty"`
}

// Page is a list's pagination. Next and Prev are nil at the ends. When a
// reply has no meta, only Current is known (the page asked for).
type Page struct {
	Current, TotalPages, TotalCount int
	Next, Prev                      *int
}

// PatientPage is one page of patients.
type PatientPage struct {
	Patients []Patient
	Page     Page
}

type wirePatient struct {
	ID           flexString `json:"id"`
	FirstName    string     `json:"first_name"`
	LastName     string     `json:"last_name"`
	Email        string     `json:"email"`
	DateOfBirth  string     `json:"date_of_birth"`
	Gender       string     `json:"gender"`
	MobileNumber string     `json:"mobile_number"`
	Discount     flexFloat  `json:"discount"`
}

func (w wirePatient) patient() Patient {
	return Patient{ID: string(w.ID), FirstName: w.FirstName, LastName: w.LastName, Email: w.Email,
		DateOfBirth: w.DateOfBirth, Gender: w.Gender, MobileNumber: w.MobileNumber, Discount: float64(w.Discount)}
}

type wireMeta struct {
	CurrentPage int  `json:"current_page"`
	NextPage    *int `json:"next_page"`
	PrevPage    *int `json:"prev_page"`
	TotalPages  int  `json:"total_pages"`
	TotalCount  int  `json:"total_count"`
}

type wirePatientList struct {
	// A pointer, so an absent list (malformed) differs from an empty one.
	Patients *[]wirePatient `json:"patients"`
	Meta     *wireMeta      `json:"meta"`
}

// ListPatients is GET /clinic/patients, one page (numbered from 1; size 0
// leaves the server's default, anything above 100 is capped at 100).
func (c *Client) ListPatients(ctx context.Context, accessToken string, page, size int) (PatientPage, error) {
	return c.patientList(ctx, accessToken, "list patients", "/clinic/patients", url.Values{}, page, size)
}

// SearchPatients is GET /clinic/search/patients?query= (first name, last
// name or email). The query is PII: it is never logged or put in an error.
func (c *Client) SearchPatients(ctx context.Context, accessToken, query string, page, size int) (PatientPage, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return PatientPage{}, errors.New("search patients: the query is empty; list the patients instead")
	}
	return c.patientList(ctx, accessToken, "search patients", "/clinic/search/patients", url.Values{"query": {query}}, page, size)
}

func (c *Client) patientList(ctx context.Context, accessToken, op, path string, q url.Values, page, size int) (PatientPage, error) {
	page = max(page, 1)
	q.Set("page[number]", strconv.Itoa(page))
	if size > 0 {
		q.Set("page[size]", strconv.Itoa(min(size, MaxPageSize)))
	}
	raw, reqID, err := c.do(ctx, accessToken, call{op: op, method: http.MethodGet, path: path, query: q})
	if err != nil {
		return PatientPage{}, err
	}
	var w wirePatientList
	if err := decodeInto(op, reqID, raw, &w); err != nil {
		return PatientPage{}, err
	}
	if w.Patients == nil {
		return PatientPage{}, malformed(op, reqID, errors.New(`the reply has no "patients" list`))
	}
	out := PatientPage{Patients: make([]Patient, 0, len(*w.Patients)), Page: Page{Current: page}}
	for i, p := range *w.Patients {
		if p.ID == "" {
			return PatientPage{}, malformed(op, reqID, fmt.Errorf("patient %d of the page has no id", i+1))
		}
		out.Patients = append(out.Patients, p.patient())
	}
	if w.Meta != nil {
		out.Page = w.Meta.page(page)
	}
	return out, nil
}

// page is a reply's pagination; asked stands in for a missing current page.
func (m *wireMeta) page(asked int) Page {
	return Page{Current: cmp.Or(m.CurrentPage, asked), TotalPages: m.TotalPages, TotalCount: m.TotalCount, Next: m.NextPage, Prev: m.PrevPage}
}

// Patient is GET /clinic/patients/{id}. Another clinic's patient is a 404.
func (c *Client) Patient(ctx context.Context, accessToken, id string) (Patient, error) {
	const op = "get patient"
	seg, err := pathID("patient", id)
	if err != nil {
		return Patient{}, fmt.Errorf("%s: %w", op, err)
	}
	raw, reqID, err := c.do(ctx, accessToken, call{op: op, method: http.MethodGet, path: "/clinic/patients/" + seg})
	if err != nil {
		return Patient{}, err
	}
	return decodePatient(op, reqID, raw)
}

// CreatePatient is POST /clinic/patients. Fullscript answers 201; a 422
// is an *APIError whose Messages say what to fix ("Email has already been
// taken"). Fullscript sends the patient a welcome email by default.
func (c *Client) CreatePatient(ctx context.Context, accessToken string, in PatientInput) (Patient, error) {
	const op = "create patient"
	raw, reqID, err := c.do(ctx, accessToken, call{op: op, method: http.MethodPost, path: "/clinic/patients", body: in})
	if err != nil {
		return Patient{}, err
	}
	return decodePatient(op, reqID, raw)
}

func decodePatient(op, reqID string, raw []byte) (Patient, error) {
	inner, err := unwrap(op, reqID, raw, "patient")
	if err != nil {
		return Patient{}, err
	}
	var w wirePatient
	if err := decodeInto(op, reqID, inner, &w); err != nil {
		return Patient{}, err
	}
	if w.ID == "" {
		return Patient{}, malformed(op, reqID, errors.New("the patient has no id"))
	}
	return w.patient(), nil
}
