package lemlist

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// AddLeadRequest is the body of POST /campaigns/{campaignId}/leads/. Email
// or LinkedinURL is required (a LinkedIn-only lead has no email). Variables
// are the lead's custom variables: lemlist takes any extra key of the body
// as one, so they are sent beside the predefined fields.
type AddLeadRequest struct {
	Email         string
	FirstName     string
	LastName      string
	CompanyName   string
	CompanyDomain string
	JobTitle      string
	LinkedinURL   string
	Picture       string
	Phone         string
	Icebreaker    string
	Timezone      string // IANA name, e.g. Europe/Paris
	ContactOwner  string // user id or login email
	Variables     map[string]string
}

// leadFields maps the predefined body keys to their values; custom
// variables may not reuse these names.
func (r AddLeadRequest) leadFields() map[string]string {
	return map[string]string{
		"email": r.Email, "firstName": r.FirstName, "lastName": r.LastName,
		"companyName": r.CompanyName, "companyDomain": r.CompanyDomain,
		"jobTitle": r.JobTitle, "linkedinUrl": r.LinkedinURL, "picture": r.Picture,
		"phone": r.Phone, "icebreaker": r.Icebreaker, "timezone": r.Timezone,
		"contactOwner": r.ContactOwner,
	}
}

// MarshalJSON writes the predefined fields that are set and the custom
// variables as extra keys of one flat object.
func (r AddLeadRequest) MarshalJSON() ([]byte, error) {
	body := make(map[string]string, len(r.Variables)+12)
	for k, v := range r.Variables {
		body[k] = v
	}
	for k, v := range r.leadFields() {
		if v != "" {
			body[k] = v
		}
	}
	return json.Marshal(body)
}

// AddLeadOptions are the query flags of adding a lead; all default to false
// and only those set are sent.
type AddLeadOptions struct {
	// Deduplicate skips the lead when its email is already in another
	// campaign of the team.
	Deduplicate        bool
	LinkedinEnrichment bool
	FindEmail          bool
	VerifyEmail        bool
	FindPhone          bool
}

func (o AddLeadOptions) query() url.Values {
	q := url.Values{}
	for k, on := range map[string]bool{
		"deduplicate": o.Deduplicate, "linkedinEnrichment": o.LinkedinEnrichment,
		"findEmail": o.FindEmail, "verifyEmail": o.VerifyEmail, "findPhone": o.FindPhone,
	} {
		if on {
			q.Set(k, "true")
		}
	}
	return q
}

// Lead is a lead in a campaign as lemlist answers an add. Variables holds
// every key of the answer that is not one of the fields below (the custom
// variables).
type Lead struct {
	ID            string         `json:"_id"`
	CampaignID    string         `json:"campaignId"`
	CampaignName  string         `json:"campaignName"`
	ContactID     string         `json:"contactId"`
	Email         string         `json:"email"`
	FirstName     string         `json:"firstName"`
	LastName      string         `json:"lastName"`
	CompanyName   string         `json:"companyName"`
	CompanyDomain string         `json:"companyDomain"`
	JobTitle      string         `json:"jobTitle"`
	LinkedinURL   string         `json:"linkedinUrl"`
	Picture       string         `json:"picture"`
	Phone         string         `json:"phone"`
	Icebreaker    string         `json:"icebreaker"`
	Timezone      string         `json:"timezone"`
	LeadURL       string         `json:"leadUrl"`
	IsPaused      bool           `json:"isPaused"`
	Variables     map[string]any `json:"-"`
}

// UnmarshalJSON decodes the known fields and keeps the rest as Variables.
func (l *Lead) UnmarshalJSON(b []byte) error {
	type plain Lead
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var all map[string]any
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	for _, k := range []string{"_id", "campaignId", "campaignName", "contactId", "email", "firstName", "lastName",
		"companyName", "companyDomain", "jobTitle", "linkedinUrl", "picture", "phone", "icebreaker",
		"timezone", "leadUrl", "isPaused"} {
		delete(all, k)
	}
	*l = Lead(p)
	if len(all) > 0 {
		l.Variables = all
	}
	return nil
}

