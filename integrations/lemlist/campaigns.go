package lemlist

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// MaxCampaignsLimit is the largest page of GET /campaigns.
const MaxCampaignsLimit = 100

// Campaign is one lemlist campaign as GET /campaigns?version=v2 lists it.
type Campaign struct {
	ID          string           `json:"_id"`
	Name        string           `json:"name"`
	Labels      []string         `json:"labels,omitempty"`
	CreatedAt   time.Time        `json:"createdAt"`
	CreatedBy   string           `json:"createdBy,omitempty"`
	Status      string           `json:"status,omitempty"` // running, paused, draft, ended, archived, errors
	SequenceID  string           `json:"sequenceId,omitempty"`
	ScheduleIDs []string         `json:"scheduleIds,omitempty"`
	TeamID      string           `json:"teamId,omitempty"`
	HasError    bool             `json:"hasError,omitempty"`
	Errors      []string         `json:"errors,omitempty"`
	Creator     *CampaignCreator `json:"creator,omitempty"`
	Senders     []CampaignSender `json:"senders,omitempty"`
}

// CampaignCreator is who created a campaign.
type CampaignCreator struct {
	UserID    string `json:"userId"`
	UserEmail string `json:"userEmail"`
}

// CampaignSender is one sender of a campaign.
type CampaignSender struct {
	ID                string `json:"id"`
	Email             string `json:"email"`
	SendUserMailboxID string `json:"sendUserMailboxId,omitempty"`
}

// ListCampaignsOptions filters and pages GET /campaigns. Zero values are
// left out of the query.
type ListCampaignsOptions struct {
	Status    string // running, draft, archived, ended, paused, errors
	CreatedBy string // usr_…
	SortBy    string // createdAt
	SortOrder string // asc or desc
	Limit     int    // at most MaxCampaignsLimit
	Offset    int
	Page      int // 1-based page of the v2 pagination
}

// Pagination is the paging information v2 adds to the campaign list, per
// lemlist's docs page; absent when lemlist answers a bare array.
type Pagination struct {
	TotalRecords int `json:"totalRecords"`
	CurrentPage  int `json:"currentPage"`
	NextPage     int `json:"nextPage"`
	TotalPage    int `json:"totalPage"`
}

// CampaignList is one page of campaigns. Pagination is nil when lemlist
// answered with a bare array (its OpenAPI schema) rather than
// {campaigns, pagination} (its docs page): the client accepts both.
type CampaignList struct {
	Campaigns  []Campaign  `json:"campaigns"`
	Pagination *Pagination `json:"pagination,omitempty"`
}

// UnmarshalJSON accepts both shapes of the v2 campaign list.
func (l *CampaignList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		l.Pagination = nil
		return json.Unmarshal(b, &l.Campaigns)
	}
	type plain CampaignList // without this method
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*l = CampaignList(p)
	return nil
}

// ListCampaigns lists one page of the account's campaigns.
func (c *Client) ListCampaigns(ctx context.Context, opts ListCampaignsOptions) (*CampaignList, error) {
	const op = "list campaigns"
	if opts.Limit < 0 || opts.Limit > MaxCampaignsLimit {
		return nil, invalid(op, "limit %d out of range 0..%d (MaxCampaignsLimit)", opts.Limit, MaxCampaignsLimit)
	}
	if opts.Offset < 0 || opts.Page < 0 {
		return nil, invalid(op, "negative offset %d or page %d", opts.Offset, opts.Page)
	}
	q := url.Values{"version": {"v2"}}
	setString(q, "status", opts.Status)
	setString(q, "createdBy", opts.CreatedBy)
	setString(q, "sortBy", opts.SortBy)
	setString(q, "sortOrder", opts.SortOrder)
	setInt(q, "limit", opts.Limit)
	setInt(q, "offset", opts.Offset)
	setInt(q, "page", opts.Page)

	var out CampaignList
	if err := c.do(ctx, http.MethodGet, "/campaigns", q, nil, &out); err != nil {
		return nil, wrap(op, err)
	}
	return &out, nil
}

func setString(q url.Values, key, v string) {
	if v != "" {
		q.Set(key, v)
	}
}

func setInt(q url.Values, key string, v int) {
	if v != 0 {
		q.Set(key, strconv.Itoa(v))
	}
}
