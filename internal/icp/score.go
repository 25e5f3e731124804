package icp

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Subject is what is scored: one contact and what is known of its company,
// as plain values. Empty strings, empty lists and zero counts mean unknown.
type Subject struct {
	// Contact fields.
	Title     string
	Seniority string // a level or a vendor's spelling of one; guessed from Title when empty
	Country   string // where the contact is; a code or a name

	// Company fields.
	Industry       string
	EmployeeCount  int    // exact head-count; 0 when unknown
	EmployeeRange  string // vendor bucket such as "51-200", used when EmployeeCount is 0
	CompanyCountry string // used when Country is empty
	Technologies   []string
	Keywords       []string
	Description    string
}

// Match explains one criterion group's part in a score.
type Match struct {
	// Criterion is the group's name, one of the Criterion constants.
	Criterion string `json:"criterion"`
	// Matched says the group earned points (all of them, or for an
	// employee band straddling the ranges, part).
	Matched bool `json:"matched"`
	// Required says failing this group disqualifies.
	Required bool `json:"required,omitempty"`
	// Weight is the group's weight in the profile.
	Weight int `json:"weight"`
	// Points are what the group earned, 0 to Weight, to two decimals.
	Points float64 `json:"points"`
	// Value is the contact's or company's value the group was compared
	// with, normalised where the comparison normalises ("DE" for
	// "Germany", a seniority level); empty when unknown or long (a
	// description).
	Value string `json:"value,omitempty"`
	// MatchedValues are the profile's values that matched Value.
	MatchedValues []string `json:"matched_values,omitempty"`
	// Detail says in one sentence what was compared and how it came out;
	// "no data" when the subject lacks the field.
	Detail string `json:"detail"`
}

// Result is a score from 0 to 100 and one Match per criterion group that
// has values, in a fixed order. Disqualified says a required group did not
// match, which is why Score is 0.
type Result struct {
	Score        int     `json:"score"`
	Disqualified bool    `json:"disqualified,omitempty"`
	Matches      []Match `json:"matches"`
}

// noData is the Detail of a group whose subject data is missing.
const noData = "no data"

// Score scores s against c. See Scorer.Score for the rules; Score prepares
// c on every call, so a caller scoring many subjects against one profile
// should build a Scorer once. Values Validate would refuse never match.
func Score(c Criteria, s Subject) Result {
	return compile(c).Score(s)
}

// Scorer is a profile's criteria prepared for scoring many subjects:
// values normalised once, ranges merged, explanations of the lists built.
// It is immutable and safe for concurrent use.
type Scorer struct {
	weights  [len(groups)]int
	required [len(groups)]bool
	has      [len(groups)]bool
	total    int

	industries   []phrase
	ranges       []EmployeeRange // sorted, merged; Max 0 is open
	countries    []string        // alpha-2 codes
	titles       []phrase
	seniorities  []string // levels
	keywords     []phrase
	technologies []phrase
	lists        [len(groups)]string // each group's values, for Detail
}

// phrase is one criterion value as written and normalised.
type phrase struct {
	text, norm string
}

// NewScorer validates c and prepares it for scoring.
func NewScorer(c Criteria) (*Scorer, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return compile(c), nil
}

func compile(c Criteria) *Scorer {
	sc := &Scorer{}
	for i, g := range groups {
		sc.has[i] = c.has(g)
		sc.weights[i] = min(max(c.weight(g), 0), 100)
		sc.required[i] = sc.has[i] && slices.Contains(c.Required, g)
		if sc.has[i] {
			sc.total += sc.weights[i]
		}
	}
	sc.industries = phrases(c.Industries)
	sc.titles = phrases(c.Titles)
	sc.keywords = phrases(c.Keywords)
	sc.technologies = phrases(c.Technologies)
	for _, s := range c.Countries {
		if code, ok := CountryCode(s); ok && !slices.Contains(sc.countries, code) {
			sc.countries = append(sc.countries, code)
		}
	}
	for _, s := range c.Seniorities {
		if l := seniorityOf(s); l != "" && !slices.Contains(sc.seniorities, l) {
			sc.seniorities = append(sc.seniorities, l)
		}
	}
	sc.ranges = mergeRanges(c.EmployeeRanges)

	sc.lists[gIndustries] = quoteList(sc.industries)
	rs := make([]string, len(sc.ranges))
	for i, r := range sc.ranges {
		rs[i] = r.String()
	}
	sc.lists[gEmployeeRanges] = list(rs)
	sc.lists[gCountries] = list(sc.countries)
	sc.lists[gTitles] = quoteList(sc.titles)
	sc.lists[gSeniorities] = list(sc.seniorities)
	sc.lists[gKeywords] = quoteList(sc.keywords)
	sc.lists[gTechnologies] = quoteList(sc.technologies)
	return sc
}

