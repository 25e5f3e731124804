package vendorsim

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// lemMsgNoSchedule is lemlist's answer to an unknown schedule id.
const lemMsgNoSchedule = "Schedule not found"

// Defaults of the schedule lemlist makes with every campaign.
const (
	lemDefaultScheduleName = "Default schedule"
	lemDefaultTimezone     = "Europe/Paris"
	lemDefaultStart        = "09:00"
	lemDefaultEnd          = "18:00"
	lemDefaultWait         = 1200 // seconds between two sends
)

// LemlistSchedule is a sending schedule in the fake (developer.lemlist.com:
// Schedule object). Weekdays are ISO: 1 is Monday, 7 Sunday; Start and End
// are "HH:mm" in Timezone.
type LemlistSchedule struct {
	ID            string    `json:"_id"`
	Name          string    `json:"name"`
	SecondsToWait int       `json:"secondsToWait"`
	Timezone      string    `json:"timezone"`
	Start         string    `json:"start"`
	End           string    `json:"end"`
	Weekdays      []int     `json:"weekdays"`
	Public        bool      `json:"public"`
	TeamID        string    `json:"teamId"`
	CreatedBy     string    `json:"createdBy"`
	CreatedAt     time.Time `json:"createdAt"`
}

func (s *LemlistSchedule) clone() LemlistSchedule {
	out := *s
	out.Weekdays = slices.Clone(s.Weekdays)
	return out
}

// lemScheduleBody is the body of POST /schedules and PATCH
// /schedules/{id}: absent fields keep their value.
type lemScheduleBody struct {
	Name          *string `json:"name"`
	SecondsToWait *int    `json:"secondsToWait"`
	Timezone      *string `json:"timezone"`
	Start         *string `json:"start"`
	End           *string `json:"end"`
	Weekdays      *[]int  `json:"weekdays"`
	Public        *bool   `json:"public"`
}

// readScheduleBody reads the body (at most 1 MiB); it writes the 400 and
// reports false when it is not JSON.
func readScheduleBody(w http.ResponseWriter, r *http.Request) (lemScheduleBody, bool) {
	var body lemScheduleBody
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(raw, &body) != nil {
		lemText(w, http.StatusBadRequest, "Invalid JSON body")
		return body, false
	}
	return body, true
}

// apply returns s with the sent fields of b, or lemlist's 400 message when
// the result is not a valid schedule.
func (b lemScheduleBody) apply(s LemlistSchedule) (LemlistSchedule, string) {
	if b.Name != nil {
		s.Name = *b.Name
	}
	if b.SecondsToWait != nil {
		s.SecondsToWait = *b.SecondsToWait
	}
	if b.Timezone != nil {
		s.Timezone = *b.Timezone
	}
	if b.Start != nil {
		s.Start = *b.Start
	}
	if b.End != nil {
		s.End = *b.End
	}
	if b.Weekdays != nil {
		s.Weekdays = slices.Clone(*b.Weekdays)
	}
	if b.Public != nil {
		s.Public = *b.Public
	}
	start, okStart := lemClock(s.Start)
	end, okEnd := lemClock(s.End)
	switch {
	case s.SecondsToWait < 0:
		return s, "secondsToWait must be a positive number"
	case !okStart:
		return s, "start must be a time HH:mm"
	case !okEnd:
		return s, "end must be a time HH:mm"
	case end <= start:
		return s, "end must be after start"
	case len(s.Weekdays) == 0:
		return s, "weekdays must not be empty"
	}
	if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "" {
		return s, "Invalid timezone"
	}
	seen := map[int]bool{}
	for _, d := range s.Weekdays {
		if d < 1 || d > 7 || seen[d] {
			return s, "weekdays must be distinct days from 1 (Monday) to 7 (Sunday)"
		}
		seen[d] = true
	}
	return s, ""
}

// lemClock reads "HH:mm" (00:00 to 23:59) as minutes after midnight.
func lemClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, errH := strconv.Atoi(s[:2])
	m, errM := strconv.Atoi(s[3:])
	if errH != nil || errM != nil || s[0] == '+' || s[3] == '+' || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// addDefaultScheduleLocked makes c's default schedule (id derived from the
// campaign id) in timezone tz and attaches it to c, as lemlist does for
// every campaign it creates.
func (l *Lemlist) addDefaultScheduleLocked(c *LemlistCampaign, tz string) *LemlistSchedule {
	s := &LemlistSchedule{
		ID: lemID("skd_", c.ID), Name: lemDefaultScheduleName, SecondsToWait: lemDefaultWait, Timezone: tz,
		Start: lemDefaultStart, End: lemDefaultEnd, Weekdays: []int{1, 2, 3, 4, 5},
		TeamID: c.TeamID, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt,
	}
	l.schedules[s.ID] = s
	l.campaignSchedules[c.ID] = []string{s.ID}
	return s
}

