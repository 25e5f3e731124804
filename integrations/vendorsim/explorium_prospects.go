package vendorsim

import (
	"encoding/json"
	"net/http"
	"strings"
)

// explProspectInput is one person to match; nil fields echo as null, and
// the response echoes all six keys as Explorium does.
type explProspectInput struct {
	BusinessID  *string `json:"business_id"`
	FullName    string  `json:"-"`
	CompanyName string  `json:"-"`
	Email       string  `json:"-"`
	LinkedIn    string  `json:"-"`
	Raw         struct {
		FullName    *string `json:"full_name"`
		CompanyName *string `json:"company_name"`
		Email       *string `json:"email"`
		PhoneNumber *string `json:"phone_number"`
		LinkedIn    *string `json:"linkedin"`
	} `json:"-"`
}

// UnmarshalJSON keeps the raw fields for the echo and trimmed copies for
// the match.
func (p *explProspectInput) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &p.Raw); err != nil {
		return err
	}
	var id struct {
		BusinessID *string `json:"business_id"`
	}
	if err := json.Unmarshal(b, &id); err != nil {
		return err
	}
	p.BusinessID = id.BusinessID
	p.FullName = strings.TrimSpace(explStr(p.Raw.FullName))
	p.CompanyName = strings.TrimSpace(explStr(p.Raw.CompanyName))
	p.Email = strings.TrimSpace(explStr(p.Raw.Email))
	p.LinkedIn = strings.TrimSpace(explStr(p.Raw.LinkedIn))
	return nil
}

// echo is the input as Explorium returns it: all six keys, nulls included.
func (p *explProspectInput) echo() map[string]any {
	return map[string]any{
		"business_id": p.BusinessID, "full_name": p.Raw.FullName, "company_name": p.Raw.CompanyName,
		"email": p.Raw.Email, "phone_number": p.Raw.PhoneNumber, "linkedin": p.Raw.LinkedIn,
	}
}

// key is what the match hinges on: email, then LinkedIn, then the name with
// a company (by name or business id), then the phone number.
func (p *explProspectInput) key() string {
	switch {
	case p.Email != "":
		return "email:" + strings.ToLower(p.Email)
	case p.LinkedIn != "":
		return "linkedin:" + strings.ToLower(strings.TrimRight(p.LinkedIn, "/"))
	case p.FullName != "" && (p.CompanyName != "" || explStr(p.BusinessID) != ""):
		return "name:" + strings.ToLower(p.FullName) + "|" + strings.ToLower(explOr(p.CompanyName, explStr(p.BusinessID)))
	case explStr(p.Raw.PhoneNumber) != "":
		return "phone:" + explSlug(explStr(p.Raw.PhoneNumber))
	}
	return ""
}

func (e *Explorium) matchProspects(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Prospects *[]*explProspectInput `json:"prospects_to_match"`
	}
	if !e.decode(w, r, &req) {
		return
	}
	n := 0
	if req.Prospects != nil {
		n = len(*req.Prospects)
	}
	if bad := explCheckList("prospects_to_match", req.Prospects != nil, n); bad != nil {
		e.write422(w, bad...)
		return
	}
	out := make([]map[string]any, n)
	matches := 0
	for i, p := range *req.Prospects {
		if p == nil {
			p = &explProspectInput{}
		}
		var id any
		if key := p.key(); key != "" && !NoMatch(key) {
			pid := explProspectID(key)
			if p.CompanyName == "" && explStr(p.BusinessID) != "" {
				e.mu.Lock()
				p.CompanyName = explTitle(explOr(e.businesses[explStr(p.BusinessID)], explStr(p.BusinessID)))
				e.mu.Unlock()
			}
			e.rememberProspect(pid, p)
			id, matches = pid, matches+1
		}
		out[i] = map[string]any{"input": p.echo(), "prospect_id": id}
	}
	e.ok(w, r, map[string]any{"total_results": n, "total_matches": matches, "matched_prospects": out}, explStatus(matches), matches, 0)
}

// personOf derives the person behind a prospect id; ok is false for ids
// that are not Explorium's 40 hex characters.
func (e *Explorium) personOf(id string) (explPerson, bool) {
	if !explIsHex(id, 40) {
		return explPerson{}, false
	}
	e.mu.Lock()
	in := e.prospects[id]
	e.mu.Unlock()
	return explPersonFor(id, in), true
}

func (e *Explorium) bulkContacts(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDs        *[]string `json:"prospect_ids"`
		Parameters *struct {
			ContactTypes []string `json:"contact_types"`
		} `json:"parameters"`
	}
	if !e.decode(w, r, &req) {
		return
	}
	n := 0
	if req.IDs != nil {
		n = len(*req.IDs)
	}
	if bad := explCheckList("prospect_ids", req.IDs != nil, n); bad != nil {
		e.write422(w, bad...)
		return
	}
	email, phone := true, true // both by default
	if req.Parameters != nil && len(req.Parameters.ContactTypes) > 0 {
		email, phone = false, false
		for i, t := range req.Parameters.ContactTypes {
			switch t {
			case "email":
				email = true
			case "phone":
				phone = true
			default:
				e.write422(w, explInvalid{Loc: []any{"body", "parameters", "contact_types", i}, Msg: "value is not a valid enumeration member; permitted: 'email', 'phone'", Type: "type_error.enum"})
				return
			}
		}
	}
	perProspect := int64(5) // phone alone or both
	if !phone {
		perProspect = 2
	}
	out := make([]map[string]any, n)
	found := 0
	for i, id := range *req.IDs {
		var data any
		if p, ok := e.personOf(id); ok {
			data, found = explContacts(p, email, phone), found+1
		}
		out[i] = map[string]any{"prospect_id": id, "data": data}
	}
	cost := int64(found) * perProspect
	if !e.charge(w, cost) {
		return
	}
	e.ok(w, r, map[string]any{"total_results": found, "data": out}, explStatus(found), found, cost)
}

func (e *Explorium) bulkProfiles(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDs *[]string `json:"prospect_ids"`
	}
	if !e.decode(w, r, &req) {
		return
	}
	n := 0
	if req.IDs != nil {
		n = len(*req.IDs)
	}
	if bad := explCheckList("prospect_ids", req.IDs != nil, n); bad != nil {
		e.write422(w, bad...)
		return
	}
	out := make([]map[string]any, n)
	found := 0
	for i, id := range *req.IDs {
		var data any
		if p, ok := e.personOf(id); ok {
			data, found = explProfile(p), found+1
		}
		out[i] = map[string]any{"prospect_id": id, "data": data}
	}
	if !e.charge(w, int64(found)) {
		return
	}
	e.ok(w, r, map[string]any{"total_results": found, "data": out}, explStatus(found), found, int64(found))
}
