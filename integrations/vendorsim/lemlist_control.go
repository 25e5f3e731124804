package vendorsim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// lemMsgAlreadyRunning is lemlist's answer to starting a running campaign.
const lemMsgAlreadyRunning = "You can't start campaigns that are already running"

// lemlistControlRoutes registers campaign creation, campaign pause and
// start, lead pause and start, sequences and schedules
// (developer.lemlist.com: create-campaign, pause-campaign, start-campaign,
// pause-lead, resume-paused-lead, get-campaign-sequences,
// add-step-to-sequence, create-schedule, get-schedule, update-schedule,
// get-campaign-schedules, add-schedule-to-campaign):
//
//   - POST /campaigns {name?, timezone?} creates a campaign with an empty
//     sequence and a default schedule; lemlist answers it "running"
//     (state), so a new campaign sends as soon as it has launched leads.
//     A missing name gets a default one; an unknown IANA timezone is a 400.
//     The default schedule ("Default schedule", 09:00 to 18:00 Monday to
//     Friday, 1200 s between sends) is in the campaign's timezone and is
//     the one id of scheduleIds; seeded campaigns have one in Europe/Paris.
//   - POST /campaigns/{id}/pause does nothing to a campaign that is not
//     running and answers {_id, state}; …/start answers 400 "You can't
//     start campaigns that are already running" for a running one.
//   - POST /leads/pause/{leadIdOrEmail} and /leads/start/{leadIdOrEmail}
//     act in every campaign of the lead, or only in ?campaignId=, and
//     answer the leads changed as an array; none is 404 "Lead not found".
//   - POST /schedules, GET and PATCH /schedules/{id} answer the Schedule
//     (PATCH changes only the fields sent); GET /campaigns/{id}/schedules
//     answers an array of the Schedules attached, and POST
//     /campaigns/{id}/schedules/{scheduleId} attaches one (twice keeps
//     one). A schedule needs start before end ("HH:mm"), distinct weekdays
//     1 (Monday) to 7, a known timezone and secondsToWait ≥ 0 (400 text
//     otherwise); an unknown id is 404 "Schedule not found".
func (l *Lemlist) lemlistControlRoutes(r *Router) {
	r.Handle("POST /campaigns", "default", l.createCampaign)
	r.Handle("POST /campaigns/{campaignId}/pause", "default", l.pauseCampaign)
	r.Handle("POST /campaigns/{campaignId}/start", "default", l.startCampaign)
	r.Handle("POST /leads/pause/{lead}", "default", l.pauseLead)
	r.Handle("POST /leads/start/{lead}", "default", l.startLead)
	r.Handle("GET /campaigns/{campaignId}/sequences", "default", l.campaignSequences)
	r.Handle("POST /sequences/{sequenceId}/steps", "default", l.addStep)
	r.Handle("POST /schedules", "default", l.createSchedule)
	r.Handle("GET /schedules/{scheduleId}", "default", l.getSchedule)
	r.Handle("PATCH /schedules/{scheduleId}", "default", l.updateSchedule)
	r.Handle("GET /campaigns/{campaignId}/schedules", "default", l.getCampaignSchedules)
	r.Handle("POST /campaigns/{campaignId}/schedules/{scheduleId}", "default", l.attachSchedule)
}

func (l *Lemlist) createCampaign(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name     *string `json:"name"`
		Timezone *string `json:"timezone"`
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		lemText(w, http.StatusBadRequest, "Request body too large")
		return
	}
	if strings.TrimSpace(string(raw)) != "" && json.Unmarshal(raw, &body) != nil {
		lemText(w, http.StatusBadRequest, "Invalid JSON body")
		return
	}
	tz := "Europe/Paris"
	if body.Timezone != nil {
		if _, err := time.LoadLocation(*body.Timezone); err != nil || *body.Timezone == "" {
			lemText(w, http.StatusBadRequest, "Invalid timezone")
			return
		}
		tz = *body.Timezone
	}
	name := "New campaign"
	if body.Name != nil && strings.TrimSpace(*body.Name) != "" {
		name = strings.TrimSpace(*body.Name)
	}
	l.write("campaign", name)
	l.mu.Lock()
	c := l.addCampaignLocked(name, "running", time.Now().UTC())
	skd := l.campaignSchedules[c.ID][0]
	l.schedules[skd].Timezone = tz
	out := *c
	l.mu.Unlock()
	lemJSON(w, map[string]any{
		"_id": out.ID, "name": out.Name, "sequenceId": out.SequenceID,
		"scheduleIds": []string{skd}, "teamId": out.TeamID, "createdBy": out.CreatedBy,
		"createdAt": out.CreatedAt, "state": out.Status, "timezone": tz, "senders": []string{},
		"variableKeys": []string{}, "stopOnEmailReplied": true, "unsubscribe": "campaign",
	})
}

func (l *Lemlist) pauseCampaign(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.campaignOr404Locked(w, r.PathValue("campaignId"))
	if c == nil {
		return
	}
	if c.Status == "running" {
		c.Status = "paused"
	}
	lemJSON(w, map[string]string{"_id": c.ID, "state": c.Status})
}

func (l *Lemlist) startCampaign(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.campaignLocked(r.PathValue("campaignId"))
	switch {
	case c == nil:
		lemText(w, http.StatusNotFound, lemMsgNoCampaign)
		return
	case c.Status == "running":
		lemText(w, http.StatusBadRequest, lemMsgAlreadyRunning)
		return
	}
	c.Status = "running"
	lemJSON(w, map[string]string{"_id": c.ID, "state": c.Status})
}

func (l *Lemlist) pauseLead(w http.ResponseWriter, r *http.Request) { l.setLeadPaused(w, r, true) }
func (l *Lemlist) startLead(w http.ResponseWriter, r *http.Request) { l.setLeadPaused(w, r, false) }

func (l *Lemlist) setLeadPaused(w http.ResponseWriter, r *http.Request, paused bool) {
	key, only := r.PathValue("lead"), r.URL.Query().Get("campaignId")
	l.mu.Lock()
	defer l.mu.Unlock()
	if only != "" && l.campaignLocked(only) == nil {
		lemText(w, http.StatusNotFound, lemMsgNoCampaign)
		return
	}
	changed := []LemlistLead{}
	for _, c := range l.campaigns {
		if only != "" && c.ID != only {
			continue
		}
		if ld := l.findLeadLocked(c.ID, key); ld != nil {
			ld.IsPaused = paused
			changed = append(changed, ld.clone())
		}
	}
	if len(changed) == 0 {
		lemText(w, http.StatusNotFound, lemMsgNoLead)
		return
	}
	lemJSON(w, changed)
}
