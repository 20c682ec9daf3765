package auth

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"golang.org/x/oauth2"
)

// Token is one token reply from Fullscript.
type Token struct {
	AccessToken, RefreshToken, TokenType, Scope string
	// CreatedAt is Fullscript's created_at, else when the reply arrived.
	CreatedAt time.Time
	// Expiry is CreatedAt + expires_in, as Fullscript documents; zero when
	// the reply had no expires_in.
	Expiry time.Time
	// ResourceOwnerID and ResourceOwnerType name the person who signed in
	// (type Practitioner or Staff).
	ResourceOwnerID, ResourceOwnerType string
}

// LogValue shows what a log may hold, and only whether secrets are present.
func (t *Token) LogValue() slog.Value {
	if t == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(
		slog.String("token_type", t.TokenType),
		slog.String("scope", t.Scope),
		slog.Time("created_at", t.CreatedAt),
		slog.Time("expiry", t.Expiry),
		slog.String("resource_owner_id", t.ResourceOwnerID),
		slog.String("resource_owner_type", t.ResourceOwnerType),
		slog.Bool("has_access_token", t.AccessToken != ""),
		slog.Bool("has_refresh_token", t.RefreshToken != ""),
	)
}

// String keeps the tokens out of %v and %s.
func (t *Token) String() string {
	if t == nil {
		return "<nil>"
	}
	return fmt.Sprintf("auth.Token{TokenType:%q Scope:%q Expiry:%s ResourceOwner:%s/%s AccessToken:<redacted> RefreshToken:<redacted>}",
		t.TokenType, t.Scope, t.Expiry.Format(time.RFC3339), t.ResourceOwnerType, t.ResourceOwnerID)
}

// GoString keeps the tokens out of %#v.
func (t *Token) GoString() string { return t.String() }

// fromOAuth2 reads x/oauth2's token and the Fullscript fields it keeps in
// Extra (created_at, resource_owner, scope). received is when the reply came.
func fromOAuth2(ot *oauth2.Token, received time.Time) *Token {
	t := &Token{
		AccessToken:  ot.AccessToken,
		RefreshToken: ot.RefreshToken,
		TokenType:    ot.Type(),
		CreatedAt:    received,
	}
	if s, ok := ot.Extra("scope").(string); ok {
		t.Scope = s
	}
	if created, ok := parseCreatedAt(ot.Extra("created_at")); ok {
		t.CreatedAt = created
	}
	switch {
	case ot.ExpiresIn > 0:
		t.Expiry = t.CreatedAt.Add(time.Duration(ot.ExpiresIn) * time.Second)
	case !ot.Expiry.IsZero():
		t.Expiry = ot.Expiry
	}
	if owner, ok := ot.Extra("resource_owner").(map[string]any); ok {
		t.ResourceOwnerID = scalarString(owner["id"])
		t.ResourceOwnerType = scalarString(owner["type"])
	}
	return t
}

// parseCreatedAt takes Fullscript's ISO-8601 string (2021-06-16T14:57:21.000Z)
// or Doorkeeper's default, Unix seconds.
func parseCreatedAt(v any) (time.Time, bool) {
	switch v := v.(type) {
	case string:
		ts, err := time.Parse(time.RFC3339Nano, v)
		return ts.UTC(), err == nil
	case float64:
		if v <= 0 {
			return time.Time{}, false
		}
		return time.Unix(int64(v), 0).UTC(), true
	}
	return time.Time{}, false
}

func scalarString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}
