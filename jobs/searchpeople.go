package jobs

import (
	"context"
	"slices"
	"strings"

	"github.com/rtgs/sales-automation/integrations/apollo"
	"github.com/rtgs/sales-automation/integrations/explorium"
)

// The people searches of find_contacts, one per vendor. Each returns the
// people it found with the company they were found at and, where the
// vendor had one, their work email; find_contacts stores them.

// exploriumPeople fetches the people at targets from Explorium's prospect
// fetch (filtered by business id, titles and having an email), up to limit,
// then their work emails from contacts_information (email only: 2 credits
// a person rather than 5). Targets without a known business id are
// matched by domain first.
func exploriumPeople(ctx context.Context, c *explorium.Client, targets []*searchTarget, titles []string, limit int) ([]person, error) {
	var unmatched []*searchTarget
	for _, t := range targets {
		if t.exploriumID == "" {
			unmatched = append(unmatched, t)
		}
	}
	for chunk := range slices.Chunk(unmatched, explorium.MaxBatch) {
		req := &explorium.MatchBusinessesRequest{BusinessesToMatch: make([]explorium.BusinessInput, len(chunk))}
		for i, t := range chunk {
			req.BusinessesToMatch[i] = explorium.BusinessInput{Domain: t.domain, Name: t.name}
		}
		res, err := c.MatchBusinesses(ctx, req)
		if err != nil {
			return nil, err
		}
		for i, m := range res.MatchedBusinesses {
			chunk[i].exploriumID = m.BusinessID
		}
	}
	byBusiness := map[string]*searchTarget{}
	var businessIDs []string
	for _, t := range targets {
		if t.exploriumID != "" && byBusiness[t.exploriumID] == nil {
			byBusiness[t.exploriumID] = t
			businessIDs = append(businessIDs, t.exploriumID)
		}
	}

	var people []person
	var prospectIDs []string
	for chunk := range slices.Chunk(businessIDs, explorium.MaxBatch) {
		filters := map[string]explorium.Filter{
			"business_id": {Values: chunk},
			"has_email":   {Value: true},
		}
		if len(titles) > 0 {
			filters["job_title"] = explorium.Filter{Values: titles}
		}
		want := limit - len(people)
		pageSize := min(want, explorium.MaxPageSize)
		for page := 1; len(people) < limit; page++ {
			res, err := c.FetchProspects(ctx, &explorium.FetchRequest{Mode: "full", Size: want, PageSize: pageSize, Page: page, Filters: filters})
			if err != nil {
				return nil, err
			}
			for _, p := range res.Data {
				t := byBusiness[p.BusinessID]
				if t == nil || p.ProspectID == "" || len(people) == limit {
					continue
				}
				first, last, _ := strings.Cut(strings.TrimSpace(p.FullName), " ")
				people = append(people, person{target: t, first: first, last: strings.TrimSpace(last),
					title: p.JobTitle, linkedIn: p.LinkedIn, country: p.CountryName})
				prospectIDs = append(prospectIDs, p.ProspectID)
			}
			if len(res.Data) < pageSize || page >= res.TotalPages {
				break
			}
		}
		if len(people) == limit {
			break
		}
	}

	emails := map[string]string{}
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(prospectIDs))), explorium.MaxBatch) {
		res, err := c.BulkContacts(ctx, &explorium.BulkContactsRequest{ProspectIDs: chunk,
			Parameters: &explorium.ContactsParameters{ContactTypes: []string{explorium.ContactEmail}}})
		if err != nil {
			return nil, err
		}
		for _, d := range res.Data {
			if d.Data != nil {
				emails[d.ProspectID] = workEmail(d.Data)
			}
		}
	}
	for i := range people {
		people[i].email = emails[prospectIDs[i]]
	}
	return people, nil
}

// workEmail is a prospect's professional address unless Explorium found it
// invalid, else its first current or professional one. Personal addresses
// are never used for prospecting.
func workEmail(c *explorium.Contacts) string {
	if c.ProfessionsEmail != "" && c.ProfessionalEmailStatus != "invalid" {
		return c.ProfessionsEmail
	}
	for _, e := range c.Emails {
		if e.Type == "current_professional" || e.Type == "professional" {
			return e.Address
		}
	}
	return ""
}

// apolloPeople searches Apollo's people (free) company by company, so each
// person is known to work at the company searched, with the titles when
// given, up to limit; then reveals the work emails of those Apollo says
// have one through bulk matches (a credit a person found).
func apolloPeople(ctx context.Context, c *apollo.Client, targets []*searchTarget, titles []string, limit int) ([]person, error) {
	type hit struct {
		id     string
		target *searchTarget
	}
	var hits []hit
	for _, t := range targets {
		if len(hits) >= limit {
			break
		}
		res, err := c.SearchPeople(ctx, &apollo.PeopleSearchRequest{QOrganizationDomainsList: []string{t.domain},
			PersonTitles: titles, Page: 1, PerPage: min(limit-len(hits), apollo.MaxPerPage)})
		if err != nil {
			return nil, err
		}
		for _, p := range res.People {
			if p.HasEmail && p.ID != "" && len(hits) < limit {
				hits = append(hits, hit{id: p.ID, target: t})
			}
		}
	}
	var people []person
	for chunk := range slices.Chunk(hits, apollo.MaxBulk) {
		req := &apollo.BulkMatchRequest{Details: make([]apollo.PersonDetails, len(chunk))}
		for i, h := range chunk {
			req.Details[i] = apollo.PersonDetails{ID: h.id, Domain: h.target.domain}
		}
		res, err := c.BulkMatchPeople(ctx, req)
		if err != nil {
			return nil, err
		}
		for i, m := range res.Matches {
			if m == nil || m.Email == "" || m.EmailStatus == "unavailable" {
				continue
			}
			people = append(people, person{target: chunk[i].target, first: m.FirstName, last: m.LastName,
				title: m.Title, level: m.Seniority, linkedIn: m.LinkedInURL, country: m.Country, email: m.Email})
		}
	}
	return people, nil
}
