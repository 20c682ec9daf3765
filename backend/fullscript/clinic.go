package fullscript

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// User types as Fullscript spells them (resource_owner.type, user.type).
const (
	UserPractitioner = "Practitioner"
	UserStaff        = "Staff"
)

// Clinic is the clinic of the token's user. Only id and name are relied on
// (reference 3.2).
type Clinic struct {
	ID, Name string
}

// User is a practitioner or a staff member.
type User struct {
	ID, Type, FirstName, LastName, Email string
}

type wireClinic struct {
	ID   flexString `json:"id"`
	Name string     `json:"name"`
}

type wireUser struct {
	ID        flexString `json:"id"`
	FirstName string     `json:"first_name"`
	LastName  string     `json:"last_name"`
	Email     string     `json:"email"`
}

// Clinic is GET /clinic: the clinic the access token belongs to.
func (c *Client) Clinic(ctx context.Context, accessToken string) (Clinic, error) {
	const op = "get clinic"
	raw, reqID, err := c.do(ctx, accessToken, call{op: op, method: http.MethodGet, path: "/clinic"})
	if err != nil {
		return Clinic{}, err
	}
	inner, err := unwrap(op, reqID, raw, "clinic")
	if err != nil {
		return Clinic{}, err
	}
	var w wireClinic
	if err := decodeInto(op, reqID, inner, &w); err != nil {
		return Clinic{}, err
	}
	if w.ID == "" {
		return Clinic{}, malformed(op, reqID, errors.New("the clinic has no id"))
	}
	return Clinic{ID: string(w.ID), Name: w.Name}, nil
}

// NormalizeUserType accepts "practitioner"/"staff" in any case and returns
// Fullscript's spelling.
func NormalizeUserType(t string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "practitioner":
		return UserPractitioner, nil
	case "staff":
		return UserStaff, nil
	}
	return "", fmt.Errorf("user type %q is neither %s nor %s", t, UserPractitioner, UserStaff)
}

// User is GET /clinic/practitioners/{id} or /clinic/staff/{id}: there is no
// "who am I" endpoint, so the caller passes resource_owner from the token
// reply.
func (c *Client) User(ctx context.Context, accessToken, userType, id string) (User, error) {
	const op = "get user"
	typ, err := NormalizeUserType(userType)
	if err != nil {
		return User{}, fmt.Errorf("%s: %w", op, err)
	}
	seg, err := pathID("user", id)
	if err != nil {
		return User{}, fmt.Errorf("%s: %w", op, err)
	}
	coll, key := "/clinic/practitioners/", "practitioner"
	if typ == UserStaff {
		coll, key = "/clinic/staff/", "staff"
	}
	raw, reqID, err := c.do(ctx, accessToken, call{op: op, method: http.MethodGet, path: coll + seg})
	if err != nil {
		return User{}, err
	}
	inner, err := unwrap(op, reqID, raw, key)
	if err != nil {
		return User{}, err
	}
	var w wireUser
	if err := decodeInto(op, reqID, inner, &w); err != nil {
		return User{}, err
	}
	if w.ID == "" {
		return User{}, malformed(op, reqID, fmt.Errorf("the %s has no id", key))
	}
	return User{ID: string(w.ID), Type: typ, FirstName: w.FirstName, LastName: w.LastName, Email: w.Email}, nil
}
