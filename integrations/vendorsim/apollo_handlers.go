package vendorsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Apollo caps.
const (
	apoMaxBulk       = 10
	apoMaxPerPage    = 100
	apoDisplayLimit  = 50000
	apoMaxDomains    = 1000
	apoMaxBody       = 1 << 20
	apoInvalidParams = "Invalid parameters"
)

// Routes implements Vendor: enrichment endpoints count against the
// "enrichment" bucket, search against "default".
func (a *Apollo) Routes(r *Router) {
	r.Handle("POST /api/v1/people/match", "enrichment", a.scoped("/people/match", a.matchPerson))
	r.Handle("POST /api/v1/people/bulk_match", "enrichment", a.scoped("/people/bulk_match", a.bulkMatch))
	r.Handle("POST /api/v1/mixed_people/api_search", "default", a.scoped("/mixed_people/api_search", a.searchPeople))
	r.Handle("GET /api/v1/organizations/enrich", "enrichment", a.scoped("/organizations/enrich", a.enrichOrganization))
	r.Handle("POST /api/v1/organizations/enrich", "enrichment", a.scoped("/organizations/enrich", a.enrichOrganization))
	r.Handle("POST /api/v1/organizations/bulk_enrich", "enrichment", a.scoped("/organizations/bulk_enrich", a.bulkEnrichOrganizations))
}

// scoped answers 403 API_INACCESSIBLE on endpoints the key may not call.
func (a *Apollo) scoped(path string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		denied := a.denied[path]
		a.mu.Unlock()
		if denied {
			apoWriteJSON(w, http.StatusForbidden, map[string]any{
				"error":      fmt.Sprintf("This API key is not authorized to access api/v1%s. Please contact your admin to grant access to this endpoint, or create a new API key with access to it.", path),
				"error_code": "API_INACCESSIBLE",
			})
			return
		}
		h(w, r)
	}
}

// apoParams are a request's parameters. Apollo (a Rails app) takes them as
// a JSON body or as query parameters alike, so both are merged, the query
// winning.
type apoParams map[string]any

// params reads the JSON body (bounded) and the query; ok is false after a
// 422 for a body that is not a JSON object.
func (a *Apollo) params(w http.ResponseWriter, r *http.Request) (apoParams, bool) {
	p := apoParams{}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, apoMaxBody))
	if err != nil {
		apoInvalid(w, apoInvalidParams)
		return nil, false
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&p); err != nil {
			apoInvalid(w, apoInvalidParams)
			return nil, false
		}
	}
	for k, vs := range r.URL.Query() {
		if name, ok := strings.CutSuffix(k, "[]"); ok {
			p[name] = toAny(vs)
		} else {
			p[k] = vs[len(vs)-1]
		}
	}
	return p, true
}

func toAny(vs []string) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func (p apoParams) str(k string) string {
	switch v := p[k].(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	}
	return ""
}

func (p apoParams) boolean(k string) bool {
	switch v := p[k].(type) {
	case bool:
		return v
	case string:
		b, _ := strconv.ParseBool(v)
		return b
	}
	return false
}

// integer returns k's value, def when absent, and ok false when present
// but not an integer.
func (p apoParams) integer(k string, def int) (int, bool) {
	v, present := p[k]
	if !present || v == nil {
		return def, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(fmt.Sprint(v)))
	return n, err == nil
}

