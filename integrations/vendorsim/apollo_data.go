package vendorsim

import (
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
)

// The fake Apollo's data is derived from Hash of the input, never from real
// records: the same email or domain always yields the same person or
// company, and the inputs NoMatch picks find nothing.

// apoID is a 24-hex id, the shape of Apollo's (Mongo ObjectId) ids.
func apoID(kind, key string) string {
	h := fnv.New128a()
	h.Write([]byte(kind + "\x00" + strings.ToLower(key)))
	return hex.EncodeToString(h.Sum(nil)[:12])
}

var (
	apoIndustries = []string{"information technology & services", "computer software", "marketing & advertising", "financial services", "hospital & health care", "mechanical or industrial engineering", "higher education"}
	apoTechs      = []string{"Salesforce", "HubSpot", "Google Analytics", "Slack", "AWS", "Zendesk", "Stripe", "Segment"}
	apoPlaces     = []struct{ City, State, Country string }{
		{"San Francisco", "California", "United States"},
		{"New York", "New York", "United States"},
		{"Austin", "Texas", "United States"},
		{"London", "England", "United Kingdom"},
		{"Berlin", "Berlin", "Germany"},
		{"Toronto", "Ontario", "Canada"},
	}
	apoTitles = []struct{ Title, Seniority, Department string }{
		{"Founder & CEO", "founder", "master_executive"},
		{"VP of Sales", "vp", "master_sales"},
		{"Head of Marketing", "head", "master_marketing"},
		{"Director of Engineering", "director", "master_engineering_technical"},
		{"Sales Manager", "manager", "master_sales"},
		{"Senior Account Executive", "senior", "master_sales"},
		{"Software Engineer", "entry", "master_engineering_technical"},
	}
)

// apoOrganization derives the company behind a domain.
func apoOrganization(domain string) map[string]any {
	h := Hash("org", domain)
	label, _, _ := strings.Cut(domain, ".")
	place := explPick(apoPlaces, h, 1)
	employees := []int{8, 35, 120, 450, 1600, 7200, 25000}[(h/7)%7]
	revenue := int64(employees) * 150_000
	return map[string]any{
		"id":                      apoID("org", domain),
		"name":                    explTitle(domain),
		"website_url":             "http://www." + domain,
		"linkedin_url":            "http://www.linkedin.com/company/" + label,
		"primary_domain":          domain,
		"industry":                explPick(apoIndustries, h, 3),
		"keywords":                []string{"b2b", "saas", explPick(apoIndustries, h, 11)},
		"estimated_num_employees": employees,
		"annual_revenue":          revenue,
		"annual_revenue_printed":  fmt.Sprintf("%.1fM", float64(revenue)/1e6),
		"founded_year":            1990 + int(h%34),
		"technology_names":        []string{explPick(apoTechs, h, 5), explPick(apoTechs, h, 17)},
		"current_technologies":    []map[string]any{{"uid": strings.ToLower(explPick(apoTechs, h, 5)), "name": explPick(apoTechs, h, 5), "category": "Other"}},
		"funding_events":          []map[string]any{},
		"phone":                   fmt.Sprintf("+1 555-%03d-%04d", h%1000, (h/1000)%10000),
		"city":                    place.City,
		"state":                   place.State,
		"country":                 place.Country,
	}
}

// apoPersonSeed is what a match knows about the person asked for.
type apoPersonSeed struct {
	ID, First, Last, Email, Domain, Company, LinkedIn string
}

// key is what the match hinges on, "" when the request carries only general
// information (a name without a company), which Apollo answers with no one.
func (s apoPersonSeed) key(hashedEmail string) string {
	switch {
	case s.Email != "":
		return "email:" + strings.ToLower(s.Email)
	case hashedEmail != "":
		return "hash:" + strings.ToLower(hashedEmail)
	case s.LinkedIn != "":
		return "linkedin:" + strings.ToLower(strings.TrimRight(s.LinkedIn, "/"))
	case s.ID != "":
		return "id:" + s.ID
	case s.First != "" && s.Last != "" && (s.Domain != "" || s.Company != ""):
		return "name:" + strings.ToLower(s.First+" "+s.Last+"|"+explOr(s.Domain, s.Company))
	}
	return ""
}

