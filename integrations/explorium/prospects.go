package explorium

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// ProspectInput is one person to match: an email, a phone number, a
// LinkedIn URL, or a full name with a company name; BusinessID narrows the
// match to one company.
type ProspectInput struct {
	BusinessID  string `json:"business_id,omitempty"`
	FullName    string `json:"full_name,omitempty"`
	CompanyName string `json:"company_name,omitempty"`
	Email       string `json:"email,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	LinkedIn    string `json:"linkedin,omitempty"`
}

// MatchProspectsRequest is the body of POST /v1/prospects/match.
type MatchProspectsRequest struct {
	ProspectsToMatch []ProspectInput `json:"prospects_to_match"`
}

// MatchedProspect is the answer for one input, in input order. ProspectID
// is empty when Explorium found no match (it sends null).
type MatchedProspect struct {
	Input      ProspectInput `json:"input"`
	ProspectID string        `json:"prospect_id"`
}

// Matched reports whether Explorium found the person.
func (m MatchedProspect) Matched() bool { return m.ProspectID != "" }

// MatchProspectsResponse is the answer of MatchProspects.
type MatchProspectsResponse struct {
	ResponseContext  ResponseContext   `json:"response_context"`
	TotalResults     int               `json:"total_results"`
	TotalMatches     int               `json:"total_matches"`
	MatchedProspects []MatchedProspect `json:"matched_prospects"`
	*CreditUsage     `json:"credit_usage,omitempty"`
}

// MatchProspects resolves up to MaxBatch people to Explorium prospect ids.
// The answer has one entry per input, in the same order.
func (c *Client) MatchProspects(ctx context.Context, req *MatchProspectsRequest) (*MatchProspectsResponse, error) {
	if err := checkBatch("match prospects", len(req.ProspectsToMatch)); err != nil {
		return nil, err
	}
	var out MatchProspectsResponse
	if err := c.do(ctx, http.MethodPost, "/v1/prospects/match", req, &out); err != nil {
		return nil, fmt.Errorf("match prospects: %w", err)
	}
	if len(out.MatchedProspects) != len(req.ProspectsToMatch) {
		return nil, fmt.Errorf("match prospects: %w", &guard.TransientError{Vendor: Vendor, Status: http.StatusOK,
			Err: fmt.Errorf("%d results for %d inputs", len(out.MatchedProspects), len(req.ProspectsToMatch))})
	}
	return &out, nil
}

// Contact types of a contacts_information call. Email alone costs 2
// credits per prospect, phone alone or both 5.
const (
	ContactEmail = "email"
	ContactPhone = "phone"
)

// ContactsParameters selects what contacts_information returns.
type ContactsParameters struct {
	ContactTypes []string `json:"contact_types,omitempty"`
}

// BulkContactsRequest is the body of
// POST /v1/prospects/contacts_information/bulk_enrich.
type BulkContactsRequest struct {
	ProspectIDs []string            `json:"prospect_ids"`
	Parameters  *ContactsParameters `json:"parameters,omitempty"`
}

// Email is one address of a prospect; Type is personal, professional or
// current_professional.
type Email struct {
	Address string `json:"address"`
	Type    string `json:"type"`
}

// Phone is one phone number of a prospect.
type Phone struct {
	PhoneNumber string `json:"phone_number"`
}

// Contacts is a prospect's contact information.
type Contacts struct {
	Emails []Email `json:"emails"`
	// ProfessionsEmail is Explorium's spelling of the professional email.
	ProfessionsEmail        string  `json:"professions_email"`
	ProfessionalEmailStatus string  `json:"professional_email_status"` // valid, catch-all or invalid
	PhoneNumbers            []Phone `json:"phone_numbers"`
	MobilePhone             string  `json:"mobile_phone"`
}

// ProspectContacts is one prospect of a bulk contacts answer.
type ProspectContacts struct {
	ProspectID string    `json:"prospect_id"`
	Data       *Contacts `json:"data"`
}

// BulkContactsResponse is the answer of BulkContacts.
type BulkContactsResponse struct {
	ResponseContext ResponseContext    `json:"response_context"`
	TotalResults    int                `json:"total_results"`
	Data            []ProspectContacts `json:"data"`
	*CreditUsage    `json:"credit_usage,omitempty"`
}

// BulkContacts returns emails and phones of up to MaxBatch prospects.
func (c *Client) BulkContacts(ctx context.Context, req *BulkContactsRequest) (*BulkContactsResponse, error) {
	if err := checkBatch("bulk contacts", len(req.ProspectIDs)); err != nil {
		return nil, err
	}
	var out BulkContactsResponse
	if err := c.do(ctx, http.MethodPost, "/v1/prospects/contacts_information/bulk_enrich", req, &out); err != nil {
		return nil, fmt.Errorf("bulk contacts: %w", err)
	}
	return &out, nil
}

// Profile is a prospect's professional profile.
type Profile struct {
	FullName          string          `json:"full_name"`
	CountryName       string          `json:"country_name"`
	RegionName        string          `json:"region_name"`
	City              string          `json:"city"`
	LinkedIn          string          `json:"linkedin"`
	Experience        json.RawMessage `json:"experience,omitempty"`
	Skills            []string        `json:"skills"`
	Interests         []string        `json:"interests"`
	Education         json.RawMessage `json:"education,omitempty"`
	AgeGroup          string          `json:"age_group"`
	Gender            string          `json:"gender"`
	CompanyName       string          `json:"company_name"`
	CompanyWebsite    string          `json:"company_website"`
	CompanyLinkedIn   string          `json:"company_linkedin"`
	JobTitle          string          `json:"job_title"`
	JobDepartment     string          `json:"job_department"`
	JobDepartmentMain string          `json:"job_department_main"`
	JobSeniorityLevel json.RawMessage `json:"job_seniority_level,omitempty"` // a string or a list, by record
	JobLevelMain      string          `json:"job_level_main"`
}

// BulkProfilesRequest is the body of POST /v1/prospects/profiles/bulk_enrich.
type BulkProfilesRequest struct {
	ProspectIDs []string `json:"prospect_ids"`
}

// ProspectProfile is one prospect of a bulk profiles answer.
type ProspectProfile struct {
	ProspectID string   `json:"prospect_id"`
	Data       *Profile `json:"data"`
}

// BulkProfilesResponse is the answer of BulkProfiles.
type BulkProfilesResponse struct {
	ResponseContext ResponseContext   `json:"response_context"`
	TotalResults    int               `json:"total_results"`
	Data            []ProspectProfile `json:"data"`
	*CreditUsage    `json:"credit_usage,omitempty"`
}

// BulkProfiles returns the profiles of up to MaxBatch prospects.
func (c *Client) BulkProfiles(ctx context.Context, req *BulkProfilesRequest) (*BulkProfilesResponse, error) {
	if err := checkBatch("bulk profiles", len(req.ProspectIDs)); err != nil {
		return nil, err
	}
	var out BulkProfilesResponse
	if err := c.do(ctx, http.MethodPost, "/v1/prospects/profiles/bulk_enrich", req, &out); err != nil {
		return nil, fmt.Errorf("bulk profiles: %w", err)
	}
	return &out, nil
}

// FetchedProspect is one person of a fetch page.
type FetchedProspect struct {
	ProspectID  string `json:"prospect_id"`
	BusinessID  string `json:"business_id"`
	FullName    string `json:"full_name"`
	JobTitle    string `json:"job_title"`
	CompanyName string `json:"company_name"`
	CountryName string `json:"country_name"`
	LinkedIn    string `json:"linkedin"`
}

// FetchProspectsResponse is one page of FetchProspects.
type FetchProspectsResponse struct {
	ResponseContext ResponseContext   `json:"response_context"`
	TotalResults    int               `json:"total_results"`
	Page            int               `json:"page"`
	TotalPages      int               `json:"total_pages"`
	Data            []FetchedProspect `json:"data"`
	*CreditUsage    `json:"credit_usage,omitempty"`
}

// FetchProspects returns one page of the people matching req.Filters.
func (c *Client) FetchProspects(ctx context.Context, req *FetchRequest) (*FetchProspectsResponse, error) {
	if err := req.validate("fetch prospects"); err != nil {
		return nil, err
	}
	var out FetchProspectsResponse
	if err := c.do(ctx, http.MethodPost, "/v1/prospects", req, &out); err != nil {
		return nil, fmt.Errorf("fetch prospects: %w", err)
	}
	return &out, nil
}
