package fullscript

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Lenient JSON types for fields whose exact shape Fullscript has not
// published (reference 8.5): ids may be strings or numbers, Rails writes
// decimals as strings, and timestamps come in more than one layout.

// flexString accepts a string, a number or null.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number: %w", err)
		}
		*s = flexString(n.String())
	}
	return nil
}

// flexFloat accepts a number, a numeric string, an empty string or null.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		if v = strings.TrimSpace(v); v == "" {
			*f = 0
			return nil
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("want a number, got a string that is not one")
		}
		*f = flexFloat(n)
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexFloat(n)
	return nil
}

// timeLayouts: ISO-8601 as Fullscript writes it (2021-06-16T14:57:21.000Z),
// with an offset, and Rails' default to_s.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05 -0700"}

// flexTime is a timestamp or null; Set says whether one was present.
type flexTime struct {
	Time time.Time
	Set  bool
}

func (t *flexTime) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a timestamp string: %w", err)
	}
	if s == nil || strings.TrimSpace(*s) == "" {
		*t = flexTime{}
		return nil
	}
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, strings.TrimSpace(*s)); err == nil {
			*t = flexTime{Time: v, Set: true}
			return nil
		}
	}
	return fmt.Errorf("timestamp is not ISO-8601")
}
