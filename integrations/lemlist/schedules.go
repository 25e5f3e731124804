package lemlist

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Schedule is when a campaign sends (developer.lemlist.com: Schedule
// object): from Start to End ("HH:mm") in Timezone (IANA) on Weekdays,
// SecondsToWait between two sends.
type Schedule struct {
	ID            string    `json:"_id"`
	Name          string    `json:"name"`
	SecondsToWait int       `json:"secondsToWait"`
	Timezone      string    `json:"timezone"`
	Start         string    `json:"start"`
	End           string    `json:"end"`
	Weekdays      []int     `json:"weekdays"` // ISO: 1 is Monday, 7 Sunday
	Public        bool      `json:"public"`
	TeamID        string    `json:"teamId"`
	CreatedBy     string    `json:"createdBy"`
	CreatedAt     time.Time `json:"createdAt"`
}

// ScheduleRequest is the body of POST /schedules and PATCH
// /schedules/{id}: fields left zero (nil) are not sent, so an update
// changes only the fields set. Weekdays are ISO (1 is Monday, 7 Sunday);
// Start and End are "HH:mm".
type ScheduleRequest struct {
	Name          string `json:"name,omitempty"`
	SecondsToWait *int   `json:"secondsToWait,omitempty"`
	Timezone      string `json:"timezone,omitempty"`
	Start         string `json:"start,omitempty"`
	End           string `json:"end,omitempty"`
	Weekdays      []int  `json:"weekdays,omitempty"`
	Public        *bool  `json:"public,omitempty"`
}

// check refuses what lemlist would refuse and this client can tell alone.
// Whether End is after Start is checked only when both are set: an update
// may send one.
func (r ScheduleRequest) check(op string) error {
	start, okStart := clock(r.Start)
	end, okEnd := clock(r.End)
	switch {
	case r.Start != "" && !okStart:
		return invalid(op, "start %q is not HH:mm", r.Start)
	case r.End != "" && !okEnd:
		return invalid(op, "end %q is not HH:mm", r.End)
	case r.Start != "" && r.End != "" && end <= start:
		return invalid(op, "end %s is not after start %s", r.End, r.Start)
	case r.SecondsToWait != nil && *r.SecondsToWait < 0:
		return invalid(op, "secondsToWait %d is negative", *r.SecondsToWait)
	}
	for _, d := range r.Weekdays {
		if d < 1 || d > 7 {
			return invalid(op, "weekday %d is not 1 (Monday) to 7 (Sunday)", d)
		}
	}
	return nil
}

// clock reads "HH:mm" (00:00 to 23:59) as minutes after midnight.
func clock(s string) (int, bool) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, false
	}
	h, errH := strconv.ParseUint(hh, 10, 8)
	m, errM := strconv.ParseUint(mm, 10, 8)
	if errH != nil || errM != nil || h > 23 || m > 59 {
		return 0, false
	}
	return int(h)*60 + int(m), true
}

// CreateSchedule creates a schedule (POST /schedules; developer.lemlist.com:
// create-schedule), to attach with AttachSchedule. lemlist has no
// idempotency key: a repeat makes a second schedule.
func (c *Client) CreateSchedule(ctx context.Context, req ScheduleRequest) (*Schedule, error) {
	const op = "create schedule"
	if err := req.check(op); err != nil {
		return nil, err
	}
	var out Schedule
	if err := c.do(ctx, http.MethodPost, "/schedules", nil, req, &out); err != nil {
		return nil, wrap(op, err)
	}
	return &out, nil
}

// UpdateSchedule changes the fields set in req (PATCH /schedules/{id};
// developer.lemlist.com: update-schedule) and returns the schedule.
func (c *Client) UpdateSchedule(ctx context.Context, scheduleID string, req ScheduleRequest) (*Schedule, error) {
	const op = "update schedule"
	if scheduleID == "" {
		return nil, invalid(op, "schedule id is empty")
	}
	if err := req.check(op); err != nil {
		return nil, err
	}
	var out Schedule
	if err := c.do(ctx, http.MethodPatch, "/schedules/"+url.PathEscape(scheduleID), nil, req, &out); err != nil {
		return nil, wrap(op, err)
	}
	return &out, nil
}

// CampaignSchedules returns the schedules attached to a campaign (GET
// /campaigns/{id}/schedules; developer.lemlist.com: get-campaign-schedules).
// A new campaign has one, the default schedule of its scheduleIds.
func (c *Client) CampaignSchedules(ctx context.Context, campaignID string) ([]Schedule, error) {
	const op = "campaign schedules"
	if campaignID == "" {
		return nil, invalid(op, "campaign id is empty")
	}
	var out []Schedule
	if err := c.do(ctx, http.MethodGet, "/campaigns/"+url.PathEscape(campaignID)+"/schedules", nil, nil, &out); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// AttachSchedule attaches an existing schedule to a campaign (POST
// /campaigns/{campaignId}/schedules/{scheduleId}; developer.lemlist.com:
// add-schedule-to-campaign). Attaching it again changes nothing.
func (c *Client) AttachSchedule(ctx context.Context, campaignID, scheduleID string) error {
	const op = "attach schedule"
	switch {
	case campaignID == "":
		return invalid(op, "campaign id is empty")
	case scheduleID == "":
		return invalid(op, "schedule id is empty")
	}
	var out struct {
		ScheduleID string `json:"scheduleId"`
		CampaignID string `json:"campaignId"`
	}
	if err := c.do(ctx, http.MethodPost, "/campaigns/"+url.PathEscape(campaignID)+"/schedules/"+url.PathEscape(scheduleID), nil, nil, &out); err != nil {
		return wrap(op, err)
	}
	return nil
}
