package vendorsim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// lemUnsubscribe is one entry of the global unsubscribe list.
type lemUnsubscribe struct {
	ID        string    `json:"_id"`
	Value     string    `json:"value"`
	Type      string    `json:"type"` // email or domain
	CreatedAt time.Time `json:"createdAt"`
}

// unsubscribe adds value to the global list, or returns the entry already
// there: both endpoints are idempotent.
func (l *Lemlist) unsubscribe(w http.ResponseWriter, r *http.Request) (*lemUnsubscribe, bool) {
	v := strings.ToLower(strings.TrimSpace(r.PathValue("value")))
	typ := "domain"
	if strings.Contains(v, "@") {
		typ = "email"
	}
	if (typ == "email" && !lemValidEmail(v)) || (typ == "domain" && (!strings.Contains(v, ".") || strings.ContainsAny(v, " /?#"))) {
		lemText(w, http.StatusBadRequest, "Invalid email or domain")
		return nil, false
	}
	l.write("unsubscribe", v)
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.unsubscribes[v]
	if u == nil {
		u = &lemUnsubscribe{ID: lemID("uns_", l.apiKey, v), Value: v, Type: typ, CreatedAt: time.Now().UTC()}
		l.unsubscribes[v] = u
	}
	return u, true
}

// unsubscribeLegacy answers POST /unsubscribes/{emailOrDomain} with
// {_id, email}, as the legacy docs show.
func (l *Lemlist) unsubscribeLegacy(w http.ResponseWriter, r *http.Request) {
	if u, ok := l.unsubscribe(w, r); ok {
		lemJSON(w, map[string]string{"_id": u.ID, "email": u.Value})
	}
}

// unsubscribeV2 answers POST /v2/unsubscribes/variables/{value} with the
// record (its exact shape is not in the docs we have: _id, value, type,
// createdAt).
func (l *Lemlist) unsubscribeV2(w http.ResponseWriter, r *http.Request) {
	if u, ok := l.unsubscribe(w, r); ok {
		lemJSON(w, u)
	}
}

// lemDate reads a date filter: unix seconds or ISO-8601.
func lemDate(v string) (time.Time, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// listActivities answers GET /activities?version=v2, newest first, filtered
// by type, campaignId, leadId, isFirst and minDate/maxDate (or their
// aliases startDate/endDate), paged by offset and limit.
func (l *Lemlist) listActivities(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("version") != "v2" {
		lemText(w, http.StatusBadRequest, "version=v2 is mandatory for this route")
		return
	}
	offset, limit, ok := lemPage(w, r)
	if !ok {
		return
	}
	var minDate, maxDate time.Time
	for _, d := range []struct {
		names []string
		into  *time.Time
	}{{[]string{"minDate", "startDate"}, &minDate}, {[]string{"maxDate", "endDate"}, &maxDate}} {
		for _, name := range d.names {
			if v := q.Get(name); v != "" {
				t, ok := lemDate(v)
				if !ok {
					lemText(w, http.StatusBadRequest, "Invalid date for "+name)
					return
				}
				*d.into = t
			}
		}
	}
	isFirst := q.Get("isFirst")
	if isFirst != "" && isFirst != "true" && isFirst != "false" {
		lemText(w, http.StatusBadRequest, "isFirst must be a boolean")
		return
	}

	all := l.Activities()
	slices.Reverse(all) // newest first
	out := []LemlistActivity{}
	skipped := 0
	for _, a := range all {
		switch {
		case q.Get("type") != "" && a.Type != q.Get("type"),
			q.Get("campaignId") != "" && a.CampaignID != q.Get("campaignId"),
			q.Get("leadId") != "" && a.LeadID != q.Get("leadId"),
			isFirst != "" && strconv.FormatBool(a.IsFirst) != isFirst,
			!minDate.IsZero() && a.CreatedAt.Before(minDate),
			!maxDate.IsZero() && a.CreatedAt.After(maxDate):
			continue
		}
		if skipped < offset {
			skipped++
			continue
		}
		out = append(out, a)
		if len(out) == limit {
			break
		}
	}
	lemJSON(w, out)
}
