package icp

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// goodFit matches every group of fullCriteria.
func goodFit() Subject {
	return Subject{
		Title:          "VP of Sales",
		Seniority:      "vp",
		Country:        "United States",
		Industry:       "Computer Software",
		EmployeeRange:  "51-200",
		CompanyCountry: "us",
		Technologies:   []string{"Slack", "Salesforce Sales Cloud"},
		Keywords:       []string{"B2B", "platform"},
		Description:    "A SaaS platform for sales teams.",
	}
}

// TestScoreGroups covers each criterion group on its own: a match, a miss
// and missing data, with the explanation of each.
func TestScoreGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		c      Criteria
		s      Subject
		points float64 // of the group's DefaultWeight
		detail string
	}{
		{"industry whole word", Criteria{Industries: []string{"software"}}, Subject{Industry: "Computer Software"},
			10, `industry "Computer Software" matches "software"`},
		{"industry case and spaces", Criteria{Industries: []string{"  FINANCIAL   services "}}, Subject{Industry: "financial services"},
			10, `industry "financial services" matches "FINANCIAL   services"`},
		{"industry and ampersand", Criteria{Industries: []string{"Marketing and Advertising"}}, Subject{Industry: "marketing & advertising"},
			10, `industry "marketing & advertising" matches "Marketing and Advertising"`},
		{"industry miss", Criteria{Industries: []string{"Software", "Banking"}}, Subject{Industry: "Software Development Tools"},
			10, `industry "Software Development Tools" matches "Software"`},
		{"industry no partial word", Criteria{Industries: []string{"soft"}}, Subject{Industry: "Software"},
			0, `industry "Software" matches none of "soft"`},
		{"industry no data", Criteria{Industries: []string{"Software"}}, Subject{Industry: "  "}, 0, "no data"},

		{"employees exact count", Criteria{EmployeeRanges: []EmployeeRange{{Min: 51, Max: 200}}}, Subject{EmployeeCount: 120, EmployeeRange: "1-10"},
			10, "employees 120 in 51-200"},
		{"employees count outside", Criteria{EmployeeRanges: []EmployeeRange{{Min: 51, Max: 200}}}, Subject{EmployeeCount: 5000},
			0, "employees 5000 not in 51-200"},
		{"employees bucket within merged ranges", Criteria{EmployeeRanges: []EmployeeRange{{Min: 201, Max: 500}, {Min: 51, Max: 200}}}, Subject{EmployeeRange: "101-300"},
			10, "employees 101-300 within 51-500"},
		{"employees bucket half covered", Criteria{EmployeeRanges: []EmployeeRange{{Min: 100, Max: 500}}}, Subject{EmployeeRange: "51-200"},
			10 * 101.0 / 150, "employees 51-200: 67% within 100-500"},
		{"employees open bucket at its floor", Criteria{EmployeeRanges: []EmployeeRange{{Min: 5001}}}, Subject{EmployeeRange: "10001+"},
			10, "employees 10001+ in 5001+"},
		{"employees open bucket outside", Criteria{EmployeeRanges: []EmployeeRange{{Min: 51, Max: 200}}}, Subject{EmployeeRange: "10,001+"},
			0, "employees 10001+ not in 51-200"},
		{"employees bucket outside", Criteria{EmployeeRanges: []EmployeeRange{{Min: 51, Max: 200}}}, Subject{EmployeeRange: "1-10"},
			0, "employees 1-10 not in 51-200"},
		{"employees unreadable", Criteria{EmployeeRanges: []EmployeeRange{{Min: 51, Max: 200}}}, Subject{EmployeeRange: "lots"},
			0, `no data: employee range "lots" not understood`},
		{"employees no data", Criteria{EmployeeRanges: []EmployeeRange{{Min: 51, Max: 200}}}, Subject{}, 0, "no data"},

		{"country name against code", Criteria{Countries: []string{"US"}}, Subject{Country: "united states"},
			10, `contact country "united states" is US`},
		{"country code against name", Criteria{Countries: []string{"Germany"}}, Subject{Country: "de"},
			10, `contact country "de" is DE`},
		{"country falls back to company", Criteria{Countries: []string{"DE"}}, Subject{CompanyCountry: "Deutschland"},
			10, `company country "Deutschland" is DE`},
		{"contact country wins", Criteria{Countries: []string{"DE"}}, Subject{Country: "France", CompanyCountry: "DE"},
			0, `contact country "France" (FR) is not one of DE`},
		{"country unknown", Criteria{Countries: []string{"DE"}}, Subject{Country: "Atlantis"},
			0, `contact country "Atlantis" is not a known country`},
		{"country no data", Criteria{Countries: []string{"DE"}}, Subject{}, 0, "no data"},

		{"title word prefix", Criteria{Titles: []string{"engineer"}}, Subject{Title: "Director of Engineering"},
			10, `title "Director of Engineering" matches "engineer"`},
		{"title case and spaces", Criteria{Titles: []string{"VP Sales"}}, Subject{Title: "  vp,   SALES "},
			10, `title "vp,   SALES" matches "VP Sales"`},
		{"title not inside a word", Criteria{Titles: []string{"cto"}}, Subject{Title: "Director"},
			0, `title "Director" matches none of "cto"`},
		{"title no data", Criteria{Titles: []string{"cto"}}, Subject{}, 0, "no data"},

		{"seniority given", Criteria{Seniorities: []string{"vp", "director"}}, Subject{Seniority: "Vice President"},
			10, "seniority vp is one of vp, director"},
		{"seniority from title", Criteria{Seniorities: []string{"c_suite"}}, Subject{Title: "Chief Revenue Officer"},
			10, "seniority c_suite (from title) is one of c_suite"},
		{"seniority miss", Criteria{Seniorities: []string{"cxo"}}, Subject{Seniority: "manager", Title: "CEO"},
			0, "seniority manager is not one of c_suite"},
		{"seniority unknown", Criteria{Seniorities: []string{"vp"}}, Subject{Seniority: "wizard", Title: "Engineer"},
			0, `seniority "wizard" is not a known level`},
		{"seniority no data", Criteria{Seniorities: []string{"vp"}}, Subject{Title: "Engineer"}, 0, "no data"},

		{"keyword in description", Criteria{Keywords: []string{"platform"}}, Subject{Description: "Platforms for banks."},
			10, `keyword "platform" found in description`},
		{"keyword in keywords", Criteria{Keywords: []string{"B2B SaaS"}}, Subject{Keywords: []string{"fintech", "b2b saas"}},
			10, `keyword "B2B SaaS" found in keywords`},
		{"keyword in industry", Criteria{Keywords: []string{"fintech"}}, Subject{Industry: "Fintech"},
			10, `keyword "fintech" found in industry`},
		{"keyword miss", Criteria{Keywords: []string{"b2b"}}, Subject{Description: "Consumer apps"},
			0, `none of "b2b" found in description, keywords or industry`},
		{"keyword no data", Criteria{Keywords: []string{"b2b"}}, Subject{}, 0, "no data"},

		{"technology whole word", Criteria{Technologies: []string{"salesforce"}}, Subject{Technologies: []string{"Slack", "Salesforce Sales Cloud"}},
			10, `technology "Salesforce Sales Cloud" matches "salesforce"`},
		{"technology symbols", Criteria{Technologies: []string{"C++"}}, Subject{Technologies: []string{"C", "c++"}},
			10, `technology "c++" matches "C++"`},
		{"technology miss", Criteria{Technologies: []string{"Go"}}, Subject{Technologies: []string{"Google Analytics", ""}},
			0, `none of 1 technology values matches "Go"`},
		{"technology no data", Criteria{Technologies: []string{"Go"}}, Subject{Technologies: []string{" "}}, 0, "no data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.c.Validate(); err != nil {
				t.Fatalf("criteria invalid: %v", err)
			}
			got := Score(tt.c, tt.s)
			if len(got.Matches) != 1 {
				t.Fatalf("Score() has %d matches, want 1: %+v", len(got.Matches), got)
			}
			m := got.Matches[0]
			if math.Abs(m.Points-tt.points) > 0.01 || m.Matched != (tt.points > 0) || m.Weight != DefaultWeight {
				t.Errorf("Score() match = %+v, want points %.2f of %d", m, tt.points, DefaultWeight)
			}
			if m.Detail != tt.detail {
				t.Errorf("Score() detail = %q, want %q", m.Detail, tt.detail)
			}
			if want := int(math.Round(tt.points * 10)); got.Score != want {
				t.Errorf("Score() = %d, want %d", got.Score, want)
			}
		})
	}
}

