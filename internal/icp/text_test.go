package icp

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"  -- ", ""},
		{"Software", " software "},
		{"  Computer   SOFTWARE\t", " computer software "},
		{"Marketing & Advertising", " marketing and advertising "},
		{"R&D", " r and d "},
		{"C++ / C#", " c++ c# "},
		{"Node.js", " node js "},
		{"Société Générale", " societe generale "},
		{"Türkiye", " turkiye "},
		{"VP, Sales", " vp sales "},
	}
	for _, tt := range tests {
		if got := normalize(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWordMatching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hay, needle       string
		words, wordPrefix bool
	}{
		{"Computer Software", "software", true, true},
		{"Director of Engineering", "cto", false, false},
		{"Director of Engineering", "engineer", false, true},
		{"VP of Sales", "Sales", true, true},
		{"Salesforce Sales Cloud", "salesforce", true, true},
		{"Google Analytics", "go", false, true},
		{"Head of Marketing", "head of marketing", true, true},
		{"Head of Marketing", "", false, false},
	}
	for _, tt := range tests {
		hay, needle := normalize(tt.hay), normalize(tt.needle)
		if got := hasWords(hay, needle); got != tt.words {
			t.Errorf("hasWords(%q, %q) = %v, want %v", tt.hay, tt.needle, got, tt.words)
		}
		if got := hasWordPrefix(hay, needle); got != tt.wordPrefix {
			t.Errorf("hasWordPrefix(%q, %q) = %v, want %v", tt.hay, tt.needle, got, tt.wordPrefix)
		}
	}
}

func TestSeniority(t *testing.T) {
	t.Parallel()
	tests := []struct{ seniority, title, want string }{
		{"c_suite", "", "c_suite"},
		{"C-Suite", "", "c_suite"},
		{"cxo", "", "c_suite"},
		{"Vice President", "", "vp"},
		{" VP ", "", "vp"},
		{"senior non-managerial", "", "senior"},
		{"non-managerial", "", "entry"},
		{"wizard", "", ""},
		{"", "Founder & CEO", "founder"},
		{"", "Chief Revenue Officer", "c_suite"},
		{"", "CTO", "c_suite"},
		{"", "SVP Sales", "vp"},
		{"", "Head of Marketing", "head"},
		{"", "Managing Director", "director"},
		{"", "Sales Manager", "manager"},
		{"", "Sr. Account Executive", "senior"},
		{"", "Software Engineer", ""},
	}
	for _, tt := range tests {
		got := seniorityOf(tt.seniority)
		if tt.title != "" {
			got = seniorityFromTitle(normalize(tt.title))
		}
		if got != tt.want {
			t.Errorf("seniority of (%q, title %q) = %q, want %q", tt.seniority, tt.title, got, tt.want)
		}
	}
	for _, l := range SeniorityLevels {
		if got := seniorityOf(l); got != l {
			t.Errorf("seniorityOf(%q) = %q, want itself", l, got)
		}
	}
}

func TestCountryCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"US", "US", true},
		{"us", "US", true},
		{"United States", "US", true},
		{"united states of america", "US", true},
		{"U.S.A.", "US", true},
		{"USA", "US", true},
		{"Germany", "DE", true},
		{" deutschland ", "DE", true},
		{"UK", "GB", true},
		{"England", "GB", true},
		{"Côte d'Ivoire", "CI", true},
		{"Cote d'Ivoire", "CI", true},
		{"Türkiye", "TR", true},
		{"Turkey", "TR", true},
		{"Åland Islands", "AX", true},
		{"Korea, Republic of", "KR", true},
		{"Atlantis", "", false},
		{"", "", false},
		{"XX", "", false},
	}
	for _, tt := range tests {
		got, ok := CountryCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CountryCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestCountryTable checks the table itself: every ISO 3166-1 code once,
// and no spelling claimed by two countries.
func TestCountryTable(t *testing.T) {
	t.Parallel()
	codes := map[string]bool{}
	owner := map[string]string{}
	for line := range strings.Lines(countryTable) {
		code, names, _ := strings.Cut(strings.TrimSpace(line), " ")
		if len(code) != 2 || strings.ToUpper(code) != code {
			t.Errorf("line %q: code %q is not two upper-case letters", line, code)
		}
		if codes[code] {
			t.Errorf("code %s listed twice", code)
		}
		codes[code] = true
		for _, name := range append(strings.Split(names, "|"), code) {
			n := normalize(name)
			if prev, ok := owner[n]; ok && prev != code {
				t.Errorf("%q names both %s and %s", name, prev, code)
			}
			owner[n] = code
		}
	}
	if got, want := len(codes), 249; got != want {
		t.Errorf("table has %d codes, want %d", got, want)
	}
}