// apoPerson derives the person for key. Names come from the request, else
// from an email's "first.last" local part, else from synthetic lists; the
// simulator never returns real people.
func apoPerson(key string, s apoPersonSeed, revealPersonal bool) map[string]any {
	h := Hash("person", key)
	id := s.ID
	if id == "" {
		id = apoID("person", key)
	}
	ih := Hash(id)
	if s.First == "" || s.Last == "" {
		s.First, s.Last = explPick(explFirstNames, ih, 1), explPick(explLastNames, ih, 13)
		if local, _, ok := strings.Cut(s.Email, "@"); ok {
			if f, l, ok := strings.Cut(local, "."); ok && f != "" && l != "" {
				s.First, s.Last = strings.ToUpper(f[:1])+f[1:], strings.ToUpper(l[:1])+l[1:]
			}
		}
	}
	if _, d, ok := strings.Cut(s.Email, "@"); ok && s.Domain == "" {
		s.Domain = d
	}
	if s.Domain == "" && s.Company != "" {
		s.Domain = explSlug(s.Company) + ".example"
	}
	if s.Domain == "" {
		s.Domain = "company-" + id[:8] + ".example"
	}
	email, status := strings.ToLower(s.Email), "verified"
	if email == "" {
		email = strings.ToLower(explSlug(s.First) + "." + explSlug(s.Last) + "@" + s.Domain)
		if h%10 == 9 { // some people have no known work email
			status = "unavailable"
		}
	}
	var emailV any = email
	if status == "unavailable" {
		emailV = nil
	}
	personal := []string{}
	if revealPersonal {
		personal = append(personal, fmt.Sprintf("%s.%s%d@example.net", explSlug(s.First), explSlug(s.Last), h%100))
	}
	job := explPick(apoTitles, h, 3)
	place := explPick(apoPlaces, h, 7)
	org := apoOrganization(s.Domain)
	linkedin := explOr(s.LinkedIn, fmt.Sprintf("http://www.linkedin.com/in/%s-%s-%s", explSlug(s.First), explSlug(s.Last), id[:6]))
	return map[string]any{
		"id":                 id,
		"first_name":         s.First,
		"last_name":          s.Last,
		"name":               s.First + " " + s.Last,
		"linkedin_url":       linkedin,
		"title":              job.Title,
		"headline":           job.Title + " at " + org["name"].(string),
		"seniority":          job.Seniority,
		"departments":        []string{job.Department},
		"email":              emailV,
		"email_status":       status,
		"personal_emails":    personal,
		"phone_numbers":      []map[string]any{}, // phones only arrive at the webhook
		"city":               place.City,
		"state":              place.State,
		"country":            place.Country,
		"organization_id":    org["id"],
		"employment_history": []map[string]any{{"organization_name": org["name"], "title": job.Title, "start_date": fmt.Sprintf("%d-01-01", 2012+h%12), "end_date": nil, "current": true}},
		"organization":       org,
	}
}

// apoSearchPerson derives the i-th person of a search result set.
func apoSearchPerson(seed uint64, i int, titles, domains []string) map[string]any {
	id := apoID("search", fmt.Sprintf("%d:%d", seed, i))
	ih := Hash(id)
	last := explPick(explLastNames, ih, 13)
	job := explPick(apoTitles, ih, 3)
	title := job.Title
	if len(titles) > 0 {
		title = titles[i%len(titles)]
	}
	company := explTitle(fmt.Sprintf("%s-%d.example", strings.ToLower(explPick(explLastNames, seed, 1)), i%97))
	if len(domains) > 0 {
		company = explTitle(explDomain(domains[i%len(domains)]))
	}
	directPhone := "Yes"
	if ih%4 == 0 {
		directPhone = "Maybe: please request direct dial via people/bulk_match"
	}
	return map[string]any{
		"id":                   id,
		"first_name":           explPick(explFirstNames, ih, 1),
		"last_name_obfuscated": last[:2] + "***" + last[len(last)-1:],
		"title":                title,
		"last_refreshed_at":    fmt.Sprintf("2026-%02d-%02dT00:00:00.000+00:00", 1+ih%12, 1+ih%28),
		"has_email":            ih%10 != 9,
		"has_city":             true,
		"has_state":            true,
		"has_country":          true,
		"has_direct_phone":     directPhone,
		"organization": map[string]any{
			"name": company, "has_industry": true, "has_phone": ih%3 != 0, "has_city": true, "has_state": true,
			"has_country": true, "has_zip_code": true, "has_revenue": ih%2 == 0, "has_employee_count": true,
		},
	}
}
