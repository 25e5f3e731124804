package explorium

import (
	"context"
	"fmt"
	"net/http"
)

// CreditsSummary is the account's credit balance.
type CreditsSummary struct {
	ResponseContext  ResponseContext `json:"response_context"`
	AllocatedCredits int64           `json:"allocated_credits"`
	RemainingCredits int64           `json:"remaining_credits"`
}

// Credits returns the allocated and remaining credits of the account. It
// costs nothing; the enrichment waterfall reads it to stop before Explorium
// starts answering 403.
func (c *Client) Credits(ctx context.Context) (*CreditsSummary, error) {
	var out CreditsSummary
	if err := c.do(ctx, http.MethodGet, "/v1/credits", nil, &out); err != nil {
		return nil, fmt.Errorf("credits: %w", err)
	}
	return &out, nil
}
