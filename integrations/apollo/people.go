package apollo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// PersonDetails identifies one person to enrich. Apollo needs an email, a
// hashed email, a LinkedIn URL, an Apollo id, or a name with a company
// domain or name; a name alone is answered with no person.
type PersonDetails struct {
	FirstName        string `json:"first_name,omitempty"`
	LastName         string `json:"last_name,omitempty"`
	Name             string `json:"name,omitempty"`
	Email            string `json:"email,omitempty"`
	HashedEmail      string `json:"hashed_email,omitempty"` // MD5 or SHA-256
	OrganizationName string `json:"organization_name,omitempty"`
	Domain           string `json:"domain,omitempty"`
	ID               string `json:"id,omitempty"`
	LinkedInURL      string `json:"linkedin_url,omitempty"`
}

// Reveal asks for data that costs extra. Phones arrive later, at
// WebhookURL, which Apollo requires whenever RevealPhoneNumber is set.
type Reveal struct {
	RevealPersonalEmails bool   `json:"reveal_personal_emails,omitempty"`
	RevealPhoneNumber    bool   `json:"reveal_phone_number,omitempty"`
	WebhookURL           string `json:"webhook_url,omitempty"`
	RunWaterfallEmail    bool   `json:"run_waterfall_email,omitempty"`
	RunWaterfallPhone    bool   `json:"run_waterfall_phone,omitempty"`
}

// PersonMatchRequest is the body of POST /people/match.
type PersonMatchRequest struct {
	PersonDetails
	Reveal
}

// PhoneNumber is one phone of a person.
type PhoneNumber struct {
	RawNumber       string `json:"raw_number"`
	SanitizedNumber string `json:"sanitized_number"`
	Type            string `json:"type"` // mobile, work_direct, work_hq, other
}

// Employment is one position of a person's history.
type Employment struct {
	OrganizationName string `json:"organization_name"`
	Title            string `json:"title"`
	StartDate        string `json:"start_date"`
	EndDate          string `json:"end_date"`
	Current          bool   `json:"current"`
}

// Person is an enriched person.
type Person struct {
	ID                string        `json:"id"`
	FirstName         string        `json:"first_name"`
	LastName          string        `json:"last_name"`
	Name              string        `json:"name"`
	LinkedInURL       string        `json:"linkedin_url"`
	Title             string        `json:"title"`
	Headline          string        `json:"headline"`
	Seniority         string        `json:"seniority"`
	Departments       []string      `json:"departments"`
	Email             string        `json:"email"`
	EmailStatus       string        `json:"email_status"` // verified, extrapolated, unavailable, …
	PersonalEmails    []string      `json:"personal_emails"`
	PhoneNumbers      []PhoneNumber `json:"phone_numbers"`
	City              string        `json:"city"`
	State             string        `json:"state"`
	Country           string        `json:"country"`
	OrganizationID    string        `json:"organization_id"`
	EmploymentHistory []Employment  `json:"employment_history"`
	Organization      *Organization `json:"organization"`
}

// credits estimates what enriching p cost: Apollo reports no cost on single
// matches, and documents 1 credit for a person plus 8 when a mobile phone
// comes back.
func (p *Person) credits() int64 {
	if p == nil {
		return 0
	}
	n := int64(1)
	for _, ph := range p.PhoneNumbers {
		if ph.Type == "mobile" {
			return n + 8
		}
	}
	return n
}

// PersonMatchResponse is the answer of MatchPerson. Person is nil when
// Apollo found no one or had too little to go on.
type PersonMatchResponse struct {
	Person *Person `json:"person"`
}

// MatchPerson enriches one person.
func (c *Client) MatchPerson(ctx context.Context, req *PersonMatchRequest) (*PersonMatchResponse, error) {
	if req.RevealPhoneNumber && req.WebhookURL == "" {
		return nil, invalid("match person", "webhook_url_required", "reveal_phone_number needs a webhook_url")
	}
	var out PersonMatchResponse
	if err := c.do(ctx, BucketEnrichment, http.MethodPost, "/people/match", nil, req, &out); err != nil {
		return nil, fmt.Errorf("match person: %w", err)
	}
	c.recordCredits(BucketEnrichment, out.Person.credits())
	return &out, nil
}

// BulkMatchRequest enriches up to MaxBulk people. The reveal flags apply to
// all of them and travel as query parameters, as Apollo documents them.
type BulkMatchRequest struct {
	Details []PersonDetails `json:"details"`
	Reveal  `json:"-"`
}

// BulkMatchResponse is the answer of BulkMatchPeople. Matches has one entry
// per detail, in order, nil where Apollo found no one.
type BulkMatchResponse struct {
	Status                    string      `json:"status"`
	Matches                   []*Person   `json:"matches"`
	TotalRequestedEnrichments int         `json:"total_requested_enrichments"`
	UniqueEnrichedRecords     int         `json:"unique_enriched_records"`
	MissingRecords            int         `json:"missing_records"`
	CreditsConsumed           json.Number `json:"credits_consumed"`
}

// BulkMatchPeople enriches up to MaxBulk people in one call.
func (c *Client) BulkMatchPeople(ctx context.Context, req *BulkMatchRequest) (*BulkMatchResponse, error) {
	if err := checkBulk("bulk match people", len(req.Details)); err != nil {
		return nil, err
	}
	if req.RevealPhoneNumber && req.WebhookURL == "" {
		return nil, invalid("bulk match people", "webhook_url_required", "reveal_phone_number needs a webhook_url")
	}
	var out BulkMatchResponse
	if err := c.do(ctx, BucketEnrichment, http.MethodPost, "/people/bulk_match", req.Reveal.query(), req, &out); err != nil {
		return nil, fmt.Errorf("bulk match people: %w", err)
	}
	// Callers pair matches with details by position.
	if len(out.Matches) != len(req.Details) {
		return nil, fmt.Errorf("bulk match people: %w", &guard.TransientError{Vendor: Vendor, Status: http.StatusOK,
			Err: fmt.Errorf("%d matches for %d details", len(out.Matches), len(req.Details))})
	}
	if f, err := out.CreditsConsumed.Float64(); err == nil {
		c.recordCredits(BucketEnrichment, int64(f+0.5))
	} else {
		var n int64
		for _, p := range out.Matches {
			n += p.credits()
		}
		c.recordCredits(BucketEnrichment, n)
	}
	return &out, nil
}

func (r Reveal) query() url.Values {
	q := url.Values{}
	set := func(k string, v bool) {
		if v {
			q.Set(k, strconv.FormatBool(v))
		}
	}
	set("reveal_personal_emails", r.RevealPersonalEmails)
	set("reveal_phone_number", r.RevealPhoneNumber)
	set("run_waterfall_email", r.RunWaterfallEmail)
	set("run_waterfall_phone", r.RunWaterfallPhone)
	if r.WebhookURL != "" {
		q.Set("webhook_url", r.WebhookURL)
	}
	return q
}