func (p apoParams) list(k string) []string {
	vs, _ := p[k].([]any)
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// seed reads a person's identifiers.
func (p apoParams) seed() apoPersonSeed {
	s := apoPersonSeed{
		ID: p.str("id"), First: p.str("first_name"), Last: p.str("last_name"), Email: p.str("email"),
		Domain: explDomain(p.str("domain")), Company: p.str("organization_name"), LinkedIn: p.str("linkedin_url"),
	}
	if s.First == "" && s.Last == "" {
		s.First, s.Last, _ = strings.Cut(p.str("name"), " ")
		s.Last = strings.TrimSpace(s.Last)
	}
	return s
}

// checkReveal refuses a phone reveal without the webhook it is delivered to.
func checkReveal(w http.ResponseWriter, p apoParams) bool {
	if p.boolean("reveal_phone_number") && p.str("webhook_url") == "" {
		apoInvalid(w, "Please add a valid 'webhook_url' parameter when using 'reveal_phone_number'")
		return false
	}
	return true
}

// match finds the person a parameter set names, nil when Apollo would not.
func (a *Apollo) match(p apoParams, revealPersonal bool) map[string]any {
	s := p.seed()
	key := s.key(p.str("hashed_email"))
	if key == "" || NoMatch(key) {
		return nil
	}
	return apoPerson(key, s, revealPersonal)
}

func (a *Apollo) matchPerson(w http.ResponseWriter, r *http.Request) {
	p, ok := a.params(w, r)
	if !ok || !checkReveal(w, p) {
		return
	}
	person := a.match(p, p.boolean("reveal_personal_emails"))
	if person != nil {
		a.spend(1)
	}
	apoWriteJSON(w, http.StatusOK, map[string]any{"person": person})
}

func (a *Apollo) bulkMatch(w http.ResponseWriter, r *http.Request) {
	p, ok := a.params(w, r)
	if !ok || !checkReveal(w, p) {
		return
	}
	details, _ := p["details"].([]any)
	switch {
	case len(details) == 0:
		apoInvalid(w, "details is required and must be a non-empty array")
		return
	case len(details) > apoMaxBulk:
		apoInvalid(w, fmt.Sprintf("details can contain at most %d records", apoMaxBulk))
		return
	}
	matches := make([]any, len(details))
	found := 0
	for i, d := range details {
		dm, _ := d.(map[string]any)
		if person := a.match(apoParams(dm), p.boolean("reveal_personal_emails")); person != nil {
			matches[i], found = person, found+1
		}
	}
	a.spend(int64(found))
	apoWriteJSON(w, http.StatusOK, map[string]any{
		"status": "success", "error_code": nil, "error_message": nil,
		"total_requested_enrichments": len(details), "unique_enriched_records": found,
		"missing_records": len(details) - found, "credits_consumed": found, "matches": matches,
	})
}

// searchPeople answers the People API search. page × per_page beyond the
// 50,000-record display limit is refused with 422, the stricter reading of
// Apollo's docs, so a client that walks past the limit finds out.
func (a *Apollo) searchPeople(w http.ResponseWriter, r *http.Request) {
	p, ok := a.params(w, r)
	if !ok {
		return
	}
	page, okPage := p.integer("page", 1)
	perPage, okPer := p.integer("per_page", 10)
	domains := p.list("q_organization_domains_list")
	if !okPage || !okPer || page < 1 || perPage < 1 || perPage > apoMaxPerPage || len(domains) > apoMaxDomains {
		apoInvalid(w, apoInvalidParams)
		return
	}
	if page*perPage > apoDisplayLimit {
		apoInvalid(w, fmt.Sprintf("%s: page * per_page may not exceed %d, the display limit; narrow your filters", apoInvalidParams, apoDisplayLimit))
		return
	}
	filters := apoParams{}
	for k, v := range p {
		if k != "page" && k != "per_page" {
			filters[k] = v
		}
	}
	canon, _ := json.Marshal(filters) // sorted keys: same filters, same people
	seed := Hash(string(canon))
	total := 0
	switch {
	case seed%10 == 0: // a tenth of the filter sets find nobody
	case seed%3 == 0: // a third find more than the display limit
		total = apoDisplayLimit + 10000 + int(seed%60000)
	default:
		total = 1 + int(seed%3000)
	}
	reachable := min(total, apoDisplayLimit)
	first, last := min((page-1)*perPage, reachable), min(page*perPage, reachable)
	people := make([]map[string]any, 0, last-first)
	for i := first; i < last; i++ {
		people = append(people, apoSearchPerson(seed, i, p.list("person_titles"), domains))
	}
	apoWriteJSON(w, http.StatusOK, map[string]any{"total_entries": total, "people": people})
}

func (a *Apollo) enrichOrganization(w http.ResponseWriter, r *http.Request) {
	p, ok := a.params(w, r)
	if !ok {
		return
	}
	domain := explDomain(p.str("domain"))
	if domain == "" {
		apoInvalid(w, apoInvalidParams)
		return
	}
	if NoMatch("org:" + domain) {
		apoWriteJSON(w, http.StatusOK, map[string]any{})
		return
	}
	a.spend(1)
	apoWriteJSON(w, http.StatusOK, map[string]any{"organization": apoOrganization(domain)})
}

func (a *Apollo) bulkEnrichOrganizations(w http.ResponseWriter, r *http.Request) {
	p, ok := a.params(w, r)
	if !ok {
		return
	}
	domains := p.list("domains")
	switch {
	case len(domains) == 0:
		apoInvalid(w, "domains is required and must be a non-empty array")
		return
	case len(domains) > apoMaxBulk:
		apoInvalid(w, fmt.Sprintf("domains can contain at most %d records", apoMaxBulk))
		return
	}
	seen := map[string]bool{}
	orgs := []map[string]any{}
	for _, d := range domains {
		d = explDomain(d)
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		if !NoMatch("org:" + d) {
			orgs = append(orgs, apoOrganization(d))
		}
	}
	a.spend(int64(len(orgs)))
	apoWriteJSON(w, http.StatusOK, map[string]any{
		"status": "success", "error_code": nil, "error_message": nil,
		"total_requested_domains": len(domains), "unique_domains": len(seen),
		"unique_enriched_records": len(orgs), "missing_records": len(seen) - len(orgs), "organizations": orgs,
	})
}
