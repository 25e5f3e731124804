package vendorsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// lemMaxLimit is the largest page of lemlist's list endpoints.
const lemMaxLimit = 100

// lemLeadFields are the predefined body fields of a lead; any other key is a
// custom variable.
var lemLeadFields = []string{"email", "firstName", "lastName", "companyName", "companyDomain", "jobTitle",
	"linkedinUrl", "picture", "phone", "icebreaker", "timezone", "contactOwner"}

// lemLeadFlags are the query flags of adding a lead.
var lemLeadFlags = []string{"deduplicate", "linkedinEnrichment", "findEmail", "verifyEmail", "findPhone"}

// Routes registers lemlist's endpoints; all share the one per-key bucket.
func (l *Lemlist) Routes(r *Router) {
	l.router = r
	r.Handle("GET /campaigns", "default", l.listCampaigns)
	r.Handle("POST /campaigns/{campaignId}/leads/{$}", "default", l.addLead)
	r.Handle("POST /campaigns/{campaignId}/leads", "default", l.addLead)
	r.Handle("POST /campaigns/{campaignId}/leads/{email}", "default", l.addLead) // legacy: email in the path
	r.Handle("DELETE /campaigns/{campaignId}/leads/{lead}", "default", l.deleteLead)
	r.Handle("GET /leads/{email}", "default", l.leadsByEmail)
	r.Handle("POST /unsubscribes/{value}", "default", l.unsubscribeLegacy)
	r.Handle("POST /v2/unsubscribes/variables/{value}", "default", l.unsubscribeV2)
	r.Handle("GET /activities", "default", l.listActivities)
	r.Handle("GET /hooks", "default", l.listHooks)
	r.Handle("POST /hooks", "default", l.createHook)
	r.Handle("DELETE /hooks/{hookId}", "default", l.deleteHook)
	l.lemlistControlRoutes(r)
}

// lemPage reads offset and limit (1..100, default 100); it writes the 400
// and reports false when either is bad.
func lemPage(w http.ResponseWriter, r *http.Request) (offset, limit int, ok bool) {
	q := r.URL.Query()
	limit = lemMaxLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > lemMaxLimit {
			lemText(w, http.StatusBadRequest, fmt.Sprintf("limit must be an integer between 1 and %d", lemMaxLimit))
			return 0, 0, false
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			lemText(w, http.StatusBadRequest, "offset must be a positive integer")
			return 0, 0, false
		}
		offset = n
	}
	return offset, limit, true
}

func (l *Lemlist) listCampaigns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit, ok := lemPage(w, r)
	if !ok {
		return
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			lemText(w, http.StatusBadRequest, "page must be a positive integer")
			return
		}
		offset = (n - 1) * limit
	}
	if s := q.Get("status"); s != "" && !slices.Contains([]string{"running", "draft", "archived", "ended", "paused", "errors"}, s) {
		lemText(w, http.StatusBadRequest, "Invalid status")
		return
	}
	all := l.Campaigns()
	var list []LemlistCampaign
	for _, c := range all {
		if (q.Get("status") == "" || c.Status == q.Get("status")) && (q.Get("createdBy") == "" || c.CreatedBy == q.Get("createdBy")) {
			list = append(list, c)
		}
	}
	if q.Get("sortOrder") == "desc" { // any other value sorts ascending, as the spec says
		slices.Reverse(list)
	}
	total := len(list)
	page := list[min(offset, total):min(offset+limit, total)]
	if page == nil {
		page = []LemlistCampaign{}
	}

	l.mu.Lock()
	shape := l.shape
	l.mu.Unlock()
	if q.Get("version") != "v2" || shape == LemlistCampaignsArray {
		lemJSON(w, page)
		return
	}
	current := offset/limit + 1
	var next any
	if offset+limit < total {
		next = current + 1
	}
	lemJSON(w, map[string]any{"campaigns": page, "pagination": map[string]any{
		"totalRecords": total, "currentPage": current, "nextPage": next, "totalPage": (total + limit - 1) / limit,
	}})
}

// lemLeadBody reads the optional JSON object of a lead: predefined fields
// must be strings, custom variables scalars.
func lemLeadBody(r *http.Request) (fields, vars map[string]string, bad string) {
	fields, vars = map[string]string{}, map[string]string{}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, nil, "Request body too large"
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return fields, vars, ""
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, nil, "Invalid JSON body"
	}
	for k, v := range body {
		if string(v) == "null" {
			continue
		}
		var s string
		if slices.Contains(lemLeadFields, k) {
			if json.Unmarshal(v, &s) != nil {
				return nil, nil, k + " must be a string"
			}
			if s = strings.TrimSpace(s); s != "" {
				fields[k] = s
			}
			continue
		}
		var scalar any
		_ = json.Unmarshal(v, &scalar)
		switch x := scalar.(type) {
		case string:
			vars[k] = x
		case float64, bool:
			vars[k] = strings.Trim(string(v), " ")
		default:
			return nil, nil, "Invalid value for variable " + k
		}
	}
	return fields, vars, ""
}

