package apollo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Organization is an enriched company.
type Organization struct {
	ID                    string          `json:"id"`
	Name                  string          `json:"name"`
	WebsiteURL            string          `json:"website_url"`
	LinkedInURL           string          `json:"linkedin_url"`
	PrimaryDomain         string          `json:"primary_domain"`
	Industry              string          `json:"industry"`
	Keywords              []string        `json:"keywords"`
	EstimatedNumEmployees int             `json:"estimated_num_employees"`
	AnnualRevenue         float64         `json:"annual_revenue"`
	AnnualRevenuePrinted  string          `json:"annual_revenue_printed"`
	FoundedYear           int             `json:"founded_year"`
	TechnologyNames       []string        `json:"technology_names"`
	CurrentTechnologies   json.RawMessage `json:"current_technologies,omitempty"`
	FundingEvents         json.RawMessage `json:"funding_events,omitempty"`
	Phone                 string          `json:"phone"`
	City                  string          `json:"city"`
	State                 string          `json:"state"`
	Country               string          `json:"country"`
}

// OrganizationResponse is the answer of EnrichOrganization. Organization
// is nil when Apollo does not know the domain.
type OrganizationResponse struct {
	Organization *Organization `json:"organization"`
}

// EnrichOrganization enriches one company by its domain ("apollo.io", no
// scheme or www).
func (c *Client) EnrichOrganization(ctx context.Context, domain string) (*OrganizationResponse, error) {
	domain = strings.TrimSpace(domain)
	if domain == "" {
		return nil, invalid("enrich organization", "domain_required", "domain is empty")
	}
	var out OrganizationResponse
	var err error
	if c.orgPOST {
		err = c.do(ctx, BucketEnrichment, http.MethodPost, "/organizations/enrich", nil, map[string]string{"domain": domain}, &out)
	} else {
		err = c.do(ctx, BucketEnrichment, http.MethodGet, "/organizations/enrich", url.Values{"domain": {domain}}, nil, &out)
	}
	if err != nil {
		return nil, fmt.Errorf("enrich organization: %w", err)
	}
	if out.Organization != nil && out.Organization.ID != "" {
		c.recordCredits(BucketEnrichment, 1)
	}
	return &out, nil
}

// BulkOrganizationsRequest is the body of POST /organizations/bulk_enrich.
type BulkOrganizationsRequest struct {
	Domains []string `json:"domains"`
}

// BulkOrganizationsResponse is the answer of BulkEnrichOrganizations.
// Organizations holds only the companies found; pair them with the request
// by PrimaryDomain.
type BulkOrganizationsResponse struct {
	Status                string          `json:"status"`
	ErrorCode             string          `json:"error_code"`
	ErrorMessage          string          `json:"error_message"`
	TotalRequestedDomains int             `json:"total_requested_domains"`
	UniqueDomains         int             `json:"unique_domains"`
	UniqueEnrichedRecords int             `json:"unique_enriched_records"`
	MissingRecords        int             `json:"missing_records"`
	Organizations         []*Organization `json:"organizations"`
}

// BulkEnrichOrganizations enriches up to MaxBulk companies in one call.
func (c *Client) BulkEnrichOrganizations(ctx context.Context, req *BulkOrganizationsRequest) (*BulkOrganizationsResponse, error) {
	if err := checkBulk("bulk enrich organizations", len(req.Domains)); err != nil {
		return nil, err
	}
	var out BulkOrganizationsResponse
	if err := c.do(ctx, BucketEnrichment, http.MethodPost, "/organizations/bulk_enrich", nil, req, &out); err != nil {
		return nil, fmt.Errorf("bulk enrich organizations: %w", err)
	}
	c.recordCredits(BucketEnrichment, int64(out.UniqueEnrichedRecords))
	return &out, nil
}
