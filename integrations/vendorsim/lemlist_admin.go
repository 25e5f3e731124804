package vendorsim

import (
	"encoding/json"
	"io"
	"net/http"
)

// mountAdmin serves lemlist's admin route, for playing a campaign's events
// by hand against a local platform:
//
//	POST /_admin/lemlist/activities {"campaign_id", "email", "type"}
//
// records the activity (emailsOpened, emailsReplied, emailsBounced, …) for
// the lead with email in the campaign, as lemlist would when it happens,
// and delivers it to the matching hooks. It answers the activity and how
// many hooks took it; 404 when the campaign has no such lead.
func (l *Lemlist) mountAdmin(mux *http.ServeMux) {
	mux.HandleFunc("POST /_admin/lemlist/activities", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			CampaignID string `json:"campaign_id"`
			Email      string `json:"email"`
			Type       string `json:"type"`
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxKnobsBody))
		if err == nil {
			err = json.Unmarshal(body, &in)
		}
		if err != nil || in.CampaignID == "" || in.Email == "" || in.Type == "" {
			adminError(w, http.StatusBadRequest, `want {"campaign_id", "email", "type"}`)
			return
		}
		ev, err := l.RecordActivity(in.CampaignID, in.Email, in.Type)
		if err != nil {
			adminError(w, http.StatusNotFound, err.Error())
			return
		}
		out := map[string]any{"activity": ev}
		n, err := l.FireHook(r.Context(), ev)
		out["delivered"] = n
		if err != nil {
			out["delivery_errors"] = err.Error()
		}
		writeAdmin(w, http.StatusOK, out)
	})
}