// LeadRef is what lemlist answers to unsubscribing or removing a lead.
type LeadRef struct {
	ID    string `json:"_id"`
	Email string `json:"email"`
}

// AddLead adds a lead to a campaign, creating it when the team does not have
// it yet. Re-adding an email already in the campaign is not documented by
// lemlist; the simulator refuses it with a 400 "already" message, which
// IsLeadExists recognises, and callers treat that as done.
func (c *Client) AddLead(ctx context.Context, campaignID string, lead AddLeadRequest, opts AddLeadOptions) (*Lead, error) {
	const op = "add lead"
	if strings.TrimSpace(campaignID) == "" {
		return nil, invalid(op, "campaign id is empty")
	}
	if strings.TrimSpace(lead.Email) == "" && strings.TrimSpace(lead.LinkedinURL) == "" {
		return nil, invalid(op, "email or linkedinUrl is required")
	}
	fields := lead.leadFields()
	for k := range lead.Variables {
		if _, clash := fields[k]; clash || k == "" {
			return nil, invalid(op, "custom variable %q clashes with a lead field", k)
		}
	}
	var out Lead
	path := "/campaigns/" + url.PathEscape(campaignID) + "/leads/"
	if err := c.do(ctx, http.MethodPost, path, opts.query(), lead, &out); err != nil {
		return nil, wrap(op, err)
	}
	return &out, nil
}

// FoundLead is one of the leads lemlist holds for an address, one per
// campaign (GET /leads/{email}?version=v2).
type FoundLead struct {
	ID        string `json:"_id"`
	ContactID string `json:"contactId"`
	Status    string `json:"status"`
	IsPaused  bool   `json:"isPaused"`
	Campaign  struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"campaign"`
}

// LeadsByEmail returns the leads lemlist holds for email, one per campaign
// (GET /leads/{email}?version=v2). An address lemlist does not know is a
// not-found error; see IsNotFound.
func (c *Client) LeadsByEmail(ctx context.Context, email string) ([]FoundLead, error) {
	const op = "get leads by email"
	if strings.TrimSpace(email) == "" {
		return nil, invalid(op, "email is empty")
	}
	var out []FoundLead
	if err := c.do(ctx, http.MethodGet, "/leads/"+url.PathEscape(email), url.Values{"version": {"v2"}}, nil, &out); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// UnsubscribeLead unsubscribes the lead with email from campaignID
// (DELETE /campaigns/{campaignId}/leads/{email}); lemlist then stops it in
// every campaign it belongs to.
func (c *Client) UnsubscribeLead(ctx context.Context, campaignID, email string) (*LeadRef, error) {
	return c.deleteLead(ctx, "unsubscribe lead", campaignID, email, nil)
}

// DeleteLead removes a lead and its statistics from campaignID
// (DELETE /campaigns/{campaignId}/leads/{leadId}?action=remove). lemlist's
// current docs take the lead id, its legacy docs the email; both work.
func (c *Client) DeleteLead(ctx context.Context, campaignID, leadIDOrEmail string) (*LeadRef, error) {
	return c.deleteLead(ctx, "delete lead", campaignID, leadIDOrEmail, url.Values{"action": {"remove"}})
}

func (c *Client) deleteLead(ctx context.Context, op, campaignID, lead string, q url.Values) (*LeadRef, error) {
	if strings.TrimSpace(campaignID) == "" || strings.TrimSpace(lead) == "" {
		return nil, invalid(op, "campaign id and lead are required")
	}
	var out LeadRef
	path := "/campaigns/" + url.PathEscape(campaignID) + "/leads/" + url.PathEscape(lead)
	if err := c.do(ctx, http.MethodDelete, path, q, nil, &out); err != nil {
		return nil, wrap(op, err)
	}
	return &out, nil
}
