package explorium

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// BusinessInput is one business to match. Name with Domain (or URL) gives a
// fuzzy match with a website-only fallback; LinkedInURL matches alone.
type BusinessInput struct {
	Name        string `json:"name,omitempty"`
	Domain      string `json:"domain,omitempty"`
	URL         string `json:"url,omitempty"`
	LinkedInURL string `json:"linkedin_url,omitempty"`
}

// MatchBusinessesRequest is the body of POST /v1/businesses/match.
type MatchBusinessesRequest struct {
	BusinessesToMatch []BusinessInput `json:"businesses_to_match"`
}

// MatchedBusiness is the answer for one input, in input order. BusinessID
// is empty when Explorium found no match (it sends null).
type MatchedBusiness struct {
	Input      BusinessInput `json:"input"`
	BusinessID string        `json:"business_id"`
	Error      string        `json:"error,omitempty"`
	ErrorType  string        `json:"error_type,omitempty"`
}

// Matched reports whether Explorium found the business.
func (m MatchedBusiness) Matched() bool { return m.BusinessID != "" }

// MatchBusinessesResponse is the answer of MatchBusinesses.
type MatchBusinessesResponse struct {
	ResponseContext   ResponseContext   `json:"response_context"`
	TotalResults      int               `json:"total_results"`
	TotalMatches      int               `json:"total_matches"`
	MatchedBusinesses []MatchedBusiness `json:"matched_businesses"`
	*CreditUsage      `json:"credit_usage,omitempty"`
}

// MatchBusinesses resolves up to MaxBatch businesses to Explorium business
// ids. The answer has one entry per input, in the same order.
func (c *Client) MatchBusinesses(ctx context.Context, req *MatchBusinessesRequest) (*MatchBusinessesResponse, error) {
	if err := checkBatch("match businesses", len(req.BusinessesToMatch)); err != nil {
		return nil, err
	}
	var out MatchBusinessesResponse
	if err := c.do(ctx, http.MethodPost, "/v1/businesses/match", req, &out); err != nil {
		return nil, fmt.Errorf("match businesses: %w", err)
	}
	// Callers pair answers with inputs by position; a short answer would
	// silently pair them wrongly.
	if len(out.MatchedBusinesses) != len(req.BusinessesToMatch) {
		return nil, fmt.Errorf("match businesses: %w", &guard.TransientError{Vendor: Vendor, Status: http.StatusOK,
			Err: fmt.Errorf("%d results for %d inputs", len(out.MatchedBusinesses), len(req.BusinessesToMatch))})
	}
	return &out, nil
}

// Firmographics is a business's firmographic record. Employee and revenue
// ranges are Explorium's buckets ("51-200", "10M-25M").
type Firmographics struct {
	Name                     string          `json:"name"`
	BusinessDescription      string          `json:"business_description"`
	Website                  string          `json:"website"`
	CountryName              string          `json:"country_name"`
	RegionName               string          `json:"region_name"`
	CityName                 string          `json:"city_name"`
	Street                   string          `json:"street"`
	ZipCode                  string          `json:"zip_code"`
	NAICS                    string          `json:"naics"`
	NAICSDescription         string          `json:"naics_description"`
	SICCode                  string          `json:"sic_code"`
	SICCodeDescription       string          `json:"sic_code_description"`
	Ticker                   string          `json:"ticker"`
	NumberOfEmployeesRange   string          `json:"number_of_employees_range"`
	YearlyRevenueRange       string          `json:"yearly_revenue_range"`
	LinkedInIndustryCategory string          `json:"linkedin_industry_category"`
	LinkedInProfile          string          `json:"linkedin_profile"`
	BusinessLogo             string          `json:"business_logo"`
	LocationsDistribution    json.RawMessage `json:"locations_distribution,omitempty"`
}

// FirmographicsRequest is the body of POST /v1/businesses/firmographics/enrich.
type FirmographicsRequest struct {
	BusinessID string `json:"business_id"`
}

// FirmographicsResponse is the answer of Firmographics. Data is nil when
// Explorium has no record for the id.
type FirmographicsResponse struct {
	ResponseContext ResponseContext `json:"response_context"`
	Data            *Firmographics  `json:"data"`
	EntityID        string          `json:"entity_id"`
	*CreditUsage    `json:"credit_usage,omitempty"`
}

