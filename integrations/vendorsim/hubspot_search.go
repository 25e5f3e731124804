package vendorsim

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// HubSpot's search limits: filter groups (OR'd), filters per group (AND'd)
// and in all since 2024-08-26; page size; the 10,000-result window.
const (
	hsMaxFilterGroups = 5
	hsMaxGroupFilters = 10
	hsMaxFilters      = 25
	hsMaxSearchLimit  = 200
	hsSearchCap       = 10000
)

// hsScalar accepts a JSON string, number or boolean as its text: the spec
// types filter values as strings, clients send numbers too.
type hsScalar string

func (s *hsScalar) UnmarshalJSON(b []byte) error {
	var a any
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	switch x := a.(type) {
	case string:
		*s = hsScalar(x)
	case nil:
		*s = ""
	default:
		*s = hsScalar(strings.TrimSpace(string(b)))
	}
	return nil
}

type hsFilter struct {
	PropertyName string     `json:"propertyName"`
	Operator     string     `json:"operator"`
	Value        hsScalar   `json:"value"`
	HighValue    hsScalar   `json:"highValue"`
	Values       []hsScalar `json:"values"`
}

type hsSearchRequest struct {
	FilterGroups []struct {
		Filters []hsFilter `json:"filters"`
	} `json:"filterGroups"`
	Sorts      []json.RawMessage `json:"sorts"`
	Query      string            `json:"query"`
	Properties []string          `json:"properties"`
	Limit      *int              `json:"limit"`
	After      hsScalar          `json:"after"`
}

type hsSort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

func (h *HubSpot) search(kind string, w http.ResponseWriter, r *http.Request) {
	var req hsSearchRequest
	if !h.decode(w, r, &req) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	store := h.objects[kind]
	sort, after, limit, msg := req.check(store)
	if msg != "" {
		h.validation(w, "%s", msg)
		return
	}
	var hits []*hsObject
	for _, o := range store.objs {
		if req.matches(store, o) {
			hits = append(hits, o)
		}
	}
	slices.SortFunc(hits, func(a, b *hsObject) int {
		c := 0
		if sort.PropertyName != "" {
			c = hsCompare(store.props[sort.PropertyName].typ, a.props[sort.PropertyName], b.props[sort.PropertyName])
			if sort.Direction == "DESCENDING" {
				c = -c
			}
		}
		return cmp.Or(c, hsIDCompare(a.id, b.id))
	})
	end := min(after+limit, len(hits), hsSearchCap)
	results := []hsObjectJSON{}
	for _, o := range hits[min(after, end):end] {
		results = append(results, store.view(o, req.Properties))
	}
	resp := map[string]any{"total": len(hits), "results": results}
	if end < len(hits) {
		next := strconv.Itoa(end)
		resp["paging"] = map[string]any{"next": map[string]string{"after": next, "link": "?after=" + next}}
	}
	h.writeJSON(w, http.StatusOK, resp)
}

// check validates the request the way HubSpot does and returns the sort,
// offset and page size.
func (req *hsSearchRequest) check(store *hsStore) (hsSort, int, int, string) {
	var sort hsSort
	if len(req.FilterGroups) > hsMaxFilterGroups {
		return sort, 0, 0, "Too many filter groups: at most 5 are allowed"
	}
	total := 0
	for _, g := range req.FilterGroups {
		if len(g.Filters) > hsMaxGroupFilters {
			return sort, 0, 0, "Too many filters in a filter group: at most 10 are allowed"
		}
		total += len(g.Filters)
		for _, f := range g.Filters {
			if msg := f.check(store); msg != "" {
				return sort, 0, 0, msg
			}
		}
	}
	if total > hsMaxFilters {
		return sort, 0, 0, "Too many filters: at most 25 are allowed across all filter groups"
	}
	if len(req.Query) > 3000 {
		return sort, 0, 0, "query: at most 3000 characters"
	}
	limit := 10
	if req.Limit != nil {
		limit = *req.Limit
	}
	if limit < 0 || limit > hsMaxSearchLimit {
		return sort, 0, 0, "limit: must be between 0 and 200"
	}
	after := 0
	if req.After != "" {
		n, err := strconv.Atoi(string(req.After))
		if err != nil || n < 0 {
			return sort, 0, 0, "after: must be a non-negative integer"
		}
		after = n
	}
	if after >= hsSearchCap {
		return sort, 0, 0, "Search results are limited to 10000; the after cursor cannot be 10000 or greater"
	}
	if len(req.Sorts) > 1 {
		return sort, 0, 0, "Only one sorting rule can be applied to any search"
	}
	for _, raw := range req.Sorts {
		// The spec types sorts as strings ("createdate", "-createdate");
		// the docs and clients send objects. Both are accepted.
		var name string
		if json.Unmarshal(raw, &name) == nil {
			sort = hsSort{PropertyName: strings.TrimPrefix(name, "-"), Direction: "ASCENDING"}
			if strings.HasPrefix(name, "-") {
				sort.Direction = "DESCENDING"
			}
		} else if err := json.Unmarshal(raw, &sort); err != nil {
			return sort, 0, 0, "sorts: each must be a property name or {propertyName, direction}"
		}
		if _, ok := store.props[sort.PropertyName]; !ok {
			return sort, 0, 0, "sorts: property " + sort.PropertyName + " does not exist"
		}
		if sort.Direction != "ASCENDING" && sort.Direction != "DESCENDING" {
			return sort, 0, 0, "sorts: direction must be ASCENDING or DESCENDING"
		}
	}
	return sort, after, limit, ""
}

func (f hsFilter) check(store *hsStore) string {
	if _, ok := store.props[f.PropertyName]; !ok {
		return "filters: property " + f.PropertyName + " does not exist"
	}
	switch f.Operator {
	case "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN":
		if f.Value == "" {
			return "filters: operator " + f.Operator + " needs a value"
		}
	case "BETWEEN":
		if f.Value == "" || f.HighValue == "" {
			return "filters: operator BETWEEN needs value and highValue"
		}
	case "IN", "NOT_IN":
		if len(f.Values) == 0 {
			return "filters: operator " + f.Operator + " needs values"
		}
	case "HAS_PROPERTY", "NOT_HAS_PROPERTY":
	default:
		return "filters: unknown operator " + strconv.Quote(f.Operator)
	}
	return ""
}
