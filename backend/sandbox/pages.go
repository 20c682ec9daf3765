package sandbox

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
)

//go:embed web
var webFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}).ParseFS(webFS, "web/*.html"))

// pageCSP is for the sandbox's own top-level pages (consent, problems).
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"

func assetHandler() http.Handler {
	sub, _ := fs.Sub(webFS, "web")
	return http.StripPrefix("/_sandbox/assets/", http.FileServerFS(sub))
}

// renderPage writes a template. The CSP is the caller's unless unset.
func (s *Sandbox) renderPage(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render sandbox page", "page", name, "err", err)
		http.Error(w, "the sandbox could not draw this page", http.StatusInternalServerError)
		return
	}
	if w.Header().Get("Content-Security-Policy") == "" {
		w.Header().Set("Content-Security-Policy", pageCSP)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

type problemView struct{ Title, Detail string }

func (s *Sandbox) renderAuthorizeProblem(w http.ResponseWriter, title, detail string) {
	s.renderPage(w, http.StatusNotFound, "problem.html", problemView{Title: title, Detail: detail})
}

type consentView struct {
	Request string
	Clinics []consentClinic
	Hint    string
}

type consentClinic struct {
	Name  string
	Users []consentUser
}

type consentUser struct {
	ID, Name, Type, Email string
	Checked               bool
}

func (s *Sandbox) renderConsent(w http.ResponseWriter, req *consentRequest, hint string) {
	v := consentView{Request: req.ID, Hint: hint}
	s.mu.Lock()
	checked := false
	for _, c := range s.st.clinics {
		cc := consentClinic{Name: c.Name}
		for _, u := range s.st.users {
			if u.ClinicID != c.ID {
				continue
			}
			cu := consentUser{ID: u.ID, Name: u.Name(), Type: u.Type, Email: u.Email}
			if !checked && (hint == "" || hint == u.ID || hint == u.Email) {
				cu.Checked, checked = true, true
			}
			cc.Users = append(cc.Users, cu)
		}
		v.Clinics = append(v.Clinics, cc)
	}
	s.mu.Unlock()
	s.renderPage(w, http.StatusOK, "consent.html", v)
}

type patientChoice struct{ ID, Label, Detail string }

// embedView is what the Embed page shows; Data is the part its script reads.
type embedView struct {
	Session         string
	Feature         string
	Entrypoint      string
	Clinic          string
	User            string
	UserType        string
	TokenHadPatient bool
	Matched         patientChoice
	UnknownID       string // the app sent only an id, and no patient has it
	NewPatient      *PatientInput
	Suggestions     []patientChoice
	Patients        []patientChoice
	Practitioners   []patientChoice
	Prescriber      string // a Redirect link's practitioner (the plan is theirs)
	Catalog         []Product
	Labs            []LabTest
}

type embedErrorView struct{ Message, TargetOrigin string }

// embedPage is embed.html's data: an Embed page in an iframe, or the same
// plan builder as a top-level Redirect page (no frame, no parent).
type embedPage struct {
	embedView
	FrameID, TargetOrigin string
	Redirect              bool
}

func (s *Sandbox) renderEmbed(w http.ResponseWriter, sess *embedSession, v embedView) {
	s.renderPage(w, http.StatusOK, "embed.html", embedPage{embedView: v, FrameID: sess.FrameID, TargetOrigin: sess.TargetOrigin})
}
