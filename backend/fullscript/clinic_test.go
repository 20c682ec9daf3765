package fullscript

import (
	"testing"
)

func TestClinic(t *testing.T) {
	e := newTestEnv(t)
	clinics := e.sb.Info().Clinics
	tests := []struct {
		hint string
		want Clinic
	}{
		{"ben.okafor@example.com", Clinic{ID: clinics[0].ID, Name: clinics[0].Name}},
		{"chloe.tremblay@example.com", Clinic{ID: clinics[1].ID, Name: clinics[1].Name}},
		// One person, two clinics: the token decides which.
		{e.userID("ada.moss@example.com", 1), Clinic{ID: clinics[1].ID, Name: clinics[1].Name}},
	}
	for _, tt := range tests {
		t.Run(tt.hint, func(t *testing.T) {
			s := e.signIn(tt.hint)
			got, err := e.client.Clinic(ctxT(t), s.access)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("Clinic() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestUser(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		hint     string
		userType string // as the caller passes it
		want     User
	}{
		{"ben.okafor@example.com", "Practitioner", User{Type: "Practitioner", FirstName: "Ben", LastName: "Okafor", Email: "ben.okafor@example.com"}},
		{"sam.rivera@example.com", "Staff", User{Type: "Staff", FirstName: "Sam", LastName: "Rivera", Email: "sam.rivera@example.com"}},
		{"priya.nair@example.com", "staff", User{Type: "Staff", FirstName: "Priya", LastName: "Nair", Email: "priya.nair@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.hint, func(t *testing.T) {
			s := e.signIn(tt.hint)
			if s.userType != tt.want.Type {
				t.Fatalf("resource_owner.type = %q, want %q", s.userType, tt.want.Type)
			}
			got, err := e.client.User(ctxT(t), s.access, tt.userType, s.userID)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.ID = s.userID
			if got != tt.want {
				t.Fatalf("User() = %+v, want %+v", got, tt.want)
			}
		})
	}

	t.Run("wrong type is not found", func(t *testing.T) {
		s := e.signIn("sam.rivera@example.com")
		_, err := e.client.User(ctxT(t), s.access, "Practitioner", s.userID)
		if !IsNotFound(err) {
			t.Fatalf("want a 404, got %v", err)
		}
	})
	t.Run("bad arguments fail before any request", func(t *testing.T) {
		s := e.signIn("ben.okafor@example.com")
		for _, args := range [][2]string{{"Owner", s.userID}, {"Practitioner", ""}, {"Practitioner", ".."}} {
			if _, err := e.client.User(ctxT(t), s.access, args[0], args[1]); err == nil || asAPI(err) {
				t.Errorf("User(%q, %q): want a local error, got %v", args[0], args[1], err)
			}
		}
	})
}

func asAPI(err error) bool {
	_, ok := apiStatus(err)
	return ok
}
