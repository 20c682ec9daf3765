package sandbox

import (
	"crypto/sha1"
	"fmt"
	"strings"
	"time"
)

// User types, as Fullscript spells them in resource_owner.type.
const (
	practitioner = "Practitioner"
	staff        = "Staff"
)

// Clinic is a seeded or created clinic.
type Clinic struct {
	ID                string  `json:"id"`
	Name              string  `json:"name"`
	Discount          float64 `json:"discount"`
	DispensaryURL     string  `json:"dispensary_url"`
	MarginType        string  `json:"margin_type"`
	PatientCount      int     `json:"patient_count"`
	PractitionerCount int     `json:"practitioner_count"`
}

// User is a practitioner or a staff member of one clinic. A person who
// works in two clinics is two users with the same email (one account per
// clinic, as in Fullscript).
type User struct {
	ID        string `json:"id"`
	ClinicID  string `json:"clinic_id"`
	Type      string `json:"type"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
}

// Name is how the consent and Embed pages show the user.
func (u User) Name() string {
	if u.Type == practitioner {
		return "Dr. " + u.FirstName + " " + u.LastName
	}
	return u.FirstName + " " + u.LastName
}

// Patient is a clinic's patient, in Fullscript's REST field names.
type Patient struct {
	ID                      string    `json:"id"`
	ClinicID                string    `json:"-"`
	FirstName               string    `json:"first_name"`
	LastName                string    `json:"last_name"`
	Email                   string    `json:"email"`
	DateOfBirth             string    `json:"date_of_birth,omitempty"`
	Gender                  string    `json:"gender,omitempty"`
	MobileNumber            string    `json:"mobile_number,omitempty"`
	Discount                float64   `json:"discount"`
	TotalDiscount           float64   `json:"total_discount"`
	TextMessageNotification bool      `json:"text_message_notification"`
	Archived                bool      `json:"archived"`
	Metadata                Metadata  `json:"metadata"`
	CreatedAt               time.Time `json:"created_at"`
	UpdatedAt               time.Time `json:"updated_at"`
}

// Metadata holds the integrator's own id for a record.
type Metadata struct {
	ID *string `json:"id"`
}

// Product is one catalog entry the Embed page offers.
type Product struct {
	VariantID string `json:"variant_id"`
	Name      string `json:"name"`
	Brand     string `json:"brand"`
	Format    string `json:"format"`
	Dosage    string `json:"dosage"`
}

// LabTest is one lab the labs entry point offers.
type LabTest struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	RequiresFasting bool   `json:"requires_fasting"`
}

type seedData struct {
	clinics  []Clinic
	users    []User
	patients []Patient
	catalog  []Product
	labs     []LabTest
}

// seedID is a stable UUID-shaped id (a version 5 style hash of name), so
// docs, tests and scripts can name seeded records across runs.
func seedID(name string) string {
	h := sha1.Sum([]byte("fullscript-companion-sandbox:" + name))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

var seedEpoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// seed builds two clinics. Dr. Ada Moss practises in both, so one person
// signs in to two clinics (two accounts) in every multi-clinic test.
func seed() seedData {
	riverside := Clinic{ID: seedID("clinic/riverside"), Name: "Riverside Wellness Clinic", Discount: 10, MarginType: "msrp", DispensaryURL: "https://us-snd.fullscript.io/o/riverside"}
	northside := Clinic{ID: seedID("clinic/northside"), Name: "Northside Integrative Health", Discount: 0, MarginType: "msrp", DispensaryURL: "https://us-snd.fullscript.io/o/northside"}
	user := func(c Clinic, typ, first, last, email string) User {
		return User{ID: seedID("user/" + c.ID + "/" + email), ClinicID: c.ID, Type: typ, FirstName: first, LastName: last, Email: email}
	}
	users := []User{
		user(riverside, practitioner, "Ada", "Moss", "ada.moss@example.com"),
		user(riverside, practitioner, "Ben", "Okafor", "ben.okafor@example.com"),
		user(riverside, staff, "Sam", "Rivera", "sam.rivera@example.com"),
		user(northside, practitioner, "Chloe", "Tremblay", "chloe.tremblay@example.com"),
		user(northside, practitioner, "Ada", "Moss", "ada.moss@example.com"),
		user(northside, staff, "Priya", "Nair", "priya.nair@example.com"),
	}
	first := []string{"Amos", "Bea", "Carmen", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonah", "Kira", "Luca", "Maya", "Noor", "Omar", "Pia", "Quinn", "Rosa", "Soren", "Tala"}
	last := []string{"Kline", "Marsh", "Ortiz", "Patel", "Quist", "Reyes", "Stone", "Tanaka", "Ulloa", "Vance", "Weir", "Young"}
	sexes := []string{"female", "male", "x"}
	var patients []Patient
	for ci, c := range []Clinic{riverside, northside} {
		n := 36 - 6*ci // 36 and 30: more than one page at the default size
		for i := 0; i < n; i++ {
			f, l := first[(i+ci*7)%len(first)], last[(i*5+ci)%len(last)]
			email := fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(f), strings.ToLower(l), i+1)
			created := seedEpoch.Add(time.Duration(i) * 36 * time.Hour)
			p := Patient{
				ID: seedID("patient/" + c.ID + "/" + email), ClinicID: c.ID,
				FirstName: f, LastName: l, Email: email,
				DateOfBirth: fmt.Sprintf("%d-%02d-%02d", 1950+(i*7)%55, 1+i%12, 1+(i*3)%28),
				Gender:      sexes[i%len(sexes)],
				Discount:    float64((i % 3) * 5), CreatedAt: created, UpdatedAt: created,
			}
			if i%2 == 0 {
				p.MobileNumber = fmt.Sprintf("+1604555%04d", 1000+i)
				p.TextMessageNotification = true
			}
			p.TotalDiscount = p.Discount + c.Discount
			patients = append(patients, p)
		}
	}
	catalog := []Product{
		{Name: "Magnesium Glycinate", Brand: "Pure Encapsulations", Format: "capsule", Dosage: "2 capsules daily with a meal"},
		{Name: "Vitamin D3 1000 IU", Brand: "Thorne", Format: "softgel", Dosage: "1 softgel daily"},
		{Name: "Omega-3 Fish Oil", Brand: "Nordic Naturals", Format: "softgel", Dosage: "2 softgels twice daily"},
		{Name: "Probiotic 50B", Brand: "Klaire Labs", Format: "capsule", Dosage: "1 capsule daily"},
		{Name: "Methyl B12", Brand: "Designs for Health", Format: "lozenge", Dosage: "1 lozenge daily"},
		{Name: "Zinc Picolinate", Brand: "Thorne", Format: "capsule", Dosage: "1 capsule daily"},
		{Name: "Ashwagandha", Brand: "Gaia Herbs", Format: "capsule", Dosage: "1 capsule twice daily"},
		{Name: "Iron Bisglycinate", Brand: "Pure Encapsulations", Format: "capsule", Dosage: "1 capsule every other day"},
	}
	for i := range catalog {
		catalog[i].VariantID = seedID("variant/" + catalog[i].Name)
	}
	labs := []LabTest{
		{Name: "Comprehensive Metabolic Panel", RequiresFasting: true},
		{Name: "Complete Blood Count"},
		{Name: "Thyroid Panel (TSH, Free T4, Free T3)"},
		{Name: "Vitamin D, 25-Hydroxy"},
		{Name: "Lipid Panel", RequiresFasting: true},
	}
	for i := range labs {
		labs[i].ID = seedID("lab/" + labs[i].Name)
	}
	return seedData{clinics: []Clinic{riverside, northside}, users: users, patients: patients, catalog: catalog, labs: labs}
}
