package apollo

import (
	"context"
	"fmt"
	"iter"
	"net/http"
)

// Search limits Apollo documents: 100 people per page, and no more than
// 50,000 people (500 pages of 100) reachable for one set of filters.
const (
	MaxPerPage        = 100
	MaxSearchResults  = 50000
	MaxDomainsFilter  = 1000
	defaultPerPage    = 10 // Apollo's own default when per_page is left out
	iteratorPageLimit = MaxPerPage
)

// RevenueRange bounds organization revenue in dollars.
type RevenueRange struct {
	Min *int64 `json:"min,omitempty"`
	Max *int64 `json:"max,omitempty"`
}

// PeopleSearchRequest is the body of POST /mixed_people/api_search. Values
// of a list filter are OR-ed; filters are AND-ed.
type PeopleSearchRequest struct {
	PersonTitles                      []string      `json:"person_titles,omitempty"`
	IncludeSimilarTitles              *bool         `json:"include_similar_titles,omitempty"`
	QKeywords                         string        `json:"q_keywords,omitempty"`
	PersonLocations                   []string      `json:"person_locations,omitempty"`
	PersonSeniorities                 []string      `json:"person_seniorities,omitempty"` // owner, founder, c_suite, partner, vp, head, director, manager, senior, entry, intern
	OrganizationLocations             []string      `json:"organization_locations,omitempty"`
	QOrganizationDomainsList          []string      `json:"q_organization_domains_list,omitempty"`
	ContactEmailStatus                []string      `json:"contact_email_status,omitempty"`
	OrganizationIDs                   []string      `json:"organization_ids,omitempty"`
	OrganizationNumEmployeesRanges    []string      `json:"organization_num_employees_ranges,omitempty"` // "1,10", "11,50", …
	RevenueRange                      *RevenueRange `json:"revenue_range,omitempty"`
	CurrentlyUsingAnyOfTechnologyUIDs []string      `json:"currently_using_any_of_technology_uids,omitempty"`
	Page                              int           `json:"page,omitempty"`
	PerPage                           int           `json:"per_page,omitempty"`
}

// SearchOrganization is what a search result tells about the employer.
type SearchOrganization struct {
	Name             string `json:"name"`
	HasIndustry      bool   `json:"has_industry"`
	HasPhone         bool   `json:"has_phone"`
	HasCity          bool   `json:"has_city"`
	HasState         bool   `json:"has_state"`
	HasCountry       bool   `json:"has_country"`
	HasZipCode       bool   `json:"has_zip_code"`
	HasRevenue       bool   `json:"has_revenue"`
	HasEmployeeCount bool   `json:"has_employee_count"`
}

// SearchPerson is one search result. The search is free, so it carries no
// email or phone: enrich the id with MatchPerson to get them.
type SearchPerson struct {
	ID                 string             `json:"id"`
	FirstName          string             `json:"first_name"`
	LastNameObfuscated string             `json:"last_name_obfuscated"`
	Title              string             `json:"title"`
	LastRefreshedAt    string             `json:"last_refreshed_at"`
	HasEmail           bool               `json:"has_email"`
	HasCity            bool               `json:"has_city"`
	HasState           bool               `json:"has_state"`
	HasCountry         bool               `json:"has_country"`
	HasDirectPhone     string             `json:"has_direct_phone"` // "Yes", or "Maybe: …"
	Organization       SearchOrganization `json:"organization"`
}

// PeopleSearchResponse is one page of SearchPeople.
type PeopleSearchResponse struct {
	TotalEntries int            `json:"total_entries"`
	People       []SearchPerson `json:"people"`
}

func (r *PeopleSearchRequest) validate() error {
	perPage := r.PerPage
	if perPage == 0 {
		perPage = defaultPerPage
	}
	switch {
	case r.Page < 0:
		return invalid("search people", "invalid_page", fmt.Sprintf("page %d: pages start at 1", r.Page))
	case perPage < 0 || perPage > MaxPerPage:
		return invalid("search people", "invalid_per_page", fmt.Sprintf("per_page %d: at most %d (MaxPerPage)", r.PerPage, MaxPerPage))
	case max(r.Page, 1)*perPage > MaxSearchResults:
		return invalid("search people", "past_display_limit", fmt.Sprintf("page %d × per_page %d is past Apollo's %d-result display limit (MaxSearchResults): narrow the filters", max(r.Page, 1), perPage, MaxSearchResults))
	case len(r.QOrganizationDomainsList) > MaxDomainsFilter:
		return invalid("search people", "too_many_domains", fmt.Sprintf("%d organization domains, at most %d (MaxDomainsFilter)", len(r.QOrganizationDomainsList), MaxDomainsFilter))
	}
	return nil
}

// SearchPeople returns one page of the people matching req. It costs no
// credits and counts against the default bucket.
func (c *Client) SearchPeople(ctx context.Context, req *PeopleSearchRequest) (*PeopleSearchResponse, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	var out PeopleSearchResponse
	if err := c.do(ctx, BucketDefault, http.MethodPost, "/mixed_people/api_search", nil, req, &out); err != nil {
		return nil, fmt.Errorf("search people: %w", err)
	}
	return &out, nil
}

// SearchPeopleAll walks every page of req from req.Page (default 1), 100
// people a page unless req.PerPage says otherwise, and stops at the last
// page, at Apollo's 50,000-result display limit, or at the first error,
// which it yields. Stopping the range loop stops the calls.
func (c *Client) SearchPeopleAll(ctx context.Context, req PeopleSearchRequest) iter.Seq2[SearchPerson, error] {
	return func(yield func(SearchPerson, error) bool) {
		req.Page = max(req.Page, 1)
		if req.PerPage == 0 {
			req.PerPage = iteratorPageLimit
		}
		for {
			page, err := c.SearchPeople(ctx, &req)
			if err != nil {
				yield(SearchPerson{}, err)
				return
			}
			for _, p := range page.People {
				if !yield(p, nil) {
					return
				}
			}
			reachable := min(page.TotalEntries, MaxSearchResults)
			next := req.Page + 1
			if len(page.People) < req.PerPage || req.Page*req.PerPage >= reachable || next*req.PerPage > MaxSearchResults {
				return
			}
			req.Page = next
		}
	}
}
