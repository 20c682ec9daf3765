package sandbox

import (
	"net/http"
	"regexp"
	"strings"
	"time"
)

func (s *Sandbox) handleListPatients(w http.ResponseWriter, r *http.Request) {
	pg, ok := parsePage(w, r)
	if !ok {
		return
	}
	s.writePatients(w, callerOf(r).ClinicID, "", pg)
}

// handleSearchPatients matches query against first name, last name, full
// name and email, case-insensitively.
func (s *Sandbox) handleSearchPatients(w http.ResponseWriter, r *http.Request) {
	pg, ok := parsePage(w, r)
	if !ok {
		return
	}
	s.writePatients(w, callerOf(r).ClinicID, strings.TrimSpace(r.URL.Query().Get("query")), pg)
}

func (s *Sandbox) writePatients(w http.ResponseWriter, clinicID, query string, pg page) {
	s.mu.Lock()
	matches := s.st.searchPatients(clinicID, query)
	items := make([]Patient, len(matches))
	for i, p := range matches {
		items[i] = *p
	}
	s.mu.Unlock()
	out, meta := paginate(items, pg)
	writeJSON(w, http.StatusOK, map[string]any{"patients": out, "meta": meta})
}

func (st *state) searchPatients(clinicID, query string) []*Patient {
	q := strings.ToLower(query)
	var out []*Patient
	for _, p := range st.patients {
		if p.ClinicID != clinicID || p.Archived {
			continue
		}
		hay := strings.ToLower(p.FirstName + " " + p.LastName + " " + p.Email)
		if q == "" || strings.Contains(hay, q) {
			out = append(out, p)
		}
	}
	return out
}

func (s *Sandbox) handleGetPatient(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.st.patient(callerOf(r).ClinicID, r.PathValue("id"))
	var out Patient
	if ok {
		out = *p
	}
	s.mu.Unlock()
	if !ok {
		writeStatusError(w, http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"patient": out})
}

// PatientInput is a patient to create, in Fullscript's field names.
type PatientInput struct {
	FirstName    string  `json:"first_name"`
	LastName     string  `json:"last_name"`
	Email        string  `json:"email"`
	DateOfBirth  string  `json:"date_of_birth"`
	Gender       string  `json:"gender"`
	MobileNumber string  `json:"mobile_number"`
	Discount     float64 `json:"discount"`
	Metadata     struct {
		ID *string `json:"id"`
	} `json:"metadata"`
}

var (
	emailRe  = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	mobileRe = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
)

// validate returns the messages a 422 carries, in Rails' words.
func (in PatientInput) validate() []string {
	var msgs []string
	if strings.TrimSpace(in.FirstName) == "" {
		msgs = append(msgs, "First name can't be blank")
	}
	if strings.TrimSpace(in.LastName) == "" {
		msgs = append(msgs, "Last name can't be blank")
	}
	switch {
	case strings.TrimSpace(in.Email) == "":
		msgs = append(msgs, "Email can't be blank")
	case !emailRe.MatchString(in.Email):
		msgs = append(msgs, "Email is invalid")
	}
	if in.DateOfBirth != "" {
		if d, err := time.Parse(time.DateOnly, in.DateOfBirth); err != nil || d.After(time.Now()) {
			msgs = append(msgs, "Date of birth must be a past date written yyyy-mm-dd")
		}
	}
	switch in.Gender {
	case "", "male", "female", "x":
	default:
		msgs = append(msgs, "Gender must be male, female or x")
	}
	if in.MobileNumber != "" && !mobileRe.MatchString(in.MobileNumber) {
		msgs = append(msgs, "Mobile number must include the country code, e.g. +12223334444")
	}
	if in.Discount < 0 || in.Discount > 100 {
		msgs = append(msgs, "Discount must be between 0 and 100")
	}
	return msgs
}

func (s *Sandbox) handleCreatePatient(w http.ResponseWriter, r *http.Request) {
	var in PatientInput
	if err := decodeJSON(r, &in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{err.Error()}})
		return
	}
	p, msgs := s.createPatient(callerOf(r).ClinicID, in)
	if len(msgs) > 0 {
		writeValidation(w, msgs)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"patient": p})
}

// createPatient validates and stores a patient; emails are unique per clinic.
func (s *Sandbox) createPatient(clinicID string, in PatientInput) (Patient, []string) {
	in.Email = strings.TrimSpace(in.Email)
	if msgs := in.validate(); len(msgs) > 0 {
		return Patient{}, msgs
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.st.patients {
		if p.ClinicID == clinicID && strings.EqualFold(p.Email, in.Email) {
			return Patient{}, []string{"Email has already been taken"}
		}
	}
	clinic, _ := s.st.clinic(clinicID)
	p := &Patient{
		ID: newUUID(), ClinicID: clinicID,
		FirstName: strings.TrimSpace(in.FirstName), LastName: strings.TrimSpace(in.LastName), Email: in.Email,
		DateOfBirth: in.DateOfBirth, Gender: in.Gender, MobileNumber: in.MobileNumber,
		Discount: in.Discount, TotalDiscount: in.Discount + clinic.Discount,
		TextMessageNotification: in.MobileNumber != "",
		Metadata:                Metadata{ID: in.Metadata.ID},
		CreatedAt:               now, UpdatedAt: now,
	}
	s.st.patients = append(s.st.patients, p)
	return *p, nil
}
