package lemlist

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Unsubscribe is lemlist's record of a global unsubscribe. The legacy
// endpoint answers {_id, email}; the v2 variables endpoint answers the
// record with its value, so both are kept.
type Unsubscribe struct {
	ID        string    `json:"_id"`
	Email     string    `json:"email,omitempty"`
	Value     string    `json:"value,omitempty"`
	Type      string    `json:"type,omitempty"` // v2: email or domain
	CreatedAt time.Time `json:"createdAt,omitzero"`
}

// Unsubscribe adds an email address or a whole domain to the team's global
// unsubscribe list, so no campaign contacts it again. It calls the legacy
// POST /unsubscribes/{emailOrDomain} or the v2
// POST /v2/unsubscribes/variables/{value} as Config.UnsubscribeAPI says;
// both are safe to repeat.
func (c *Client) Unsubscribe(ctx context.Context, emailOrDomain string) (*Unsubscribe, error) {
	const op = "unsubscribe"
	v := strings.TrimSpace(emailOrDomain)
	if v == "" || strings.ContainsAny(v, "/?# ") {
		return nil, invalid(op, "%q is not an email address or a domain", emailOrDomain)
	}
	path := "/unsubscribes/" + url.PathEscape(v)
	if c.unsubscribe == UnsubscribeV2 {
		path = "/v2/unsubscribes/variables/" + url.PathEscape(v)
	}
	var out Unsubscribe
	if err := c.do(ctx, http.MethodPost, path, nil, nil, &out); err != nil {
		return nil, wrap(op, err)
	}
	return &out, nil
}
