package vendorsim

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"
)

// The fake Explorium's data is derived from Hash of the input, never from
// real records: the same domain or email always yields the same answer, and
// the inputs NoMatch picks (those containing "nomatch", and one in
// NoMatchOneIn by hash) find nothing.

// explBusinessID is the 32-hex business id of a match key (FNV-128a).
func explBusinessID(key string) string {
	h := fnv.New128a()
	h.Write([]byte("business\x00" + strings.ToLower(key)))
	return hex.EncodeToString(h.Sum(nil))
}

// explProspectID is the 40-hex prospect id of a match key (SHA-1, as long as
// Explorium's ids; not used for security).
func explProspectID(key string) string {
	sum := sha1.Sum([]byte("prospect\x00" + strings.ToLower(key)))
	return hex.EncodeToString(sum[:])
}

func explIsHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// explDomain normalizes a domain or URL to its bare host: "https://www.Acme.com/x" → "acme.com".
func explDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// explSlug keeps letters and digits: "Acme Corp." → "acmecorp".
func explSlug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// explTitle turns a domain's first label into a company name: "acme-labs.io" → "Acme Labs".
func explTitle(domain string) string {
	label, _, _ := strings.Cut(domain, ".")
	words := strings.FieldsFunc(label, func(r rune) bool { return r == '-' || r == '_' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	if len(words) == 0 {
		return "Unnamed Company"
	}
	return strings.Join(words, " ")
}

func explPick[T any](list []T, h uint64, salt uint64) T {
	return list[(h/salt)%uint64(len(list))]
}

var (
	explEmployeeRanges = []string{"1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001-10000", "10001+"}
	explRevenueRanges  = []string{"0-500K", "500K-1M", "1M-5M", "5M-10M", "10M-25M", "25M-75M", "75M-200M", "200M-500M", "500M-1B", "1B-10B"}
	explPlaces         = []struct{ Country, Code, Region, City string }{
		{"United States", "us", "California", "San Francisco"},
		{"United States", "us", "New York", "New York"},
		{"United States", "us", "Texas", "Austin"},
		{"United Kingdom", "gb", "England", "London"},
		{"Germany", "de", "Berlin", "Berlin"},
		{"France", "fr", "Ile-de-France", "Paris"},
		{"Canada", "ca", "Ontario", "Toronto"},
		{"Netherlands", "nl", "North Holland", "Amsterdam"},
	}
	explIndustries = []struct{ NAICS, NAICSDesc, LinkedIn, SIC, SICDesc string }{
		{"511210", "Software Publishers", "software development", "7372", "Prepackaged Software"},
		{"541511", "Custom Computer Programming Services", "it services and it consulting", "7371", "Computer Programming Services"},
		{"541613", "Marketing Consulting Services", "marketing services", "8742", "Management Consulting Services"},
		{"522110", "Commercial Banking", "banking", "6021", "National Commercial Banks"},
		{"621111", "Offices of Physicians", "hospitals and health care", "8011", "Offices and Clinics of Doctors of Medicine"},
		{"332710", "Machine Shops", "machinery manufacturing", "3599", "Industrial and Commercial Machinery"},
		{"611310", "Colleges, Universities, and Professional Schools", "higher education", "8221", "Colleges, Universities, and Professional Schools"},
	}
	// Synthetic names only: the simulator never hands out real people.
	explFirstNames = []string{"Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Drew", "Robin"}
	explLastNames  = []string{"Testerson", "Sampleton", "Demoford", "Mockridge", "Fakeworth", "Stubbs", "Dummond", "Placeholt"}
	explJobs       = []struct{ Title, Department, Seniority string }{
		{"Chief Executive Officer", "c-suite", "cxo"},
		{"VP of Sales", "sales", "vice president"},
		{"Head of Marketing", "marketing", "director"},
		{"Director of Engineering", "engineering", "director"},
		{"Sales Manager", "sales", "manager"},
		{"Account Executive", "sales", "senior non-managerial"},
		{"Software Engineer", "engineering", "non-managerial"},
		{"Operations Manager", "operations", "manager"},
	}
)

// explFirmographics derives a business's record. Everything but the name,
// website and LinkedIn page comes from the id, so the record is the same
// whether or not the simulator saw the match that produced the id.
func explFirmographics(id, domain string) map[string]any {
	h := Hash(id)
	if domain == "" {
		domain = "company-" + id[:8] + ".example"
	}
	label, _, _ := strings.Cut(domain, ".")
	place := explPick(explPlaces, h, 1)
	ind := explPick(explIndustries, h, 7)
	return map[string]any{
		"name":                       explTitle(domain),
		"business_description":       fmt.Sprintf("%s is a simulated company in %s.", explTitle(domain), ind.NAICSDesc),
		"website":                    "https://www." + domain,
		"country_name":               place.Country,
		"region_name":                place.Region,
		"city_name":                  place.City,
		"street":                     fmt.Sprintf("%d Example Street", 1+h%900),
		"zip_code":                   fmt.Sprintf("%05d", h%100000),
		"naics":                      ind.NAICS,
		"naics_description":          ind.NAICSDesc,
		"sic_code":                   ind.SIC,
		"sic_code_description":       ind.SICDesc,
		"ticker":                     nil,
		"number_of_employees_range":  explPick(explEmployeeRanges, h, 61),
		"yearly_revenue_range":       explPick(explRevenueRanges, h, 337),
		"linkedin_industry_category": ind.LinkedIn,
		"linkedin_profile":           "https://www.linkedin.com/company/" + label,
		"business_logo":              "https://logo.example/" + domain + ".png",
		"locations_distribution":     []map[string]any{{"country": place.Code, "locations": 1 + h%9}},
	}
}

// explPerson is the synthetic identity behind a prospect id.
type explPerson struct {
	First, Last, Email, Domain, Company, LinkedIn string
	h                                             uint64
}

// explPersonFor derives a person from a prospect id and, when the simulator
// saw the match, the input that produced it.
func explPersonFor(id string, in *explProspectInput) explPerson {
	h := Hash(id)
	p := explPerson{First: explPick(explFirstNames, h, 1), Last: explPick(explLastNames, h, 13), h: h}
	if in != nil {
		if first, last, ok := strings.Cut(strings.TrimSpace(in.FullName), " "); ok {
			p.First, p.Last = first, strings.TrimSpace(last)
		}
		p.Email = strings.ToLower(strings.TrimSpace(in.Email))
		p.Company = in.CompanyName
		p.LinkedIn = in.LinkedIn
		if _, d, ok := strings.Cut(p.Email, "@"); ok {
			p.Domain = d
		}
	}
	if p.Domain == "" && p.Company != "" {
		p.Domain = explSlug(p.Company) + ".example"
	}
	if p.Domain == "" {
		p.Domain = "company-" + id[:8] + ".example"
	}
	if p.Company == "" {
		p.Company = explTitle(p.Domain)
	}
	if p.Email == "" {
		p.Email = strings.ToLower(explSlug(p.First) + "." + explSlug(p.Last) + "@" + p.Domain)
	}
	if p.LinkedIn == "" {
		p.LinkedIn = fmt.Sprintf("https://www.linkedin.com/in/%s-%s-%s", explSlug(p.First), explSlug(p.Last), id[:6])
	}
	return p
}

// explContacts derives a person's contact record for the requested types.
func explContacts(p explPerson, email, phone bool) map[string]any {
	d := map[string]any{}
	if email {
		status := "valid"
		switch p.h % 10 {
		case 7, 8:
			status = "catch-all"
		case 9:
			status = "invalid"
		}
		d["emails"] = []map[string]any{
			{"address": p.Email, "type": "current_professional"},
			{"address": fmt.Sprintf("%s.%s%d@example.net", explSlug(p.First), explSlug(p.Last), p.h%100), "type": "personal"},
		}
		d["professions_email"] = p.Email
		d["professional_email_status"] = status
	}
	if phone {
		// A third of the people have no phone on record.
		if p.h%3 == 0 {
			d["phone_numbers"] = []map[string]any{}
			d["mobile_phone"] = nil
		} else {
			mobile := fmt.Sprintf("+1555%07d", p.h%10000000)
			d["phone_numbers"] = []map[string]any{{"phone_number": mobile}, {"phone_number": fmt.Sprintf("+1555%07d", (p.h/7)%10000000)}}
			d["mobile_phone"] = mobile
		}
	}
	return d
}

// explProfile derives a person's professional profile.
func explProfile(p explPerson) map[string]any {
	place := explPick(explPlaces, p.h, 3)
	job := explPick(explJobs, p.h, 17)
	return map[string]any{
		"full_name":           p.First + " " + p.Last,
		"country_name":        place.Country,
		"region_name":         place.Region,
		"city":                place.City,
		"linkedin":            p.LinkedIn,
		"linkedin_url_array":  []string{p.LinkedIn},
		"experience":          []map[string]any{{"company": map[string]any{"name": p.Company, "website": "https://www." + p.Domain}, "title": map[string]any{"name": job.Title}, "start_date": fmt.Sprintf("%d-01", 2010+p.h%14), "is_primary": true}},
		"skills":              []string{"negotiation", "crm", "forecasting"},
		"interests":           []string{"technology"},
		"education":           []map[string]any{{"school": map[string]any{"name": "Example University"}, "degrees": []string{"bachelors"}}},
		"age_group":           explPick([]string{"25-34", "35-44", "45-54"}, p.h, 5),
		"gender":              nil,
		"company_name":        p.Company,
		"company_website":     "https://www." + p.Domain,
		"company_linkedin":    "https://www.linkedin.com/company/" + explSlug(p.Company),
		"job_title":           job.Title,
		"job_department":      job.Department,
		"job_department_main": job.Department,
		"job_seniority_level": []string{job.Seniority},
		"job_level_main":      job.Seniority,
	}
}
