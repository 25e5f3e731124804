package vendors

import (
	"context"
	"fmt"

	"github.com/rtgs/sales-automation/integrations/anthropic"
	"github.com/rtgs/sales-automation/integrations/apollo"
	"github.com/rtgs/sales-automation/integrations/gemini"
	"github.com/rtgs/sales-automation/integrations/hubspot"
	"github.com/rtgs/sales-automation/integrations/lemlist"
)

// ProbeResult is what a connectivity probe learnt from the vendor.
type ProbeResult struct {
	Vendor string `json:"vendor"`
	Detail string `json:"detail"`
}

// Probe makes the cheapest authenticated read a vendor offers, through the
// vendor's guard, to check credentials, reachability and limits. It spends
// no enrichment credits (AI probes cost one token).
func (s *Set) Probe(ctx context.Context, vendor string) (ProbeResult, error) {
	r := ProbeResult{Vendor: vendor}
	switch vendor {
	case HubSpot:
		if s.HubSpot == nil {
			return r, fmt.Errorf("%s: %w", vendor, ErrNotConfigured)
		}
		page, err := s.HubSpot.Contacts.Search(ctx, hubspot.SearchRequest{Limit: 1})
		if err != nil {
			return r, err
		}
		r.Detail = fmt.Sprintf("%d contacts", page.Total)
	case Lemlist:
		if s.Lemlist == nil {
			return r, fmt.Errorf("%s: %w", vendor, ErrNotConfigured)
		}
		list, err := s.Lemlist.ListCampaigns(ctx, lemlist.ListCampaignsOptions{Limit: 1})
		if err != nil {
			return r, err
		}
		r.Detail = fmt.Sprintf("%d campaigns on the first page", len(list.Campaigns))
	case Explorium:
		if s.Explorium == nil {
			return r, fmt.Errorf("%s: %w", vendor, ErrNotConfigured)
		}
		if _, err := s.Explorium.Credits(ctx); err != nil {
			return r, err
		}
		r.Detail = "credits readable"
	case Apollo:
		if s.Apollo == nil {
			return r, fmt.Errorf("%s: %w", vendor, ErrNotConfigured)
		}
		res, err := s.Apollo.SearchPeople(ctx, &apollo.PeopleSearchRequest{Page: 1, PerPage: 1})
		if err != nil {
			return r, err
		}
		r.Detail = fmt.Sprintf("%d people searchable", res.TotalEntries)
	case Anthropic:
		if s.Anthropic == nil {
			return r, fmt.Errorf("%s: %w", vendor, ErrNotConfigured)
		}
		if _, err := s.Anthropic.Complete(ctx, anthropic.Request{Prompt: "ping", MaxTokens: 1}); err != nil {
			return r, err
		}
		r.Detail = "model answers"
	case Gemini:
		if s.Gemini == nil {
			return r, fmt.Errorf("%s: %w", vendor, ErrNotConfigured)
		}
		if _, err := s.Gemini.Complete(ctx, gemini.Request{Prompt: "ping", MaxTokens: 1}); err != nil {
			return r, err
		}
		r.Detail = "model answers"
	default:
		return r, fmt.Errorf("%s: %w", vendor, ErrNotConfigured)
	}
	return r, nil
}
