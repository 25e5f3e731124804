package hubspot

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"strconv"
)

// Search limits: page size, and the result window one query can page
// through (HubSpot answers 400 beyond it). Filter limits since 2024-08-26:
// groups (OR'd), filters per group (AND'd), filters in all.
const (
	MaxSearchLimit  = 200
	SearchCap       = 10000
	MaxFilterGroups = 5
	MaxGroupFilters = 10
	MaxFilters      = 25
)

// Search operators.
const (
	OpEQ               = "EQ"
	OpNEQ              = "NEQ"
	OpLT               = "LT"
	OpLTE              = "LTE"
	OpGT               = "GT"
	OpGTE              = "GTE"
	OpBetween          = "BETWEEN" // Value and HighValue
	OpIn               = "IN"      // Values
	OpNotIn            = "NOT_IN"  // Values
	OpHasProperty      = "HAS_PROPERTY"
	OpNotHasProperty   = "NOT_HAS_PROPERTY"
	OpContainsToken    = "CONTAINS_TOKEN" // "*" wildcards allowed
	OpNotContainsToken = "NOT_CONTAINS_TOKEN"
)

// Sort directions.
const (
	Ascending  = "ASCENDING"
	Descending = "DESCENDING"
)

// SearchRequest is HubSpot's PublicObjectSearchRequest.
type SearchRequest struct {
	FilterGroups []FilterGroup `json:"filterGroups,omitempty"`
	Sorts        []Sort        `json:"-"` // sent per Config.StringSorts
	Query        string        `json:"query,omitempty"`
	Properties   []string      `json:"properties,omitempty"`
	Limit        int           `json:"limit,omitempty"` // HubSpot's default 10 when zero
	After        string        `json:"after,omitempty"` // paging cursor from SearchPage.NextAfter
}

// FilterGroup ANDs its filters; a request ORs its groups.
type FilterGroup struct {
	Filters []Filter `json:"filters"`
}

// Filter compares one property. Dates are milliseconds since the epoch or
// RFC 3339.
type Filter struct {
	PropertyName string   `json:"propertyName"`
	Operator     string   `json:"operator"`
	Value        string   `json:"value,omitempty"`
	HighValue    string   `json:"highValue,omitempty"`
	Values       []string `json:"values,omitempty"`
}

// Sort orders results by one property (HubSpot applies one sort).
type Sort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"` // Ascending or Descending
}

// SearchPage is one page of results.
type SearchPage struct {
	Total   int      `json:"total"`
	Results []Object `json:"results"`
	Paging  *struct {
		Next *struct {
			After string `json:"after"`
		} `json:"next"`
	} `json:"paging"`
}

// NextAfter is the cursor of the next page, "" on the last one.
func (p *SearchPage) NextAfter() string {
	if p.Paging == nil || p.Paging.Next == nil {
		return ""
	}
	return p.Paging.Next.After
}

// Search returns one page. Newly written objects can take a moment to
// become searchable. A cursor at or past SearchCap is a *SearchCapError
// without a call: HubSpot would answer 400.
func (s *ObjectsService) Search(ctx context.Context, req SearchRequest) (*SearchPage, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	if n, err := strconv.Atoi(req.After); err == nil && n >= SearchCap {
		return nil, &SearchCapError{Total: -1}
	}
	body := struct {
		SearchRequest
		Sorts []any `json:"sorts,omitempty"`
	}{SearchRequest: req}
	for _, so := range req.Sorts {
		if s.c.stringSorts {
			name := so.PropertyName
			if so.Direction == Descending {
				name = "-" + name
			}
			body.Sorts = append(body.Sorts, name)
		} else {
			body.Sorts = append(body.Sorts, so)
		}
	}
	var page SearchPage
	if err := s.c.do(ctx, BucketSearch, http.MethodPost, s.path("search"), nil, body, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// SearchAll pages through every result, yielding objects in order. It
// stops with an error: a call's, or a *SearchCapError after the first
// SearchCap results when the query matches more.
func (s *ObjectsService) SearchAll(ctx context.Context, req SearchRequest) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		if req.Limit == 0 {
			req.Limit = MaxSearchLimit
		}
		for {
			page, err := s.Search(ctx, req)
			if err != nil {
				yield(Object{}, err)
				return
			}
			for _, o := range page.Results {
				if !yield(o, nil) {
					return
				}
			}
			next := page.NextAfter()
			if next == "" || len(page.Results) == 0 {
				return
			}
			if n, err := strconv.Atoi(next); err == nil && n >= SearchCap {
				yield(Object{}, &SearchCapError{Total: page.Total})
				return
			}
			req.After = next
		}
	}
}

// validate refuses what HubSpot would, before spending a search call.
func (r SearchRequest) validate() error {
	if r.Limit < 0 || r.Limit > MaxSearchLimit {
		return fmt.Errorf("%w: search limit %d, at most %d", ErrInvalidRequest, r.Limit, MaxSearchLimit)
	}
	if len(r.FilterGroups) > MaxFilterGroups {
		return fmt.Errorf("%w: %d filter groups, at most %d", ErrInvalidRequest, len(r.FilterGroups), MaxFilterGroups)
	}
	total := 0
	for i, g := range r.FilterGroups {
		if len(g.Filters) > MaxGroupFilters {
			return fmt.Errorf("%w: filter group %d has %d filters, at most %d", ErrInvalidRequest, i, len(g.Filters), MaxGroupFilters)
		}
		total += len(g.Filters)
	}
	if total > MaxFilters {
		return fmt.Errorf("%w: %d filters, at most %d in all", ErrInvalidRequest, total, MaxFilters)
	}
	if len(r.Sorts) > 1 {
		return fmt.Errorf("%w: %d sorts, HubSpot applies one", ErrInvalidRequest, len(r.Sorts))
	}
	return nil
}