// TestScoreWeights covers how the groups add up: weights, defaults,
// missing data in the denominator, required groups and rounding.
func TestScoreWeights(t *testing.T) {
	t.Parallel()
	partial := goodFit()
	partial.Title, partial.Seniority = "Software Engineer", "entry" // titles 15, seniorities 15 lost
	partial.Technologies = nil                                      // technologies 10 lost: no data

	filter := Criteria{
		Countries: []string{"US"},
		Titles:    []string{"sales"},
		Weights:   map[string]int{"countries": 0, "titles": 100},
		Required:  []string{"countries"},
	}
	tests := []struct {
		name         string
		c            Criteria
		s            Subject
		score        int
		disqualified bool
	}{
		{"every group matches", fullCriteria(), goodFit(), 100, false},
		{"nothing known", fullCriteria(), Subject{}, 0, false},
		{"misses and missing data lose their weight", fullCriteria(), partial, 60, false},
		{"default weights are equal", Criteria{Industries: []string{"Software"}, Titles: []string{"cto"}},
			Subject{Industry: "Software", Title: "VP Sales"}, 50, false},
		{"thirds round to nearest", Criteria{
			Industries: []string{"Software"}, Titles: []string{"cto"}, Keywords: []string{"b2b"},
		}, Subject{Industry: "Software"}, 33, false},
		{"two thirds round up", Criteria{
			Industries: []string{"Software"}, Titles: []string{"cto"}, Keywords: []string{"software"},
		}, Subject{Industry: "Software"}, 67, false},
		{"zero weight adds nothing", Criteria{
			Industries: []string{"Software"}, Titles: []string{"cto"},
			Weights: map[string]int{"industries": 0, "titles": 50},
		}, Subject{Industry: "Software", Title: "CTO"}, 100, false},
		{"required filter passes", filter, Subject{Country: "USA", Title: "Head of Sales"}, 100, false},
		{"required filter fails", filter, Subject{Country: "DE", Title: "Head of Sales"}, 0, true},
		{"required group with no data disqualifies", filter, Subject{Title: "Head of Sales"}, 0, true},
		{"required and matched keeps its weight", Criteria{
			Industries: []string{"Software"}, Titles: []string{"cto"},
			Weights:  map[string]int{"industries": 30, "titles": 70},
			Required: []string{"industries"},
		}, Subject{Industry: "Software", Title: "VP"}, 30, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.c.Validate(); err != nil {
				t.Fatalf("criteria invalid: %v", err)
			}
			got := Score(tt.c, tt.s)
			if got.Score != tt.score || got.Disqualified != tt.disqualified {
				t.Errorf("Score() = %d, disqualified %v; want %d, %v\n%+v", got.Score, got.Disqualified, tt.score, tt.disqualified, got.Matches)
			}
		})
	}
}

