package companion

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"fullscript-companion/backend/fullscript"
	"fullscript-companion/backend/store"
)

// Patient is a patient as the window shows and hands to Fullscript.js.
// ID is empty for a patient typed in by hand (Fullscript matches or
// creates them in its own screen).
type Patient struct {
	ID           string `json:"id"`
	FirstName    string `json:"firstName"`
	LastName     string `json:"lastName"`
	Email        string `json:"email"`
	DateOfBirth  string `json:"dateOfBirth"` // yyyy-mm-dd
	Sex          string `json:"sex"`         // male, female, or ""
	MobileNumber string `json:"mobileNumber"`
}

// PatientPage is one page of a search.
type PatientPage struct {
	Patients   []Patient `json:"patients"`
	Page       int       `json:"page"`
	TotalPages int       `json:"totalPages"`
	TotalCount int       `json:"totalCount"`
}

// patientPageSize keeps a search page short enough to scan by eye.
const patientPageSize = 20

// SearchPatients searches the clinic's patients (all of them for an empty
// query), one page at a time. The results stay in memory.
func (s *Service) SearchPatients(ctx context.Context, accountID, query string, page int) (PatientPage, error) {
	c, err := s.accountAPI(ctx, accountID)
	if err != nil {
		return PatientPage{}, err
	}
	query = strings.TrimSpace(query)
	res, err := withAccess(ctx, s, accountID, func(access string) (fullscript.PatientPage, error) {
		if query == "" {
			return c.api.ListPatients(ctx, access, page, patientPageSize)
		}
		return c.api.SearchPatients(ctx, access, query, page, patientPageSize)
	})
	if err != nil {
		return PatientPage{}, s.networkProblem("search the clinic's patients", err)
	}
	out := PatientPage{Patients: []Patient{}, Page: res.Page.Current, TotalPages: res.Page.TotalPages, TotalCount: res.Page.TotalCount}
	for _, p := range res.Patients {
		out.Patients = append(out.Patients, Patient{ID: p.ID, FirstName: p.FirstName, LastName: p.LastName, Email: p.Email,
			DateOfBirth: p.DateOfBirth, Sex: p.Gender, MobileNumber: p.MobileNumber})
	}
	return out, nil
}

var mobileRe = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// ValidatePatient checks a patient typed in by hand, field by field, the
// way Fullscript will (reference 3.4).
func ValidatePatient(p Patient, today time.Time) []FieldError {
	var errs []FieldError
	if strings.TrimSpace(p.FirstName) == "" {
		errs = append(errs, FieldError{"firstName", "Enter the patient's first name."})
	}
	if strings.TrimSpace(p.LastName) == "" {
		errs = append(errs, FieldError{"lastName", "Enter the patient's last name."})
	}
	if e := strings.TrimSpace(p.Email); e == "" {
		errs = append(errs, FieldError{"email", "Enter the patient's email: Fullscript sends the plan there."})
	} else if addr, err := mail.ParseAddress(e); err != nil || addr.Address != e || !strings.Contains(e[strings.LastIndex(e, "@"):], ".") {
		errs = append(errs, FieldError{"email", "This is not an email address (name@example.com)."})
	}
	if p.DateOfBirth != "" {
		d, err := time.Parse(time.DateOnly, p.DateOfBirth)
		switch {
		case err != nil:
			errs = append(errs, FieldError{"dateOfBirth", "Write the date of birth as yyyy-mm-dd."})
		case d.After(today):
			errs = append(errs, FieldError{"dateOfBirth", "The date of birth is in the future."})
		case d.Before(today.AddDate(-130, 0, 0)):
			errs = append(errs, FieldError{"dateOfBirth", "The date of birth is more than 130 years ago."})
		}
	}
	switch p.Sex {
	case "", "male", "female":
	default:
		errs = append(errs, FieldError{"sex", "Choose male or female, or leave it empty."})
	}
	if m := strings.ReplaceAll(p.MobileNumber, " ", ""); m != "" && !mobileRe.MatchString(m) {
		errs = append(errs, FieldError{"mobileNumber", "Write the mobile number with its country code, e.g. +16045550123."})
	}
	return errs
}

// RememberPatient keeps a patient the practitioner opened a plan for,
// sealed, so they can be picked again offline ("recent patients"). Only
// then is patient data written down.
func (s *Service) RememberPatient(ctx context.Context, accountID string, p Patient) error {
	st, err := s.ready(ctx)
	if err != nil {
		return err
	}
	key := p.ID
	if key == "" {
		// A patient typed in by hand has no id yet; the key is an opaque
		// keyed hash of the email, so the email is never readable in the file.
		s.mu.Lock()
		v := s.vault
		s.mu.Unlock()
		if v == nil {
			return errVaultReopening
		}
		key = "typed:" + v.KeyedID(accountID+"\n"+strings.ToLower(strings.TrimSpace(p.Email)))
	}
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("remember patient: %w", err)
	}
	if err := st.TouchRecentPatient(ctx, store.RecentPatient{AccountID: accountID, Key: key, Data: data}); err != nil {
		return fmt.Errorf("remember patient: %w", err)
	}
	return nil
}

// RecentPatients lists the account's recent patients, newest first. Offline.
func (s *Service) RecentPatients(ctx context.Context, accountID string) ([]Patient, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return nil, err
	}
	recents, err := st.RecentPatients(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("recent patients: %w", err)
	}
	out := []Patient{}
	for _, r := range recents {
		var p Patient
		if err := json.Unmarshal(r.Data, &p); err != nil {
			s.log.Warn("skip an unreadable recent patient", "err", err)
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// PatientByID reads one of the clinic's patients (a launch names a patient
// by id; the window shows their name).
func (s *Service) PatientByID(ctx context.Context, accountID, patientID string) (Patient, error) {
	c, err := s.accountAPI(ctx, accountID)
	if err != nil {
		return Patient{}, err
	}
	p, err := withAccess(ctx, s, accountID, func(access string) (fullscript.Patient, error) {
		return c.api.Patient(ctx, access, patientID)
	})
	if fullscript.IsNotFound(err) {
		return Patient{}, &Problem{What: "No patient with that id in " + c.acct.ClinicName + ".", Fix: "Check the id the other program sent.", Err: fmt.Errorf("%w: patient not found", ErrUsage)}
	}
	if err != nil {
		return Patient{}, s.networkProblem("read the patient", err)
	}
	return Patient{ID: p.ID, FirstName: p.FirstName, LastName: p.LastName, Email: p.Email, DateOfBirth: p.DateOfBirth, Sex: p.Gender, MobileNumber: p.MobileNumber}, nil
}