func (l *Lemlist) addLead(w http.ResponseWriter, r *http.Request) {
	campaignID := r.PathValue("campaignId")
	fields, vars, bad := lemLeadBody(r)
	if bad != "" {
		lemText(w, http.StatusBadRequest, bad)
		return
	}
	if e := strings.TrimSpace(r.PathValue("email")); e != "" && fields["email"] == "" {
		fields["email"] = e
	}
	flags := map[string]bool{}
	for _, f := range lemLeadFlags {
		switch v := r.URL.Query().Get(f); v {
		case "", "false":
		case "true":
			flags[f] = true
		default:
			lemText(w, http.StatusBadRequest, f+" must be a boolean")
			return
		}
	}
	email := strings.ToLower(fields["email"])
	if email != "" && !lemValidEmail(email) {
		lemText(w, http.StatusBadRequest, "Invalid email")
		return
	}
	if email == "" && fields["linkedinUrl"] == "" {
		lemText(w, http.StatusBadRequest, "Missing email or linkedinUrl")
		return
	}
	person := email
	if person == "" {
		person = strings.ToLower(strings.TrimRight(fields["linkedinUrl"], "/"))
	}
	// Every attempt is a write to count, the refused repeat included: that
	// is the duplicate the counters exist for.
	l.write("lead", campaignID+"\x00"+person)

	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.campaignOr404Locked(w, campaignID)
	if c == nil {
		return
	}
	for _, ld := range l.leads[campaignID] {
		if ld.Email == person || (ld.Email == "" && strings.EqualFold(strings.TrimRight(ld.Fields["linkedinUrl"], "/"), person)) {
			lemText(w, http.StatusBadRequest, lemMsgLeadInCamp)
			return
		}
	}
	if flags["deduplicate"] && email != "" {
		for id, leads := range l.leads {
			if id != campaignID && slices.ContainsFunc(leads, func(ld *LemlistLead) bool { return ld.Email == email }) {
				lemText(w, http.StatusBadRequest, lemMsgLeadElsewhere)
				return
			}
		}
	}
	now := time.Now().UTC()
	ld := &LemlistLead{
		ID: lemID("lea_", campaignID, person), CampaignID: campaignID, CampaignName: c.Name,
		ContactID: lemID("ctc_", l.apiKey, person), Fields: fields, Variables: vars, Flags: flags,
		Email: email, AddedAt: now,
	}
	if email != "" {
		ld.Fields["email"] = email
	}
	l.leads[campaignID] = append(l.leads[campaignID], ld)
	// An email on the global unsubscribe list (or of a domain on it) is
	// added but never emailed.
	mailTo := email
	if email != "" && (l.unsubscribes[email] != nil || l.unsubscribes[email[strings.LastIndexByte(email, '@')+1:]] != nil) {
		mailTo = ""
	}
	for i, ev := range lemActivitiesFor(mailTo, fields["linkedinUrl"]) {
		l.recordLocked(ld, ev.typ, ev.step, now.Add(time.Duration(i)*time.Millisecond))
	}
	lemJSON(w, ld.clone())
}

// lemValidEmail is the loose check lemlist applies: one @, a dotted domain.
func lemValidEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(s, " /?#") && !strings.Contains(domain, "@")
}

func (l *Lemlist) deleteLead(w http.ResponseWriter, r *http.Request) {
	campaignID, key := r.PathValue("campaignId"), r.PathValue("lead")
	remove := r.URL.Query().Get("action") == "remove"
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.campaignOr404Locked(w, campaignID) == nil {
		return
	}
	ld := l.findLeadLocked(campaignID, key)
	if ld == nil || (!remove && !strings.EqualFold(ld.Email, strings.TrimSpace(key))) {
		// Without action=remove lemlist unsubscribes, which needs the email.
		lemText(w, http.StatusNotFound, lemMsgNoLead)
		return
	}
	if remove {
		l.leads[campaignID] = slices.DeleteFunc(l.leads[campaignID], func(x *LemlistLead) bool { return x == ld })
	} else {
		// lemlist stops the lead in every campaign it belongs to.
		for _, leads := range l.leads {
			for _, x := range leads {
				if x.Email == ld.Email {
					x.Unsubscribed = true
				}
			}
		}
	}
	lemJSON(w, map[string]string{"_id": ld.ID, "email": ld.Fields["email"]})
}