func TestScoreDeterministic(t *testing.T) {
	t.Parallel()
	sc, err := NewScorer(fullCriteria())
	if err != nil {
		t.Fatalf("NewScorer = %v", err)
	}
	first := sc.Score(goodFit())
	for range 50 {
		if got := sc.Score(goodFit()); !reflect.DeepEqual(got, first) {
			t.Fatalf("Score() = %+v, then %+v", first, got)
		}
		if got := Score(fullCriteria(), goodFit()); !reflect.DeepEqual(got, first) {
			t.Fatalf("Score(c, s) = %+v, Scorer.Score = %+v", got, first)
		}
	}
	if _, err := NewScorer(Criteria{}); err == nil {
		t.Errorf("NewScorer(empty) = nil error, want a validation error")
	}
}

// TestScoreExplanation pins the whole explanation, as a contact stores it
// and the API returns it, in testdata/explanation.golden; UPDATE_GOLDEN=1 rewrites it.
func TestScoreExplanation(t *testing.T) {
	t.Parallel()
	c := fullCriteria()
	c.Required = []string{"countries"}
	c.Keywords = append(c.Keywords, "marketplace", "api-first", "open banking", "PLG", "usage-based")
	s := Subject{
		Title:          "Director of Revenue Operations",
		Industry:       "Financial Services",
		EmployeeRange:  "101-600",
		CompanyCountry: "Deutschland",
		Keywords:       []string{"payments", "lending"},
		Description:    "Card issuing for fleets.",
	}
	got, err := json.MarshalIndent(Explain("Fintech DACH", 70, Score(c, s)), "", "  ")
	if err != nil {
		t.Fatalf("Marshal = %v", err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "explanation.golden")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("write golden: %v", err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with UPDATE_GOLDEN=1 to create it): %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("explanation differs from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// FuzzScore checks that any subject scores within 0-100 without panicking,
// that points stay within the weights and that a miss earns none.
func FuzzScore(f *testing.F) {
	f.Add("VP of Sales", "vp", "US", "Software", 0, "51-200", "b2b saas", "Salesforce")
	f.Add("", "", "", "", 120, "", "", "")
	f.Add("CTO", "wizard", "Atlantis", "&&&", -5, "10001+", "\xff", "C++")
	c := fullCriteria()
	c.EmployeeRanges = append(c.EmployeeRanges, EmployeeRange{Min: 10001})
	sc, err := NewScorer(c)
	if err != nil {
		f.Fatalf("NewScorer = %v", err)
	}
	f.Fuzz(func(t *testing.T, title, seniority, country, industry string, count int, bucket, desc, tech string) {
		s := Subject{
			Title: title, Seniority: seniority, Country: country, Industry: industry,
			EmployeeCount: count, EmployeeRange: bucket, Description: desc,
			Keywords: strings.Fields(desc), Technologies: []string{tech},
		}
		res := sc.Score(s)
		if res.Score < 0 || res.Score > 100 {
			t.Fatalf("Score(%+v) = %d, out of 0-100", s, res.Score)
		}
		for _, m := range res.Matches {
			if m.Points < 0 || m.Points > float64(m.Weight) || !m.Matched && m.Points != 0 {
				t.Fatalf("Score(%+v) match %+v inconsistent", s, m)
			}
		}
	})
}

// BenchmarkScore scores a realistic subject against a prepared profile,
// the loop a worker runs over a segment.
func BenchmarkScore(b *testing.B) {
	sc, err := NewScorer(fullCriteria())
	if err != nil {
		b.Fatalf("NewScorer = %v", err)
	}
	subjects := []Subject{goodFit(), {Title: "Software Engineer", Industry: "Retail", EmployeeCount: 40000,
		Country: "France", Technologies: []string{"Shopify", "Zendesk", "Google Analytics", "Stripe"},
		Description: strings.Repeat("An online retailer of outdoor gear and apparel. ", 10)}, {}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sc.Score(subjects[i%len(subjects)])
	}
}

// BenchmarkScoreUnprepared is Score(c, s), which prepares c on each call.
func BenchmarkScoreUnprepared(b *testing.B) {
	c, s := fullCriteria(), goodFit()
	b.ReportAllocs()
	for b.Loop() {
		Score(c, s)
	}
}
