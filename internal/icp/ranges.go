package icp

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// EmployeeRange is a band of company head-count, both ends included. Max 0
// means no upper bound, as in the vendors' top bucket "10001+"; a range of
// exactly zero employees is never a prospect, so nothing is lost.
//
// In JSON it is written {"min":51,"max":200} and read from that, from a
// vendor bucket string ("51-200", "10001+", "1,001-5,000") or from a bare
// number (one exact head-count). Text that is none of these is kept and
// reported by Criteria.Validate with its field path rather than failing the
// whole decode, so the API can answer 422 naming the element.
type EmployeeRange struct {
	Min int `json:"min"`
	Max int `json:"max,omitempty"`

	invalid string // the text that could not be read, if any
}

// errNotRange is the reason every unreadable range is reported with.
var errNotRange = errors.New(`not a range such as "51-200", "10001+" or {"min":51,"max":200}`)

// ParseEmployeeRange reads a head-count band as vendors write it: "51-200"
// (a hyphen or en dash, spaces allowed), "10001+" (no upper bound) or a
// single number. Commas and dots grouping thousands are ignored.
func ParseEmployeeRange(s string) (EmployeeRange, error) {
	s = strings.TrimSpace(s)
	if lo, ok := strings.CutSuffix(s, "+"); ok {
		n, err := parseCount(lo)
		if err != nil {
			return EmployeeRange{}, fmt.Errorf("employee range %q: %w", s, errNotRange)
		}
		return EmployeeRange{Min: n}, nil
	}
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		lo, hi, ok = strings.Cut(s, "–")
	}
	if !ok {
		n, err := parseCount(s)
		if err != nil || n == 0 {
			return EmployeeRange{}, fmt.Errorf("employee range %q: %w", s, errNotRange)
		}
		return EmployeeRange{Min: n, Max: n}, nil
	}
	a, errA := parseCount(lo)
	b, errB := parseCount(hi)
	if errA != nil || errB != nil || b == 0 || b < a {
		return EmployeeRange{}, fmt.Errorf("employee range %q: %w", s, errNotRange)
	}
	return EmployeeRange{Min: a, Max: b}, nil
}

// maxCount bounds head-counts well inside int on every platform, so sums
// of range widths cannot overflow.
const maxCount = 100_000_000

// parseCount reads a non-negative head-count with optional thousands
// separators.
func parseCount(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errNotRange
	}
	digits := strings.NewReplacer(",", "", ".", "", "_", "", " ", "").Replace(s)
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || n > maxCount || digits[0] == '+' || digits[0] == '-' {
		return 0, errNotRange
	}
	return n, nil
}

// String writes the range as vendors do: "51-200", "10001+" or "120".
func (r EmployeeRange) String() string {
	switch {
	case r.invalid != "":
		return r.invalid
	case r.Max == 0:
		return strconv.Itoa(r.Min) + "+"
	case r.Min == r.Max:
		return strconv.Itoa(r.Min)
	}
	return strconv.Itoa(r.Min) + "-" + strconv.Itoa(r.Max)
}

// contains reports whether n lies in the range.
func (r EmployeeRange) contains(n int) bool {
	return n >= r.Min && (r.Max == 0 || n <= r.Max)
}

// UnmarshalJSON reads the object, string or number forms; see EmployeeRange.
func (r *EmployeeRange) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) > 0 && data[0] == '{':
		var v struct {
			Min int `json:"min"`
			Max int `json:"max"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("employee range: %w", err)
		}
		*r = EmployeeRange{Min: v.Min, Max: v.Max}
		return nil
	case len(data) > 0 && data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("employee range: %w", err)
		}
		parsed, err := ParseEmployeeRange(s)
		if err != nil {
			parsed = EmployeeRange{invalid: cmp.Or(s, `""`)}
		}
		*r = parsed
		return nil
	}
	parsed, err := ParseEmployeeRange(string(data))
	if err != nil {
		parsed = EmployeeRange{invalid: string(data)}
	}
	*r = parsed
	return nil
}

// MarshalJSON writes the object form, or the unreadable text as it came so
// that a stored invalid range stays visibly invalid.
func (r EmployeeRange) MarshalJSON() ([]byte, error) {
	if r.invalid != "" {
		return json.Marshal(r.invalid)
	}
	if r.Max == 0 {
		return fmt.Appendf(nil, `{"min":%d}`, r.Min), nil
	}
	return fmt.Appendf(nil, `{"min":%d,"max":%d}`, r.Min, r.Max), nil
}
