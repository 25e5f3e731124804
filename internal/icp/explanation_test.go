package icp

import (
	"reflect"
	"testing"
)

// TestMatchValues covers the structured half of a Match: the subject's
// value compared and the profile's values that matched it.
func TestMatchValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		c       Criteria
		s       Subject
		value   string
		matched []string
	}{
		{"industry", Criteria{Industries: []string{"Banking", "software"}}, Subject{Industry: " Computer Software "},
			"Computer Software", []string{"software"}},
		{"industry miss keeps the value", Criteria{Industries: []string{"Banking"}}, Subject{Industry: "Retail"},
			"Retail", nil},
		{"country as a code", Criteria{Countries: []string{"Germany"}}, Subject{Country: "Deutschland"},
			"DE", []string{"DE"}},
		{"seniority from title", Criteria{Seniorities: []string{"Vice President"}}, Subject{Title: "SVP Sales"},
			"vp", []string{"vp"}},
		{"employee band over two ranges", Criteria{EmployeeRanges: []EmployeeRange{{Min: 1, Max: 10}, {Min: 100, Max: 150}, {Min: 5000}}},
			Subject{EmployeeRange: "51-200"}, "51-200", []string{"100-150"}},
		{"exact head-count", Criteria{EmployeeRanges: []EmployeeRange{{Min: 5001}}}, Subject{EmployeeCount: 12000},
			"12000", []string{"5001+"}},
		{"technology", Criteria{Technologies: []string{"HubSpot"}}, Subject{Technologies: []string{"Slack", "HubSpot CRM"}},
			"HubSpot CRM", []string{"HubSpot"}},
		{"keyword in description names no value", Criteria{Keywords: []string{"saas"}}, Subject{Description: "A SaaS tool."},
			"", []string{"saas"}},
		{"keyword in keywords", Criteria{Keywords: []string{"fintech"}}, Subject{Keywords: []string{"Fintech "}},
			"Fintech", []string{"fintech"}},
		{"no data", Criteria{Titles: []string{"cto"}}, Subject{}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := Score(tt.c, tt.s).Matches[0]
			if m.Value != tt.value || !reflect.DeepEqual(m.MatchedValues, tt.matched) {
				t.Errorf("match = value %q, matched %q; want %q, %q (%s)", m.Value, m.MatchedValues, tt.value, tt.matched, m.Detail)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		r         Result
		minScore  int
		qualified bool
	}{
		{"above the bar", Result{Score: 80}, 70, true},
		{"at the bar", Result{Score: 70}, 70, true},
		{"below the bar", Result{Score: 69}, 70, false},
		{"disqualified never qualifies, even at bar 0", Result{Score: 0, Disqualified: true}, 0, false},
		{"bar 0 takes any score", Result{Score: 0}, 0, true},
	}
	for _, tt := range tests {
		e := Explain("p", tt.minScore, tt.r)
		if e.Qualified != tt.qualified || e.Profile != "p" || e.MinScore != tt.minScore || e.Score != tt.r.Score {
			t.Errorf("%s: Explain = %+v, want qualified %v", tt.name, e, tt.qualified)
		}
	}
}

func TestExplanationBeats(t *testing.T) {
	t.Parallel()
	qualified := func(score int) Explanation { return Explanation{Qualified: true, Result: Result{Score: score}} }
	unqualified := func(score int) Explanation { return Explanation{Result: Result{Score: score}} }
	tests := []struct {
		name string
		a, b Explanation
		want bool
	}{
		{"higher score", unqualified(50), unqualified(40), true},
		{"lower score", unqualified(40), unqualified(50), false},
		{"a tie keeps the first", qualified(60), qualified(60), false},
		{"qualified beats a higher unqualified score", qualified(61), unqualified(90), true},
		{"unqualified never beats qualified", unqualified(90), qualified(61), false},
	}
	for _, tt := range tests {
		if got := tt.a.Beats(tt.b); got != tt.want {
			t.Errorf("%s: Beats = %v, want %v", tt.name, got, tt.want)
		}
	}
}
