package lemlist

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// CreateCampaignRequest is the body of POST /campaigns. Both fields are
// optional: lemlist names an unnamed campaign itself and times its
// schedule in Europe/Paris when no Timezone (IANA) is given.
type CreateCampaignRequest struct {
	Name     string `json:"name,omitempty"`
	Timezone string `json:"timezone,omitempty"`
}

// CreatedCampaign is lemlist's answer to creating a campaign: the ids of
// the campaign and of the empty sequence and default schedule it made.
type CreatedCampaign struct {
	ID          string    `json:"_id"`
	Name        string    `json:"name"`
	SequenceID  string    `json:"sequenceId"`
	ScheduleIDs []string  `json:"scheduleIds"`
	TeamID      string    `json:"teamId"`
	CreatedBy   string    `json:"createdBy"`
	CreatedAt   time.Time `json:"createdAt"`
	State       string    `json:"state"` // lemlist creates campaigns running
}

// CampaignState is lemlist's answer to pausing or starting a campaign.
type CampaignState struct {
	ID    string `json:"_id"`
	State string `json:"state"`
}

// CreateCampaign creates a campaign (POST /campaigns). lemlist has no
// idempotency key: a caller that may repeat the call after a crash must
// record the id it gets at once and not call again once one is recorded.
func (c *Client) CreateCampaign(ctx context.Context, req CreateCampaignRequest) (*CreatedCampaign, error) {
	const op = "create campaign"
	var out CreatedCampaign
	if err := c.do(ctx, http.MethodPost, "/campaigns", nil, req, &out); err != nil {
		return nil, wrap(op, err)
	}
	if out.ID == "" {
		return nil, wrap(op, &guard.TransientError{Vendor: Vendor, Status: http.StatusOK, Err: errors.New("answer without _id")})
	}
	return &out, nil
}

// PauseCampaign pauses a running campaign (POST /campaigns/{id}/pause);
// lemlist does nothing to one that is not running.
func (c *Client) PauseCampaign(ctx context.Context, campaignID string) (*CampaignState, error) {
	return c.campaignState(ctx, "pause campaign", campaignID, "pause")
}

// StartCampaign starts (resumes) a campaign (POST /campaigns/{id}/start).
// lemlist refuses to start a running campaign with a 400; that is the
// state asked for, so it is answered as success with State "running".
func (c *Client) StartCampaign(ctx context.Context, campaignID string) (*CampaignState, error) {
	out, err := c.campaignState(ctx, "start campaign", campaignID, "start")
	var ae *guard.APIError
	if errors.As(err, &ae) && strings.Contains(strings.ToLower(ae.Message), "already running") {
		return &CampaignState{ID: campaignID, State: "running"}, nil
	}
	return out, err
}

func (c *Client) campaignState(ctx context.Context, op, campaignID, verb string) (*CampaignState, error) {
	if strings.TrimSpace(campaignID) == "" {
		return nil, invalid(op, "campaign id is empty")
	}
	var out CampaignState
	if err := c.do(ctx, http.MethodPost, "/campaigns/"+url.PathEscape(campaignID)+"/"+verb, nil, nil, &out); err != nil {
		return nil, wrap(op, err)
	}
	return &out, nil
}

// PauseLead pauses a lead (POST /leads/pause/{leadIdOrEmail}) in
// campaignID, or in every campaign it is in when campaignID is empty, and
// returns the leads paused. An unknown lead is lemlist's 404 (IsNotFound).
func (c *Client) PauseLead(ctx context.Context, leadIDOrEmail, campaignID string) ([]Lead, error) {
	return c.leadState(ctx, "pause lead", "pause", leadIDOrEmail, campaignID)
}

// StartLead resumes a paused lead (POST /leads/start/{leadIdOrEmail}), as
// PauseLead pauses it.
func (c *Client) StartLead(ctx context.Context, leadIDOrEmail, campaignID string) ([]Lead, error) {
	return c.leadState(ctx, "resume lead", "start", leadIDOrEmail, campaignID)
}

func (c *Client) leadState(ctx context.Context, op, verb, lead, campaignID string) ([]Lead, error) {
	if strings.TrimSpace(lead) == "" {
		return nil, invalid(op, "lead id or email is empty")
	}
	var q url.Values
	if campaignID != "" {
		q = url.Values{"campaignId": {campaignID}}
	}
	var out []Lead
	if err := c.do(ctx, http.MethodPost, "/leads/"+verb+"/"+url.PathEscape(lead), q, nil, &out); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}
