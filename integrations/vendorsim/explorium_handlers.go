package vendorsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// explMaxBatch is Explorium's cap on match and bulk_enrich inputs.
const explMaxBatch = 50

// explMaxBody bounds a request body; 50 inputs fit in a few KiB.
const explMaxBody = 1 << 20

// Routes implements Vendor. Every Explorium endpoint shares one bucket.
func (e *Explorium) Routes(r *Router) {
	r.Handle("POST /v1/businesses/match", "default", e.matchBusinesses)
	r.Handle("POST /v1/businesses/firmographics/enrich", "default", e.firmographics)
	r.Handle("POST /v1/businesses/firmographics/bulk_enrich", "default", e.bulkFirmographics)
	r.Handle("POST /v1/businesses", "default", e.fetchBusinesses)
	r.Handle("POST /v1/prospects/match", "default", e.matchProspects)
	r.Handle("POST /v1/prospects/contacts_information/bulk_enrich", "default", e.bulkContacts)
	r.Handle("POST /v1/prospects/profiles/bulk_enrich", "default", e.bulkProfiles)
	r.Handle("POST /v1/prospects", "default", e.fetchProspects)
	r.Handle("GET /v1/credits", "default", e.credits)
}

// decode reads a JSON body (bounded) and answers FastAPI's 422 when it is
// not one.
func (e *Explorium) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, explMaxBody)).Decode(v); err != nil {
		e.write422(w, explInvalid{Loc: []any{"body"}, Msg: "JSON decode error: " + err.Error(), Type: "value_error.jsondecode"})
		return false
	}
	return true
}

// explCheckList validates a required list field of 1 to explMaxBatch items.
func explCheckList(field string, present bool, n int) []explInvalid {
	loc := []any{"body", field}
	switch {
	case !present:
		return []explInvalid{{Loc: loc, Msg: "field required", Type: "value_error.missing"}}
	case n < 1:
		return []explInvalid{{Loc: loc, Msg: "ensure this value has at least 1 items", Type: "value_error.list.min_items"}}
	case n > explMaxBatch:
		return []explInvalid{{Loc: loc, Msg: fmt.Sprintf("ensure this value has at most %d items", explMaxBatch), Type: "value_error.list.max_items"}}
	}
	return nil
}

// explBusinessInput is one business to match; nil fields echo as null.
type explBusinessInput struct {
	Name        *string `json:"name"`
	Domain      *string `json:"domain"`
	URL         *string `json:"url"`
	LinkedInURL *string `json:"linkedin_url"`
}

func explStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// key is what the match hinges on, with the domain it implies: the website
// first, then the LinkedIn page, then the name.
func (b explBusinessInput) key() (key, domain string) {
	if d := explDomain(explOr(explStr(b.Domain), explStr(b.URL))); d != "" {
		return d, d
	}
	if li := strings.TrimRight(explStr(b.LinkedInURL), "/"); li != "" {
		slug := li[strings.LastIndex(li, "/")+1:]
		return "linkedin:" + strings.ToLower(slug), explSlug(slug) + ".example"
	}
	if n := strings.TrimSpace(explStr(b.Name)); n != "" {
		return "name:" + strings.ToLower(n), explSlug(n) + ".example"
	}
	return "", ""
}

func explOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (e *Explorium) matchBusinesses(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Businesses *[]explBusinessInput `json:"businesses_to_match"`
	}
	if !e.decode(w, r, &req) {
		return
	}
	n := 0
	if req.Businesses != nil {
		n = len(*req.Businesses)
	}
	if bad := explCheckList("businesses_to_match", req.Businesses != nil, n); bad != nil {
		e.write422(w, bad...)
		return
	}
	out := make([]map[string]any, n)
	matches := 0
	for i, b := range *req.Businesses {
		if len(explStr(b.Name)) > 256 {
			e.write422(w, explInvalid{Loc: []any{"body", "businesses_to_match", i, "name"}, Msg: "ensure this value has at most 256 characters", Type: "value_error.any_str.max_length"})
			return
		}
		var id any // null when no match
		if key, domain := b.key(); key != "" && !NoMatch(key) {
			bid := explBusinessID(key)
			e.rememberBusiness(bid, domain)
			id, matches = bid, matches+1
		}
		out[i] = map[string]any{"input": b, "business_id": id}
	}
	e.ok(w, r, map[string]any{"total_results": n, "total_matches": matches, "matched_businesses": out}, explStatus(matches), matches, 0)
}

func explStatus(found int) string {
	if found == 0 {
		return "miss"
	}
	return "success"
}

// firmographicsOf derives the record of a business id, nil for ids that are
// not Explorium's 32 hex characters.
func (e *Explorium) firmographicsOf(id string) map[string]any {
	if !explIsHex(id, 32) {
		return nil
	}
	e.mu.Lock()
	domain := e.businesses[id]
	e.mu.Unlock()
	return explFirmographics(id, domain)
}

func (e *Explorium) firmographics(w http.ResponseWriter, r *http.Request) {
	var req struct {
		BusinessID *string `json:"business_id"`
	}
	if !e.decode(w, r, &req) {
		return
	}
	if req.BusinessID == nil {
		e.write422(w, explInvalid{Loc: []any{"body", "business_id"}, Msg: "field required", Type: "value_error.missing"})
		return
	}
	data := e.firmographicsOf(*req.BusinessID)
	found := 0
	if data != nil {
		found = 1
	}
	if !e.charge(w, int64(found)) {
		return
	}
	e.ok(w, r, map[string]any{"data": data, "entity_id": *req.BusinessID}, explStatus(found), found, int64(found))
}

func (e *Explorium) bulkFirmographics(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDs *[]string `json:"business_ids"`
	}
	if !e.decode(w, r, &req) {
		return
	}
	n := 0
	if req.IDs != nil {
		n = len(*req.IDs)
	}
	if bad := explCheckList("business_ids", req.IDs != nil, n); bad != nil {
		e.write422(w, bad...)
		return
	}
	out := make([]map[string]any, n)
	found := 0
	for i, id := range *req.IDs {
		data := e.firmographicsOf(id)
		if data != nil {
			found++
		}
		out[i] = map[string]any{"business_id": id, "data": data}
	}
	if !e.charge(w, int64(found)) {
		return
	}
	e.ok(w, r, map[string]any{"total_results": found, "data": out}, explStatus(found), found, int64(found))
}

func (e *Explorium) credits(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	body := map[string]any{"allocated_credits": e.allocated, "remaining_credits": e.remaining}
	e.mu.Unlock()
	e.ok(w, r, body, "success", 0, 0)
}
