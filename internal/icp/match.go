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

// outcome is how one criterion group fared against a subject.
type outcome struct {
	fraction float64  // share of the group's weight earned, 0 to 1
	detail   string   // the explanation, one sentence
	value    string   // the subject's value compared, when it is short
	matched  []string // the profile's values that matched
}

// missing is the outcome of a group whose subject data is missing.
var missing = outcome{detail: noData}

// match matches group i of the profile against s.
func (sc *Scorer) match(i int, s *Subject) outcome {
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
	return missing
}

// matchText matches one free-text field of the subject.
func (sc *Scorer) matchText(field, value string, ps []phrase, has func(hay, needle string) bool, i int) outcome {
	hay := normalize(value)
	if hay == "" {
		return missing
	}
	value = strings.TrimSpace(value)
	for _, p := range ps {
		if has(hay, p.norm) {
			return outcome{fraction: 1, value: value, matched: []string{p.text},
				detail: fmt.Sprintf("%s %q matches %q", field, value, p.text)}
		}
	}
	return outcome{value: value, detail: fmt.Sprintf("%s %q matches none of %s", field, value, sc.lists[i])}
}

// matchList matches a list field of the subject: any value matching any
// criterion is a match.
func (sc *Scorer) matchList(field string, values []string, ps []phrase, has func(hay, needle string) bool, i int) outcome {
	known := 0
	for _, v := range values {
		hay := normalize(v)
		if hay == "" {
			continue
		}
		known++
		for _, p := range ps {
			if has(hay, p.norm) {
				v = strings.TrimSpace(v)
				return outcome{fraction: 1, value: v, matched: []string{p.text},
					detail: fmt.Sprintf("%s %q matches %q", field, v, p.text)}
			}
		}
	}
	if known == 0 {
		return missing
	}
	return outcome{detail: fmt.Sprintf("none of %d %s values matches %s", known, field, sc.lists[i])}
}

// matchKeywords looks for the keywords in the company's description, each
// of its keywords and its industry, in that order. The description is
// named, not quoted: it may be long.
func (sc *Scorer) matchKeywords(s *Subject) outcome {
	known := false
	try := func(source, text, value string) (outcome, bool) {
		hay := normalize(text)
		if hay == "" {
			return outcome{}, false
		}
		known = true
		for _, p := range sc.keywords {
			if hasWordPrefix(hay, p.norm) {
				return outcome{fraction: 1, value: value, matched: []string{p.text},
					detail: fmt.Sprintf("keyword %q found in %s", p.text, source)}, true
			}
		}
		return outcome{}, false
	}
	if o, ok := try("description", s.Description, ""); ok {
		return o
	}
	for _, k := range s.Keywords {
		if o, ok := try("keywords", k, strings.TrimSpace(k)); ok {
			return o
		}
	}
	if o, ok := try("industry", s.Industry, strings.TrimSpace(s.Industry)); ok {
		return o
	}
	if !known {
		return missing
	}
	return outcome{detail: "none of " + sc.lists[gKeywords] + " found in description, keywords or industry"}
}

// matchCountry compares the contact's country, or the company's when the
// contact's is unknown, as ISO codes: the person is the one contacted, and
// their location decides language, time zone and law.
func (sc *Scorer) matchCountry(s *Subject) outcome {
	whose, value := "contact", strings.TrimSpace(s.Country)
	if normalize(value) == "" {
		whose, value = "company", strings.TrimSpace(s.CompanyCountry)
	}
	if normalize(value) == "" {
		return missing
	}
	code, ok := CountryCode(value)
	switch {
	case !ok:
		return outcome{value: value, detail: fmt.Sprintf("%s country %q is not a known country", whose, value)}
	case slices.Contains(sc.countries, code):
		return outcome{fraction: 1, value: code, matched: []string{code},
			detail: fmt.Sprintf("%s country %q is %s", whose, value, code)}
	}
	return outcome{value: code, detail: fmt.Sprintf("%s country %q (%s) is not one of %s", whose, value, code, sc.lists[gCountries])}
}

// matchSeniority compares levels, the subject's taken from its seniority
// or, when that is missing or unknown, guessed from its title.
func (sc *Scorer) matchSeniority(s *Subject) outcome {
	level, how := seniorityOf(s.Seniority), ""
	if level == "" {
		if level = seniorityFromTitle(normalize(s.Title)); level != "" {
			how = " (from title)"
		}
	}
	switch {
	case level == "" && normalize(s.Seniority) == "":
		return missing
	case level == "":
		value := strings.TrimSpace(s.Seniority)
		return outcome{value: value, detail: fmt.Sprintf("seniority %q is not a known level", value)}
	case slices.Contains(sc.seniorities, level):
		return outcome{fraction: 1, value: level, matched: []string{level},
			detail: fmt.Sprintf("seniority %s%s is one of %s", level, how, sc.lists[gSeniorities])}
	}
	return outcome{value: level, detail: fmt.Sprintf("seniority %s%s is not one of %s", level, how, sc.lists[gSeniorities])}
}

// matchEmployees compares the company's head-count with the ranges. An
// exact count, or an open bucket such as "10001+" taken at its lower end,
// is in or out; a closed bucket earns the share of it the ranges cover, so
// "51-200" against 100-500 earns 101/150 of the weight.
func (sc *Scorer) matchEmployees(s *Subject) outcome {
	var r EmployeeRange
	switch {
	case s.EmployeeCount > 0:
		r = EmployeeRange{Min: s.EmployeeCount, Max: s.EmployeeCount}
	case strings.TrimSpace(s.EmployeeRange) == "":
		return missing
	default:
		var err error
		if r, err = ParseEmployeeRange(s.EmployeeRange); err != nil {
			value := strings.TrimSpace(s.EmployeeRange)
			return outcome{value: value, detail: fmt.Sprintf("%s: employee range %q not understood", noData, value)}
		}
	}
	value := r.String()
	if r.Max == 0 || r.Min == r.Max {
		for _, cr := range sc.ranges {
			if cr.contains(r.Min) {
				return outcome{fraction: 1, value: value, matched: []string{cr.String()},
					detail: fmt.Sprintf("employees %s in %s", r, cr)}
			}
		}
		return outcome{value: value, detail: fmt.Sprintf("employees %s not in %s", r, sc.lists[gEmployeeRanges])}
	}
	covered := 0
	var matched []string
	for _, cr := range sc.ranges {
		lo, hi := max(cr.Min, r.Min), r.Max
		if cr.Max != 0 {
			hi = min(cr.Max, r.Max)
		}
		if hi >= lo {
			covered += hi - lo + 1
			matched = append(matched, cr.String())
		}
	}
	width := r.Max - r.Min + 1
	fraction := float64(covered) / float64(width)
	switch {
	case covered == 0:
		return outcome{value: value, detail: fmt.Sprintf("employees %s not in %s", r, sc.lists[gEmployeeRanges])}
	case covered == width:
		return outcome{fraction: 1, value: value, matched: matched,
			detail: fmt.Sprintf("employees %s within %s", r, sc.lists[gEmployeeRanges])}
	}
	pct := strconv.Itoa(int(math.Round(fraction*100))) + "%"
	return outcome{fraction: fraction, value: value, matched: matched,
		detail: fmt.Sprintf("employees %s: %s within %s", r, pct, sc.lists[gEmployeeRanges])}
}
