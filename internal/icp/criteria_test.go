package icp

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    Criteria
	}{
		{"one group, default weight", Criteria{Industries: []string{"Software"}}},
		{"every group", fullCriteria()},
		{"weights for empty groups are ignored", Criteria{
			Titles:  []string{"sales"},
			Weights: map[string]int{"titles": 5, "industries": 40},
		}},
		{"zero-weight required filter beside a weighted group", Criteria{
			Countries: []string{"US"},
			Titles:    []string{"sales"},
			Weights:   map[string]int{"countries": 0, "titles": 100},
			Required:  []string{"countries"},
		}},
		{"vendor spellings", Criteria{
			Seniorities:    []string{"cxo", "Vice President", "C-Suite"},
			Countries:      []string{"deutschland", "U.S.A."},
			EmployeeRanges: []EmployeeRange{{Min: 0, Max: 10}, {Min: 10001}},
		}},
	}
	for _, tt := range tests {
		if err := tt.c.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
		}
	}
}

func TestValidateRefuses(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", MaxValueLength+1)
	tests := []struct {
		name  string
		c     Criteria
		paths []string
	}{
		{"empty", Criteria{}, []string{"criteria"}},
		{"only weights", Criteria{Weights: map[string]int{"industries": 10}}, []string{"criteria"}},
		{"all weights zero", Criteria{
			Industries: []string{"Software"},
			Weights:    map[string]int{"industries": 0},
		}, []string{"criteria.weights"}},
		{"weight out of range and unknown", Criteria{
			Industries: []string{"Software"},
			Titles:     []string{"cto"},
			Weights:    map[string]int{"industries": 101, "titles": -1, "industry": 5},
		}, []string{"criteria.weights.industries", "criteria.weights.industry", "criteria.weights.titles"}},
		{"required unknown or empty", Criteria{
			Industries: []string{"Software"},
			Required:   []string{"industries", "revenue", "titles"},
		}, []string{"criteria.required[1]", "criteria.required[2]"}},
		{"blank and long values", Criteria{
			Industries:   []string{"Software", "  ", "-"},
			Keywords:     []string{long},
			Technologies: []string{""},
		}, []string{"criteria.industries[1]", "criteria.industries[2]", "criteria.keywords[0]", "criteria.technologies[0]"}},
		{"too many values", Criteria{Titles: slices.Repeat([]string{"cto"}, MaxValues+1)}, []string{"criteria.titles"}},
		{"unknown country and seniority", Criteria{
			Countries:   []string{"US", "Atlantis"},
			Seniorities: []string{"vp", "wizard"},
		}, []string{"criteria.countries[1]", "criteria.seniorities[1]"}},
		{"bad ranges", Criteria{EmployeeRanges: []EmployeeRange{
			{Min: 51, Max: 200},
			{Min: 500, Max: 100},
			{Min: -1, Max: 10},
			{invalid: "lots"},
			{Min: 1, Max: maxCount + 1},
		}}, []string{
			"criteria.employee_ranges[1].max", "criteria.employee_ranges[2].min",
			"criteria.employee_ranges[3]", "criteria.employee_ranges[4].max",
		}},
	}
	for _, tt := range tests {
		err := tt.c.Validate()
		var v *ValidationError
		if !errors.As(err, &v) {
			t.Errorf("%s: Validate() = %v, want a *ValidationError", tt.name, err)
			continue
		}
		var got []string
		for _, f := range v.Fields {
			got = append(got, f.Path)
			if f.Reason == "" {
				t.Errorf("%s: %s has no reason", tt.name, f.Path)
			}
		}
		if !reflect.DeepEqual(got, tt.paths) {
			t.Errorf("%s: Validate() paths = %q, want %q (%v)", tt.name, got, tt.paths, err)
		}
	}
}

func TestValidateReasons(t *testing.T) {
	t.Parallel()
	c := Criteria{EmployeeRanges: []EmployeeRange{{Min: 1, Max: 10}, {Min: 500, Max: 200}}}
	want := "invalid profile: criteria.employee_ranges[1].max: must be at least min (500) or 0 for no upper bound, got 200"
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %q", err, want)
	}
	var v ValidationError
	c.ValidateAt("body.criteria", &v)
	if len(v.Fields) != 1 || v.Fields[0].Path != "body.criteria.employee_ranges[1].max" {
		t.Errorf("ValidateAt(body.criteria) = %+v, want one field at body.criteria.employee_ranges[1].max", v.Fields)
	}
}

func TestCriteriaJSON(t *testing.T) {
	t.Parallel()
	in := `{
		"industries": ["Software"],
		"employee_ranges": ["51-200", {"min": 1001, "max": 5000}, "10001+", "lots"],
		"countries": ["DE"],
		"weights": {"industries": 30},
		"required": ["countries"]
	}`
	var c Criteria
	if err := json.Unmarshal([]byte(in), &c); err != nil {
		t.Fatalf("Unmarshal = %v", err)
	}
	var v *ValidationError
	if err := c.Validate(); !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Path != "criteria.employee_ranges[3]" {
		t.Errorf("Validate() = %v, want one error at criteria.employee_ranges[3]", err)
	}
	c.EmployeeRanges = c.EmployeeRanges[:3]
	got, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("Marshal = %v", err)
	}
	want := `{"industries":["Software"],"employee_ranges":[{"min":51,"max":200},{"min":1001,"max":5000},{"min":10001}],"countries":["DE"],"weights":{"industries":30},"required":["countries"]}`
	if string(got) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", got, want)
	}
	var back Criteria
	if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back, c) {
		t.Errorf("round trip = %+v, %v; want %+v", back, err, c)
	}
}

// fullCriteria uses every group, with weights summing to 100.
func fullCriteria() Criteria {
	return Criteria{
		Industries:     []string{"Software", "Financial Services"},
		EmployeeRanges: []EmployeeRange{{Min: 51, Max: 200}, {Min: 201, Max: 500}},
		Countries:      []string{"US", "Germany"},
		Titles:         []string{"sales", "revenue"},
		Seniorities:    []string{"vp", "director", "c_suite"},
		Keywords:       []string{"b2b", "saas"},
		Technologies:   []string{"Salesforce", "HubSpot"},
		Weights: map[string]int{
			"industries": 25, "employee_ranges": 20, "countries": 10, "titles": 15,
			"seniorities": 15, "keywords": 5, "technologies": 10,
		},
	}
}