// Firmographics enriches one business.
func (c *Client) Firmographics(ctx context.Context, req *FirmographicsRequest) (*FirmographicsResponse, error) {
	var out FirmographicsResponse
	if err := c.do(ctx, http.MethodPost, "/v1/businesses/firmographics/enrich", req, &out); err != nil {
		return nil, fmt.Errorf("firmographics: %w", err)
	}
	return &out, nil
}

// BulkFirmographicsRequest is the body of
// POST /v1/businesses/firmographics/bulk_enrich.
type BulkFirmographicsRequest struct {
	BusinessIDs []string `json:"business_ids"`
}

// BusinessFirmographics is one business of a bulk answer.
type BusinessFirmographics struct {
	BusinessID string         `json:"business_id"`
	Data       *Firmographics `json:"data"`
}

// BulkFirmographicsResponse is the answer of BulkFirmographics.
type BulkFirmographicsResponse struct {
	ResponseContext ResponseContext         `json:"response_context"`
	TotalResults    int                     `json:"total_results"`
	Data            []BusinessFirmographics `json:"data"`
	*CreditUsage    `json:"credit_usage,omitempty"`
}

// BulkFirmographics enriches up to MaxBatch businesses in one call.
func (c *Client) BulkFirmographics(ctx context.Context, req *BulkFirmographicsRequest) (*BulkFirmographicsResponse, error) {
	if err := checkBatch("bulk firmographics", len(req.BusinessIDs)); err != nil {
		return nil, err
	}
	var out BulkFirmographicsResponse
	if err := c.do(ctx, http.MethodPost, "/v1/businesses/firmographics/bulk_enrich", req, &out); err != nil {
		return nil, fmt.Errorf("bulk firmographics: %w", err)
	}
	return &out, nil
}

// Filter is one fetch filter: Values are OR-ed; filters are AND-ed.
type Filter struct {
	Values []string `json:"values,omitempty"`
	Value  any      `json:"value,omitempty"` // boolean and single-value filters
}

// FetchRequest is the body of POST /v1/businesses and POST /v1/prospects.
// Size caps the records across all pages; PageSize (at most MaxPageSize)
// the records of this page; Page starts at 1.
type FetchRequest struct {
	Mode     string            `json:"mode,omitempty"` // "full" or "preview"
	Size     int               `json:"size,omitempty"`
	PageSize int               `json:"page_size,omitempty"`
	Page     int               `json:"page,omitempty"`
	Filters  map[string]Filter `json:"filters"`
	Exclude  []string          `json:"exclude,omitempty"`
}

// Fetch limits Explorium documents.
const (
	MaxPageSize  = 100
	MaxFetchSize = 60000
)

func (r *FetchRequest) validate(op string) error {
	bad := func(msg string) error {
		return fmt.Errorf("explorium: %s: %w", op, &guard.APIError{Vendor: Vendor, Code: "invalid_request", Message: msg})
	}
	switch {
	case r.Filters == nil:
		return bad("filters are required")
	case r.Page < 0:
		return bad(fmt.Sprintf("page %d: pages start at 1", r.Page))
	case r.PageSize < 0 || r.PageSize > MaxPageSize:
		return bad(fmt.Sprintf("page_size %d: at most %d (MaxPageSize)", r.PageSize, MaxPageSize))
	case r.Size < 0 || r.Size > MaxFetchSize:
		return bad(fmt.Sprintf("size %d: at most %d (MaxFetchSize)", r.Size, MaxFetchSize))
	}
	return nil
}

// FetchedBusiness is one business of a fetch page.
type FetchedBusiness struct {
	BusinessID string `json:"business_id"`
	Domain     string `json:"domain"`
	Firmographics
}

// FetchBusinessesResponse is one page of FetchBusinesses.
type FetchBusinessesResponse struct {
	ResponseContext ResponseContext   `json:"response_context"`
	TotalResults    int               `json:"total_results"`
	Page            int               `json:"page"`
	TotalPages      int               `json:"total_pages"`
	Data            []FetchedBusiness `json:"data"`
	*CreditUsage    `json:"credit_usage,omitempty"`
}

// FetchBusinesses returns one page of the businesses matching req.Filters.
func (c *Client) FetchBusinesses(ctx context.Context, req *FetchRequest) (*FetchBusinessesResponse, error) {
	if err := req.validate("fetch businesses"); err != nil {
		return nil, err
	}
	var out FetchBusinessesResponse
	if err := c.do(ctx, http.MethodPost, "/v1/businesses", req, &out); err != nil {
		return nil, fmt.Errorf("fetch businesses: %w", err)
	}
	return &out, nil
}
