// Package icp describes ideal-customer profiles and scores prospects against
// them: which industries, company sizes, countries, titles, seniorities,
// keywords and technologies make a good customer, how much each weighs, and
// a 0-100 score with the explanation of what matched. It knows nothing about
// the database, HTTP or jobs; callers map their rows into a Subject.
package icp

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Names of the criterion groups: keys of Criteria.Weights, entries of
// Criteria.Required and Match.Criterion.
const (
	CriterionIndustries     = "industries"
	CriterionEmployeeRanges = "employee_ranges"
	CriterionCountries      = "countries"
	CriterionTitles         = "titles"
	CriterionSeniorities    = "seniorities"
	CriterionKeywords       = "keywords"
	CriterionTechnologies   = "technologies"
)

// groups is the order criteria are scored and explained in; the g
// constants index it.
var groups = [...]string{CriterionIndustries, CriterionEmployeeRanges, CriterionCountries, CriterionTitles, CriterionSeniorities, CriterionKeywords, CriterionTechnologies}

// DefaultWeight is the weight of a group with values and no entry in
// Weights, so a profile that lists criteria without weighing them weighs
// them equally.
const DefaultWeight = 10

// Limits on one profile's criteria. They keep a profile written by hand
// through the API from making scoring 100k contacts slow.
const (
	MaxValues      = 200 // values in one group
	MaxValueLength = 200 // characters in one value
)

// Criteria is what an ideal customer looks like. Each group matches when any
// of its values matches (see Score for how each is compared). A group with
// no values takes no part in scoring.
type Criteria struct {
	// Industries are matched as whole words in the company's industry:
	// "software" matches "Computer Software".
	Industries []string `json:"industries,omitempty"`
	// EmployeeRanges are head-count bands of the company.
	EmployeeRanges []EmployeeRange `json:"employee_ranges,omitempty"`
	// Countries are ISO 3166-1 alpha-2 codes or English names; they are
	// compared as codes, so "Germany", "DE" and "Deutschland" are one.
	Countries []string `json:"countries,omitempty"`
	// Titles are matched case-insensitively from the start of a word of the
	// contact's title: "sales" matches "VP of Sales".
	Titles []string `json:"titles,omitempty"`
	// Seniorities are levels of the package's SeniorityLevels list (vendor
	// spellings such as "cxo" or "vice president" are accepted).
	Seniorities []string `json:"seniorities,omitempty"`
	// Keywords are matched from the start of a word of the company's
	// description, keywords and industry.
	Keywords []string `json:"keywords,omitempty"`
	// Technologies are matched as whole words in the company's technologies.
	Technologies []string `json:"technologies,omitempty"`

	// Weights weighs each group from 0 to 100, keyed by the group's name
	// ("industries", "employee_ranges", ...: the Criterion constants); a
	// group with values and no entry weighs DefaultWeight. Weight 0 with
	// Required makes a pure filter that adds no points.
	Weights map[string]int `json:"weights,omitempty"`
	// Required names the groups a contact must match: failing any of them
	// caps the score at 0, whatever else matched.
	Required []string `json:"required,omitempty"`
}

// FieldError is one problem with a profile, at a path such as
// "criteria.employee_ranges[1].max".
type FieldError struct {
	Path   string `json:"location"`
	Reason string `json:"message"`
}

// Error implements error.
func (e FieldError) Error() string { return e.Path + ": " + e.Reason }

// ValidationError lists every problem found, so a client can fix them all in
// one round; the API answers it with 422 and one entry per field.
type ValidationError struct {
	Fields []FieldError
}

// Error implements error.
func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Error()
	}
	return "invalid profile: " + strings.Join(msgs, "; ")
}

// Add records a problem at path.
func (e *ValidationError) Add(path, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Path: path, Reason: fmt.Sprintf(format, args...)})
}

// Err returns e when it holds a problem and nil otherwise, so the typed nil
// pointer never escapes as a non-nil error.
func (e *ValidationError) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Validate checks c and returns a *ValidationError naming each bad field
// under "criteria.", or nil.
func (c Criteria) Validate() error {
	var v ValidationError
	c.validate("criteria", &v)
	return v.Err()
}

// ValidateAt is Validate with fields named under prefix instead of
// "criteria", for callers that embed criteria elsewhere; problems are added
// to v.
func (c Criteria) ValidateAt(prefix string, v *ValidationError) { c.validate(prefix, v) }

