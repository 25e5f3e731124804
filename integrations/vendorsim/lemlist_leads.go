package vendorsim

import (
	"net/http"
	"strings"
)

// leadsByEmail answers GET /leads/{email}?version=v2 as lemlist's v2 does:
// the address's lead in every campaign holding it, each with its id,
// status, variables, contact id and campaign ({id, name, status}); an
// address in no campaign is a 404. version=v2 is mandatory.
func (l *Lemlist) leadsByEmail(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("version") != "v2" {
		lemText(w, http.StatusBadRequest, "version=v2 is mandatory for this route")
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PathValue("email")))
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, c := range l.campaigns {
		for _, ld := range l.leads[c.ID] {
			if email != "" && ld.Email == email {
				out = append(out, map[string]any{
					"_id": ld.ID, "contactId": ld.ContactID, "isPaused": ld.IsPaused, "status": lemLeadStatus(ld),
					"variables": ld.Variables, "campaign": map[string]string{"id": c.ID, "name": c.Name, "status": c.Status},
				})
			}
		}
	}
	if len(out) == 0 {
		lemText(w, http.StatusNotFound, lemMsgNoLead)
		return
	}
	lemJSON(w, out)
}

// lemLeadStatus is a lead's v2 status as far as the fake knows it.
func lemLeadStatus(ld *LemlistLead) string {
	switch {
	case ld.Unsubscribed:
		return "unsubscribed"
	case ld.IsPaused:
		return "paused"
	}
	return "running"
}