// CampaignSchedules returns copies of the schedules attached to a
// campaign, in the order they were attached (the default one first); nil
// for an unknown campaign.
func (l *Lemlist) CampaignSchedules(campaignID string) []LemlistSchedule {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.campaignSchedulesLocked(campaignID)
}

func (l *Lemlist) campaignSchedulesLocked(campaignID string) []LemlistSchedule {
	var out []LemlistSchedule
	for _, id := range l.campaignSchedules[campaignID] {
		out = append(out, l.schedules[id].clone())
	}
	return out
}

// createSchedule answers POST /schedules {name, secondsToWait, timezone,
// start, end, weekdays, public} with the Schedule (developer.lemlist.com:
// create-schedule). Absent fields take the default schedule's values.
func (l *Lemlist) createSchedule(w http.ResponseWriter, r *http.Request) {
	body, ok := readScheduleBody(w, r)
	if !ok {
		return
	}
	s, msg := body.apply(LemlistSchedule{Name: "New schedule", SecondsToWait: lemDefaultWait, Timezone: lemDefaultTimezone,
		Start: lemDefaultStart, End: lemDefaultEnd, Weekdays: []int{1, 2, 3, 4, 5}})
	if msg != "" {
		lemText(w, http.StatusBadRequest, msg)
		return
	}
	l.write("schedule", s.Name)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	s.ID = lemID("skd_", l.apiKey, s.Name, strconv.Itoa(l.seq))
	s.TeamID, s.CreatedBy, s.CreatedAt = l.teamID(), l.userID(), time.Now().UTC()
	l.schedules[s.ID] = &s
	lemJSON(w, s.clone())
}

// getSchedule answers GET /schedules/{scheduleId} (developer.lemlist.com:
// get-schedule).
func (l *Lemlist) getSchedule(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.schedules[r.PathValue("scheduleId")]
	if s == nil {
		lemText(w, http.StatusNotFound, lemMsgNoSchedule)
		return
	}
	lemJSON(w, s.clone())
}

// updateSchedule answers PATCH /schedules/{scheduleId} with the updated
// Schedule; only the fields sent change, and the result must be a valid
// schedule (developer.lemlist.com: update-schedule).
func (l *Lemlist) updateSchedule(w http.ResponseWriter, r *http.Request) {
	body, ok := readScheduleBody(w, r)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.schedules[r.PathValue("scheduleId")]
	if s == nil {
		lemText(w, http.StatusNotFound, lemMsgNoSchedule)
		return
	}
	next, msg := body.apply(s.clone())
	if msg != "" {
		lemText(w, http.StatusBadRequest, msg)
		return
	}
	*s = next
	lemJSON(w, s.clone())
}

// getCampaignSchedules answers GET /campaigns/{campaignId}/schedules with
// the Schedules attached to the campaign, as an array in attach order
// (developer.lemlist.com: get-campaign-schedules).
func (l *Lemlist) getCampaignSchedules(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.campaignOr404Locked(w, r.PathValue("campaignId"))
	if c == nil {
		return
	}
	lemJSON(w, append([]LemlistSchedule{}, l.campaignSchedulesLocked(c.ID)...))
}

// attachSchedule answers POST /campaigns/{campaignId}/schedules/{scheduleId}
// with {scheduleId, campaignId} (developer.lemlist.com:
// add-schedule-to-campaign). Attaching a schedule twice keeps one; the
// repeat is counted as a duplicate write.
func (l *Lemlist) attachSchedule(w http.ResponseWriter, r *http.Request) {
	campaignID, scheduleID := r.PathValue("campaignId"), r.PathValue("scheduleId")
	l.write("schedule attach", campaignID+"\x00"+scheduleID)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.campaignLocked(campaignID) == nil:
		lemText(w, http.StatusNotFound, lemMsgNoCampaign)
		return
	case l.schedules[scheduleID] == nil:
		lemText(w, http.StatusNotFound, lemMsgNoSchedule)
		return
	}
	if !slices.Contains(l.campaignSchedules[campaignID], scheduleID) {
		l.campaignSchedules[campaignID] = append(l.campaignSchedules[campaignID], scheduleID)
	}
	lemJSON(w, map[string]string{"scheduleId": scheduleID, "campaignId": campaignID})
}
