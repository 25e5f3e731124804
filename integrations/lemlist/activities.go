package lemlist

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// MaxActivitiesLimit is the largest page of GET /activities.
const MaxActivitiesLimit = 100

// Activity is one event of a campaign (an email sent, opened, replied, a
// LinkedIn invite accepted, …). Webhooks deliver the same record, with the
// hook's secret echoed in Secret.
type Activity struct {
	ID                string      `json:"_id"`
	Type              string      `json:"type"`
	CreatedAt         time.Time   `json:"createdAt"`
	TeamID            string      `json:"teamId,omitempty"`
	CampaignID        string      `json:"campaignId,omitempty"`
	CampaignName      string      `json:"campaignName,omitempty"`
	SequenceID        string      `json:"sequenceId,omitempty"`
	StepID            string      `json:"stepId,omitempty"`
	SequenceStep      int         `json:"sequenceStep"` // 0-based
	TotalSequenceStep int         `json:"totalSequenceStep,omitempty"`
	IsFirst           bool        `json:"isFirst,omitempty"`
	LeadID            string      `json:"leadId,omitempty"`
	ContactID         string      `json:"contactId,omitempty"`
	LeadEmail         string      `json:"leadEmail,omitempty"`
	LeadFirstName     string      `json:"leadFirstName,omitempty"`
	LeadLastName      string      `json:"leadLastName,omitempty"`
	SendUserID        string      `json:"sendUserId,omitempty"`
	SendUserEmail     string      `json:"sendUserEmail,omitempty"`
	SendUserName      string      `json:"sendUserName,omitempty"`
	Subject           string      `json:"subject,omitempty"`
	To                []Recipient `json:"to,omitempty"`
	CC                []Recipient `json:"cc,omitempty"`
	BCC               []Recipient `json:"bcc,omitempty"`
	IsThirdPartyReply bool        `json:"isThirdPartyReply,omitempty"`
	Lead              *Lead       `json:"lead,omitempty"`
	Secret            string      `json:"secret,omitempty"` // webhook deliveries only
}

// Recipient is one address of an email activity.
type Recipient struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
}

// ListActivitiesOptions filters and pages GET /activities. Zero values are
// left out of the query.
type ListActivitiesOptions struct {
	Type       string // e.g. emailsReplied
	CampaignID string
	LeadID     string
	IsFirst    *bool
	MinDate    time.Time // sent as ISO-8601; lemlist also accepts unix seconds
	MaxDate    time.Time
	Offset     int
	Limit      int // at most MaxActivitiesLimit; 0 means lemlist's default (100)
}

func (o ListActivitiesOptions) query() url.Values {
	q := url.Values{"version": {"v2"}}
	setString(q, "type", o.Type)
	setString(q, "campaignId", o.CampaignID)
	setString(q, "leadId", o.LeadID)
	if o.IsFirst != nil {
		q.Set("isFirst", strconv.FormatBool(*o.IsFirst))
	}
	if !o.MinDate.IsZero() {
		q.Set("minDate", o.MinDate.UTC().Format(time.RFC3339Nano))
	}
	if !o.MaxDate.IsZero() {
		q.Set("maxDate", o.MaxDate.UTC().Format(time.RFC3339Nano))
	}
	setInt(q, "offset", o.Offset)
	setInt(q, "limit", o.Limit)
	return q
}

// ListActivities lists one page of activities (GET /activities?version=v2).
func (c *Client) ListActivities(ctx context.Context, opts ListActivitiesOptions) ([]Activity, error) {
	const op = "list activities"
	if opts.Limit < 0 || opts.Limit > MaxActivitiesLimit {
		return nil, invalid(op, "limit %d out of range 0..%d (MaxActivitiesLimit)", opts.Limit, MaxActivitiesLimit)
	}
	if opts.Offset < 0 {
		return nil, invalid(op, "negative offset %d", opts.Offset)
	}
	var out []Activity
	if err := c.do(ctx, http.MethodGet, "/activities", opts.query(), nil, &out); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// Activities iterates over every activity matching opts from opts.Offset on,
// a page of opts.Limit (default MaxActivitiesLimit) at a time, stepping the
// offset by the page size as lemlist's paging is offset-based. It stops at
// the first short page or at the first error, which it yields. Activities
// recorded while iterating can shift the pages, so consumers must be
// idempotent on Activity.ID.
func (c *Client) Activities(ctx context.Context, opts ListActivitiesOptions) iter.Seq2[Activity, error] {
	return func(yield func(Activity, error) bool) {
		if opts.Limit == 0 {
			opts.Limit = MaxActivitiesLimit
		}
		for {
			page, err := c.ListActivities(ctx, opts)
			if err != nil {
				yield(Activity{}, err)
				return
			}
			for _, a := range page {
				if !yield(a, nil) {
					return
				}
			}
			if len(page) < opts.Limit {
				return
			}
			opts.Offset += len(page)
		}
	}
}
