package icp

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Indexes of the groups in groups, Scorer's arrays and the order of Matches.
const (
	gIndustries = iota
	gEmployeeRanges
	gCountries
	gTitles
	gSeniorities
	gKeywords
	gTechnologies
)

// match matches group i of the profile against s and returns the share of
// the group's weight earned (0 to 1) and the explanation.
func (sc *Scorer) match(i int, s *Subject) (float64, string) {
	switch i {
	case gIndustries:
		return sc.matchText("industry", s.Industry, sc.industries, hasWords, i)
	case gEmployeeRanges:
		return sc.matchEmployees(s)
	case gCountries:
		return sc.matchCountry(s)
	case gTitles:
		return sc.matchText("title", s.Title, sc.titles, hasWordPrefix, i)
	case gSeniorities:
		return sc.matchSeniority(s)
	case gKeywords:
		return sc.matchKeywords(s)
	case gTechnologies:
		return sc.matchList("technology", s.Technologies, sc.technologies, hasWords, i)
	}
	return 0, noData
}

// matchText matches one free-text field of the subject.
func (sc *Scorer) matchText(field, value string, ps []phrase, has func(hay, needle string) bool, i int) (float64, string) {
	hay := normalize(value)
	if hay == "" {
		return 0, noData
	}
	for _, p := range ps {
		if has(hay, p.norm) {
			return 1, fmt.Sprintf("%s %q matches %q", field, strings.TrimSpace(value), p.text)
		}
	}
	return 0, fmt.Sprintf("%s %q matches none of %s", field, strings.TrimSpace(value), sc.lists[i])
}

// matchList matches a list field of the subject: any value matching any
// criterion is a match.
func (sc *Scorer) matchList(field string, values []string, ps []phrase, has func(hay, needle string) bool, i int) (float64, string) {
	known := 0
	for _, v := range values {
		hay := normalize(v)
		if hay == "" {
			continue
		}
		known++
		for _, p := range ps {
			if has(hay, p.norm) {
				return 1, fmt.Sprintf("%s %q matches %q", field, strings.TrimSpace(v), p.text)
			}
		}
	}
	if known == 0 {
		return 0, noData
	}
	return 0, fmt.Sprintf("none of %d %s values matches %s", known, field, sc.lists[i])
}

// matchKeywords looks for the keywords in the company's description, each
// of its keywords and its industry, in that order.
func (sc *Scorer) matchKeywords(s *Subject) (float64, string) {
	known := false
	try := func(source, text string) (string, bool) {
		hay := normalize(text)
		if hay == "" {
			return "", false
		}
		known = true
		for _, p := range sc.keywords {
			if hasWordPrefix(hay, p.norm) {
				return fmt.Sprintf("keyword %q found in %s", p.text, source), true
			}
		}
		return "", false
	}
	if d, ok := try("description", s.Description); ok {
		return 1, d
	}
	for _, k := range s.Keywords {
		if d, ok := try("keywords", k); ok {
			return 1, d
		}
	}
	if d, ok := try("industry", s.Industry); ok {
		return 1, d
	}
	if !known {
		return 0, noData
	}
	return 0, "none of " + sc.lists[gKeywords] + " found in description, keywords or industry"
}

// matchCountry compares the contact's country, or the company's when the
// contact's is unknown, as ISO codes: the person is the one contacted, and
// their location decides language, time zone and law.
func (sc *Scorer) matchCountry(s *Subject) (float64, string) {
	whose, value := "contact", strings.TrimSpace(s.Country)
	if normalize(value) == "" {
		whose, value = "company", strings.TrimSpace(s.CompanyCountry)
	}
	if normalize(value) == "" {
		return 0, noData
	}
	code, ok := CountryCode(value)
	switch {
	case !ok:
		return 0, fmt.Sprintf("%s country %q is not a known country", whose, value)
	case slices.Contains(sc.countries, code):
		return 1, fmt.Sprintf("%s country %q is %s", whose, value, code)
	}
	return 0, fmt.Sprintf("%s country %q (%s) is not one of %s", whose, value, code, sc.lists[gCountries])
}

// matchSeniority compares levels, the subject's taken from its seniority
// or, when that is missing or unknown, guessed from its title.
func (sc *Scorer) matchSeniority(s *Subject) (float64, string) {
	level, how := seniorityOf(s.Seniority), ""
	if level == "" {
		if level = seniorityFromTitle(normalize(s.Title)); level != "" {
			how = " (from title)"
		}
	}
	switch {
	case level == "" && normalize(s.Seniority) == "":
		return 0, noData
	case level == "":
		return 0, fmt.Sprintf("seniority %q is not a known level", strings.TrimSpace(s.Seniority))
	case slices.Contains(sc.seniorities, level):
		return 1, fmt.Sprintf("seniority %s%s is one of %s", level, how, sc.lists[gSeniorities])
	}
	return 0, fmt.Sprintf("seniority %s%s is not one of %s", level, how, sc.lists[gSeniorities])
}

// matchEmployees compares the company's head-count with the ranges. An
// exact count, or an open bucket such as "10001+" taken at its lower end,
// is in or out; a closed bucket earns the share of it the ranges cover, so
// "51-200" against 100-500 earns 101/150 of the weight.
func (sc *Scorer) matchEmployees(s *Subject) (float64, string) {
	var r EmployeeRange
	switch {
	case s.EmployeeCount > 0:
		r = EmployeeRange{Min: s.EmployeeCount, Max: s.EmployeeCount}
	case strings.TrimSpace(s.EmployeeRange) == "":
		return 0, noData
	default:
		var err error
		if r, err = ParseEmployeeRange(s.EmployeeRange); err != nil {
			return 0, fmt.Sprintf("%s: employee range %q not understood", noData, strings.TrimSpace(s.EmployeeRange))
		}
	}
	if r.Max == 0 || r.Min == r.Max {
		for _, cr := range sc.ranges {
			if cr.contains(r.Min) {
				return 1, fmt.Sprintf("employees %s in %s", r, cr)
			}
		}
		return 0, fmt.Sprintf("employees %s not in %s", r, sc.lists[gEmployeeRanges])
	}
	covered := 0
	for _, cr := range sc.ranges {
		lo, hi := max(cr.Min, r.Min), r.Max
		if cr.Max != 0 {
			hi = min(cr.Max, r.Max)
		}
		if hi >= lo {
			covered += hi - lo + 1
		}
	}
	width := r.Max - r.Min + 1
	fraction := float64(covered) / float64(width)
	switch {
	case covered == 0:
		return 0, fmt.Sprintf("employees %s not in %s", r, sc.lists[gEmployeeRanges])
	case covered == width:
		return 1, fmt.Sprintf("employees %s within %s", r, sc.lists[gEmployeeRanges])
	}
	pct := strconv.Itoa(int(math.Round(fraction*100))) + "%"
	return fraction, fmt.Sprintf("employees %s: %s within %s", r, pct, sc.lists[gEmployeeRanges])
}