func (c Criteria) validate(prefix string, v *ValidationError) {
	texts := []struct {
		name   string
		values []string
		check  func(string) string // why a value is refused, or ""
	}{
		{CriterionIndustries, c.Industries, nil},
		{CriterionCountries, c.Countries, func(s string) string {
			if _, ok := CountryCode(s); !ok {
				return "not an ISO 3166 country code or name"
			}
			return ""
		}},
		{CriterionTitles, c.Titles, nil},
		{CriterionSeniorities, c.Seniorities, func(s string) string {
			if seniorityOf(s) == "" {
				return "not a seniority (" + strings.Join(SeniorityLevels, ", ") + ")"
			}
			return ""
		}},
		{CriterionKeywords, c.Keywords, nil},
		{CriterionTechnologies, c.Technologies, nil},
	}
	for _, t := range texts {
		path := prefix + "." + t.name
		if len(t.values) > MaxValues {
			v.Add(path, "at most %d values, got %d", MaxValues, len(t.values))
			continue
		}
		for i, s := range t.values {
			at := path + "[" + strconv.Itoa(i) + "]"
			switch {
			case normalize(s) == "":
				v.Add(at, "must contain a letter or digit")
			case utf8.RuneCountInString(s) > MaxValueLength:
				v.Add(at, "at most %d characters", MaxValueLength)
			case t.check != nil && t.check(s) != "":
				v.Add(at, "%q is %s", s, t.check(s))
			}
		}
	}
	c.validateRanges(prefix+"."+CriterionEmployeeRanges, v)

	populated, total := 0, 0
	for _, g := range groups {
		if c.has(g) {
			populated++
			total += c.weight(g)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Weights)) {
		w := c.Weights[name]
		switch {
		case !slices.Contains(groups[:], name):
			v.Add(prefix+".weights."+name, "not a criterion (%s)", strings.Join(groups[:], ", "))
		case w < 0 || w > 100:
			v.Add(prefix+".weights."+name, "must be between 0 and 100, got %d", w)
		}
	}
	for i, name := range c.Required {
		at := prefix + ".required[" + strconv.Itoa(i) + "]"
		switch {
		case !slices.Contains(groups[:], name):
			v.Add(at, "%q is not a criterion (%s)", name, strings.Join(groups[:], ", "))
		case !c.has(name):
			v.Add(at, "%s is required but has no values", name)
		}
	}
	switch {
	case populated == 0:
		v.Add(prefix, "at least one criterion must have values")
	case total <= 0:
		v.Add(prefix+".weights", "at least one criterion with values must weigh more than 0")
	}
}

func (c Criteria) validateRanges(path string, v *ValidationError) {
	if len(c.EmployeeRanges) > MaxValues {
		v.Add(path, "at most %d values, got %d", MaxValues, len(c.EmployeeRanges))
		return
	}
	for i, r := range c.EmployeeRanges {
		at := path + "[" + strconv.Itoa(i) + "]"
		switch {
		case r.invalid != "":
			v.Add(at, "%q is %v", r.invalid, errNotRange)
		case r.Min < 0 || r.Min > maxCount:
			v.Add(at+".min", "must be between 0 and %d, got %d", maxCount, r.Min)
		case r.Max < 0 || r.Max > maxCount:
			v.Add(at+".max", "must be between 0 (no upper bound) and %d, got %d", maxCount, r.Max)
		case r.Max != 0 && r.Max < r.Min:
			v.Add(at+".max", "must be at least min (%d) or 0 for no upper bound, got %d", r.Min, r.Max)
		}
	}
}

// has reports whether group g has values.
func (c Criteria) has(g string) bool {
	switch g {
	case CriterionIndustries:
		return len(c.Industries) > 0
	case CriterionEmployeeRanges:
		return len(c.EmployeeRanges) > 0
	case CriterionCountries:
		return len(c.Countries) > 0
	case CriterionTitles:
		return len(c.Titles) > 0
	case CriterionSeniorities:
		return len(c.Seniorities) > 0
	case CriterionKeywords:
		return len(c.Keywords) > 0
	case CriterionTechnologies:
		return len(c.Technologies) > 0
	}
	return false
}

// weight is the weight of group g, DefaultWeight when Weights is silent.
func (c Criteria) weight(g string) int {
	if w, ok := c.Weights[g]; ok {
		return w
	}
	return DefaultWeight
}
