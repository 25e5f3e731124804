package enrichment

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/rtgs/sales-automation/integrations/apollo"
)

// apolloBatch is the most people or domains of one Apollo bulk call.
const apolloBatch = apollo.MaxBulk

// apolloSource looks people and companies up with Apollo's bulk people
// match and bulk organization enrichment, one call per batch.
type apolloSource struct{ c *apollo.Client }

func (a apolloSource) people(ctx context.Context, qs []PersonQuery) ([]answer[Person], int64, error) {
	req := &apollo.BulkMatchRequest{Details: make([]apollo.PersonDetails, len(qs))}
	for i, q := range qs {
		req.Details[i] = apollo.PersonDetails{
			Email: q.Email, FirstName: q.FirstName, LastName: q.LastName,
			OrganizationName: q.CompanyName, Domain: q.Domain, LinkedInURL: q.LinkedInURL,
		}
	}
	res, err := a.c.BulkMatchPeople(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	out := make([]answer[Person], len(qs))
	found := 0
	for i, p := range res.Matches {
		if p == nil {
			continue
		}
		found++
		raw, _ := json.Marshal(p)
		var phone string
		for _, ph := range p.PhoneNumbers {
			if phone = firstOf(ph.SanitizedNumber, ph.RawNumber); phone != "" {
				break
			}
		}
		out[i] = answer[Person]{found: true, raw: raw, fields: Person{
			FirstName: p.FirstName, LastName: p.LastName, Title: p.Title, Seniority: p.Seniority,
			Phone: phone, LinkedInURL: p.LinkedInURL, Country: p.Country,
		}}
	}
	credits := int64(found)
	if f, err := res.CreditsConsumed.Float64(); err == nil {
		credits = int64(f + 0.5)
	}
	return out, credits, nil
}

func (a apolloSource) companies(ctx context.Context, qs []CompanyQuery) ([]answer[Company], int64, error) {
	req := &apollo.BulkOrganizationsRequest{Domains: make([]string, len(qs))}
	for i, q := range qs {
		req.Domains[i] = q.Domain
	}
	res, err := a.c.BulkEnrichOrganizations(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	// Apollo answers only the companies it found; pair them by domain.
	byDomain := make(map[string]*apollo.Organization, len(res.Organizations))
	for _, o := range res.Organizations {
		if o != nil {
			byDomain[bareDomain(o.PrimaryDomain)] = o
		}
	}
	out := make([]answer[Company], len(qs))
	for i, q := range qs {
		o := byDomain[bareDomain(q.Domain)]
		if o == nil {
			continue
		}
		raw, _ := json.Marshal(o)
		c := Company{Name: o.Name, Industry: o.Industry, Country: o.Country, Technologies: o.TechnologyNames}
		if n := o.EstimatedNumEmployees; n > 0 {
			c.EmployeeCount = &n
		}
		out[i] = answer[Company]{found: true, raw: raw, fields: c}
	}
	return out, int64(res.UniqueEnrichedRecords), nil
}

// bareDomain is a domain without case, surrounding space or "www.".
func bareDomain(d string) string {
	return strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), "www.")
}
