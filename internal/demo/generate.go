// Package demo makes the platform's sample data: prospects that are not
// real people, at companies under the reserved .example top-level domain
// (RFC 2606), so the demo can never touch a real address. The data is a
// pure function of its parameters, and the copy checked in at
// deploy/demo/prospects.csv is what Generate writes with the defaults.
package demo

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// Defaults of the checked-in sample.
const (
	DefaultContacts  = 300
	DefaultCompanies = 40
	DefaultSeed      = 2026
)

var (
	firstNames = []string{"Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances",
		"Edsger", "Radia", "Tim", "Hedy", "John", "Katherine", "Niklaus", "Sophie", "Donald", "Annie", "Bjarne"}
	lastNames = []string{"Lovell", "Turner", "Hopper", "Torvalds", "Hamilton", "Ritchey", "Liskov", "Thompson",
		"Allen", "Dijkstra", "Perlman", "Berners", "Lamarr", "Backus", "Johnson", "Wirth", "Wilson", "Knuth",
		"Easley", "Stroustrup"}
	titles = []string{"VP of Sales", "Head of Growth", "Chief Technology Officer", "Director of Marketing",
		"Sales Development Representative", "Software Engineer", "Head of Revenue Operations", "CEO",
		"Marketing Manager", "Account Executive", "VP Engineering", "Office Manager"}
	companyWords = [][]string{
		{"North", "Blue", "Bright", "Iron", "Silver", "Green", "Swift", "Clear", "Deep", "Open"},
		{"wind", "harbor", "field", "stone", "peak", "river", "forge", "light", "bridge", "grid"},
		{"Analytics", "Robotics", "Health", "Logistics", "Software", "Energy", "Finance", "Labs"},
	}
	countries = []string{"US", "US", "US", "GB", "DE", "FR", "CA", "NL", "SE", "AU"}
)

// Generate writes a CSV of contacts prospects at companies companies, with
// a header row and a handful of deliberately bad rows (an invalid email, a
// duplicate, a spreadsheet formula in a cell) so that an import shows its
// per-row error report.
func Generate(w io.Writer, contacts, companies int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	type company struct{ name, domain, country string }
	cos := make([]company, companies)
	seen := map[string]bool{}
	for i := range cos {
		for {
			a, b, c := pick(rng, companyWords[0]), pick(rng, companyWords[1]), pick(rng, companyWords[2])
			name := a + b + " " + c
			domain := strings.ToLower(a+b+"-"+c) + ".example"
			if !seen[domain] {
				seen[domain] = true
				cos[i] = company{name, domain, pick(rng, countries)}
				break
			}
		}
	}
	out := csv.NewWriter(w)
	_ = out.Write([]string{"Email", "First Name", "Last Name", "Job Title", "Company", "Website", "Country", "Phone", "Tags"})
	for i := range contacts {
		co := cos[rng.IntN(len(cos))]
		first, last := pick(rng, firstNames), pick(rng, lastNames)
		email := fmt.Sprintf("%s.%s%d@%s", strings.ToLower(first), strings.ToLower(last), i, co.domain)
		phone := fmt.Sprintf("+1 (555) %03d-%04d", rng.IntN(1000), rng.IntN(10000))
		title := pick(rng, titles)
		switch {
		case i == 7:
			email = "not-an-email" // reported as an invalid row
		case i == 11:
			title = `=HYPERLINK("http://attacker.example","click")` // stored as text, neutralised on export
		}
		row := []string{email, first, last, title, co.name, "https://www." + co.domain, co.country, phone, "demo"}
		_ = out.Write(row)
		if i == 20 {
			_ = out.Write(row) // the same row twice: counted once
		}
	}
	out.Flush()
	return out.Error()
}

func pick(rng *rand.Rand, from []string) string { return from[rng.IntN(len(from))] }