// phrases normalises values, dropping empty ones and duplicates.
func phrases(values []string) []phrase {
	out := make([]phrase, 0, len(values))
	for _, v := range values {
		n := normalize(v)
		if n == "" || slices.ContainsFunc(out, func(p phrase) bool { return p.norm == n }) {
			continue
		}
		out = append(out, phrase{text: strings.TrimSpace(v), norm: n})
	}
	return out
}

// mergeRanges sorts valid ranges and joins those that overlap or touch, so
// a bucket's covered share is counted once however the ranges were written.
func mergeRanges(rs []EmployeeRange) []EmployeeRange {
	var out []EmployeeRange
	for _, r := range rs {
		if r.invalid == "" && r.Min >= 0 && (r.Max == 0 || r.Max >= r.Min) {
			out = append(out, EmployeeRange{Min: r.Min, Max: r.Max})
		}
	}
	slices.SortFunc(out, func(a, b EmployeeRange) int { return cmp.Compare(a.Min, b.Min) })
	merged := out[:0]
	for _, r := range out {
		if n := len(merged); n > 0 && (merged[n-1].Max == 0 || r.Min <= merged[n-1].Max+1) {
			last := &merged[n-1]
			if last.Max != 0 && (r.Max == 0 || r.Max > last.Max) {
				last.Max = r.Max
			}
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// Score scores s: each group with values is matched (Matched, and Points up
// to its weight; only an employee band straddling the ranges earns part of
// it) and
//
//	score = round(100 × Σ points / Σ weights of the groups with values).
//
// A group whose subject data is missing counts as not matched, with Detail
// "no data", and stays in the denominator. Leaving it out would rank a bare
// e-mail address with one lucky fact above a fully enriched good fit, and
// autonomous outreach acts on scores; counting it as a miss is the cautious
// reading, and a contact's score rises as enrichment fills the gaps. For
// the same reason a required group with no data disqualifies.
func (sc *Scorer) Score(s Subject) Result {
	res := Result{Matches: make([]Match, 0, len(groups))}
	var points float64
	for i, g := range groups {
		if !sc.has[i] {
			continue
		}
		o := sc.match(i, &s)
		m := Match{
			Criterion:     g,
			Matched:       o.fraction > 0,
			Required:      sc.required[i],
			Weight:        sc.weights[i],
			Points:        float64(sc.weights[i]) * o.fraction,
			Value:         o.value,
			MatchedValues: o.matched,
			Detail:        o.detail,
		}
		// Two decimals are plenty for an explanation and keep the stored
		// JSON free of float noise such as 6.666666666666667.
		m.Points = math.Round(m.Points*100) / 100
		points += float64(sc.weights[i]) * o.fraction
		if m.Required && !m.Matched {
			res.Disqualified = true
		}
		res.Matches = append(res.Matches, m)
	}
	if sc.total > 0 && !res.Disqualified {
		res.Score = min(max(int(math.Round(100*points/float64(sc.total))), 0), 100)
	}
	return res
}

// list joins values for an explanation, naming at most five.
func list(values []string) string {
	const shown = 5
	if len(values) <= shown {
		return strings.Join(values, ", ")
	}
	return strings.Join(values[:shown], ", ") + " and " + strconv.Itoa(len(values)-shown) + " more"
}

// quoteList is list of the values as written, quoted.
func quoteList(ps []phrase) string {
	qs := make([]string, len(ps))
	for i, p := range ps {
		qs[i] = strconv.Quote(p.text)
	}
	return list(qs)
}
