package lemlist

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Hook is a webhook registered with lemlist. The secret is never returned
// by lemlist once set.
type Hook struct {
	ID         string    `json:"_id"`
	TargetURL  string    `json:"targetUrl"`
	Type       string    `json:"type,omitempty"` // empty: every event
	CampaignID string    `json:"campaignId,omitempty"`
	IsFirst    bool      `json:"isFirst,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
}

// CreateHookRequest is the body of POST /hooks. lemlist's spec lists
// campaignId and isFirst as query parameters while its docs put them in the
// body; the client sends the body form, which the docs' examples use.
type CreateHookRequest struct {
	TargetURL string `json:"targetUrl"`
	// Type limits the hook to one event type (emailsReplied, linkedinReplied,
	// …); empty subscribes to every event.
	Type string `json:"type,omitempty"`
	// Secret is echoed in every delivery's body: lemlist signs nothing, so it
	// is the only proof a delivery comes from lemlist.
	Secret     string `json:"secret,omitempty"`
	CampaignID string `json:"campaignId,omitempty"`
	IsFirst    bool   `json:"isFirst,omitempty"`
}

// CreateHook registers a webhook.
func (c *Client) CreateHook(ctx context.Context, req CreateHookRequest) (*Hook, error) {
	const op = "create hook"
	u, err := url.Parse(req.TargetURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, invalid(op, "targetUrl %q is not an absolute http(s) URL", req.TargetURL)
	}
	var out Hook
	if err := c.do(ctx, http.MethodPost, "/hooks", nil, req, &out); err != nil {
		return nil, wrap(op, err)
	}
	return &out, nil
}

// ListHooks lists the team's webhooks.
func (c *Client) ListHooks(ctx context.Context) ([]Hook, error) {
	var out []Hook
	if err := c.do(ctx, http.MethodGet, "/hooks", nil, nil, &out); err != nil {
		return nil, wrap("list hooks", err)
	}
	return out, nil
}

// DeleteHook deletes a webhook and returns it as it was.
func (c *Client) DeleteHook(ctx context.Context, hookID string) (*Hook, error) {
	const op = "delete hook"
	if strings.TrimSpace(hookID) == "" {
		return nil, invalid(op, "hook id is empty")
	}
	var out Hook
	if err := c.do(ctx, http.MethodDelete, "/hooks/"+url.PathEscape(hookID), nil, nil, &out); err != nil {
		return nil, wrap(op, err)
	}
	return &out, nil
}
