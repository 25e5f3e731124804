package vendorsim

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"
)

// LemlistCampaign is a campaign of the fake lemlist, as GET /campaigns
// lists it.
type LemlistCampaign struct {
	ID         string    `json:"_id"`
	Name       string    `json:"name"`
	Labels     []string  `json:"labels"`
	CreatedAt  time.Time `json:"createdAt"`
	CreatedBy  string    `json:"createdBy"`
	Status     string    `json:"status"`
	SequenceID string    `json:"sequenceId"`
	TeamID     string    `json:"teamId"`
	HasError   bool      `json:"hasError"`
	Errors     []string  `json:"errors"`
}

// LemlistLead is a lead in one campaign of the fake.
type LemlistLead struct {
	ID            string
	CampaignID    string
	CampaignName  string
	ContactID     string
	Fields        map[string]string // predefined fields sent (email, firstName, …)
	Variables     map[string]string // custom variables (extra body keys)
	Flags         map[string]bool   // query flags it was added with
	IsPaused      bool
	Unsubscribed  bool
	Email         string // lower-cased, "" for a LinkedIn-only lead
	AddedAt       time.Time
	activityTypes map[string]bool
}

// MarshalJSON writes the lead the way lemlist answers an add: the fields
// and custom variables flat, with ids and campaign.
func (ld LemlistLead) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(ld.Fields)+len(ld.Variables)+5)
	for k, v := range ld.Variables {
		out[k] = v
	}
	for k, v := range ld.Fields {
		out[k] = v
	}
	out["_id"], out["campaignId"], out["campaignName"] = ld.ID, ld.CampaignID, ld.CampaignName
	out["contactId"], out["isPaused"] = ld.ContactID, ld.IsPaused
	return json.Marshal(out)
}

func (ld *LemlistLead) clone() LemlistLead {
	c := *ld
	c.Fields, c.Variables, c.Flags = maps.Clone(ld.Fields), maps.Clone(ld.Variables), maps.Clone(ld.Flags)
	c.activityTypes = nil
	return c
}

// LemlistRecipient is one address of an email activity.
type LemlistRecipient struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
}

// LemlistActivity is one activity record, as GET /activities lists it and
// webhooks deliver it (with the hook's secret added).
type LemlistActivity struct {
	ID            string             `json:"_id"`
	Type          string             `json:"type"`
	CreatedAt     time.Time          `json:"createdAt"`
	TeamID        string             `json:"teamId"`
	CampaignID    string             `json:"campaignId,omitempty"`
	CampaignName  string             `json:"campaignName,omitempty"`
	SequenceID    string             `json:"sequenceId,omitempty"`
	SequenceStep  int                `json:"sequenceStep"`
	IsFirst       bool               `json:"isFirst"`
	LeadID        string             `json:"leadId,omitempty"`
	ContactID     string             `json:"contactId,omitempty"`
	LeadEmail     string             `json:"leadEmail,omitempty"`
	LeadFirstName string             `json:"leadFirstName,omitempty"`
	LeadLastName  string             `json:"leadLastName,omitempty"`
	SendUserID    string             `json:"sendUserId,omitempty"`
	SendUserEmail string             `json:"sendUserEmail,omitempty"`
	SendUserName  string             `json:"sendUserName,omitempty"`
	Subject       string             `json:"subject,omitempty"`
	To            []LemlistRecipient `json:"to,omitempty"`
}

// lemSender is the fake team's sending user.
const (
	lemSenderEmail = "outreach@sender.example"
	lemSenderName  = "Sim Sender"
)

// lemSeedCampaigns are the campaigns every fresh fake has.
var lemSeedCampaigns = []struct{ name, status string }{
	{"Q3 outbound", "running"},
	{"LinkedIn warm-up", "running"},
	{"Founders nurture", "draft"},
	{"Webinar follow-up", "ended"},
	{"No sender yet", "errors"},
}

// Reset forgets every lead, activity, hook, unsubscribe and added campaign
// and restores the seeded campaigns.
func (l *Lemlist) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.campaigns = nil
	l.leads = make(map[string][]*LemlistLead)
	l.activities = nil
	l.hookList = nil
	l.unsubscribes = make(map[string]*lemUnsubscribe)
	l.steps = make(map[string][]*LemlistStep)
	l.schedules = make(map[string]*LemlistSchedule)
	l.campaignSchedules = make(map[string][]string)
	l.seq = 0
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i, c := range lemSeedCampaigns {
		l.addCampaignLocked(c.name, c.status, base.Add(time.Duration(i)*24*time.Hour))
	}
}

// AddCampaign adds a campaign (status running, draft, paused, ended,
// archived or errors; empty means running) and returns it, so tests can
// have campaigns beyond the seeded ones.
func (l *Lemlist) AddCampaign(name, status string) LemlistCampaign {
	l.mu.Lock()
	defer l.mu.Unlock()
	return *l.addCampaignLocked(name, status, time.Now().UTC())
}

func (l *Lemlist) addCampaignLocked(name, status string, at time.Time) *LemlistCampaign {
	if status == "" {
		status = "running"
	}
	n := fmt.Sprint(len(l.campaigns))
	c := &LemlistCampaign{
		ID: lemID("cam_", l.apiKey, name, n), Name: name, Labels: []string{}, CreatedAt: at,
		CreatedBy: l.userID(), Status: status, SequenceID: lemID("seq_", l.apiKey, name, n),
		TeamID: l.teamID(), Errors: []string{},
	}
	if status == "errors" {
		c.HasError, c.Errors = true, []string{"Your campaign does not have sender."}
	}
	l.campaigns = append(l.campaigns, c)
	l.addDefaultScheduleLocked(c, lemDefaultTimezone)
	return c
}

// Campaigns returns the campaigns in creation order.
func (l *Lemlist) Campaigns() []LemlistCampaign {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]LemlistCampaign, len(l.campaigns))
	for i, c := range l.campaigns {
		out[i] = *c
	}
	return out
}

// Leads returns a campaign's leads in the order they were added.
func (l *Lemlist) Leads(campaignID string) []LemlistLead {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []LemlistLead
	for _, ld := range l.leads[campaignID] {
		out = append(out, ld.clone())
	}
	return out
}

// Activities returns every activity recorded, oldest first.
func (l *Lemlist) Activities() []LemlistActivity {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]LemlistActivity, len(l.activities))
	for i, a := range l.activities {
		out[i] = *a
	}
	return out
}

// Unsubscribed reports whether an email or domain is on the global
// unsubscribe list.
func (l *Lemlist) Unsubscribed(emailOrDomain string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.unsubscribes[strings.ToLower(strings.TrimSpace(emailOrDomain))] != nil
}

// RecordActivity records an activity of type typ (emailsReplied,
// linkedinInviteAccepted, …) for the lead with email in campaignID and
// returns it, for tests that then deliver it with FireHook.
func (l *Lemlist) RecordActivity(campaignID, email, typ string) (LemlistActivity, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ld := l.findLeadLocked(campaignID, email)
	if ld == nil {
		return LemlistActivity{}, fmt.Errorf("lemlist fake: no lead %q in campaign %q", email, campaignID)
	}
	step := 0 // the first step is where most events happen…
	if strings.HasSuffix(typ, "Replied") {
		step = 1 // …but a reply answers a follow-up
	}
	return *l.recordLocked(ld, typ, step, time.Now().UTC()), nil
}

func (l *Lemlist) campaignLocked(id string) *LemlistCampaign {
	for _, c := range l.campaigns {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// campaignOr404Locked is the campaign with id, or nil after answering
// lemlist's 404 for it.
func (l *Lemlist) campaignOr404Locked(w http.ResponseWriter, id string) *LemlistCampaign {
	c := l.campaignLocked(id)
	if c == nil {
		lemText(w, http.StatusNotFound, lemMsgNoCampaign)
	}
	return c
}

// findLeadLocked finds a lead of a campaign by email or by lead id.
func (l *Lemlist) findLeadLocked(campaignID, emailOrID string) *LemlistLead {
	key := strings.ToLower(strings.TrimSpace(emailOrID))
	for _, ld := range l.leads[campaignID] {
		if (ld.Email != "" && ld.Email == key) || strings.EqualFold(ld.ID, emailOrID) {
			return ld
		}
	}
	return nil
}

func (l *Lemlist) teamID() string { return lemID("tea_", l.apiKey) }
func (l *Lemlist) userID() string { return lemID("usr_", l.apiKey) }

// recordLocked appends one activity of ld.
func (l *Lemlist) recordLocked(ld *LemlistLead, typ string, step int, at time.Time) *LemlistActivity {
	l.seq++
	if ld.activityTypes == nil {
		ld.activityTypes = make(map[string]bool)
	}
	first := !ld.activityTypes[typ]
	ld.activityTypes[typ] = true
	c := l.campaignLocked(ld.CampaignID)
	a := &LemlistActivity{
		ID: lemID("act_", ld.ID, typ, fmt.Sprint(l.seq)), Type: typ, CreatedAt: at,
		TeamID: l.teamID(), CampaignID: ld.CampaignID, CampaignName: ld.CampaignName,
		SequenceStep: step, IsFirst: first, LeadID: ld.ID, ContactID: ld.ContactID,
		LeadEmail: ld.Fields["email"], LeadFirstName: ld.Fields["firstName"], LeadLastName: ld.Fields["lastName"],
		SendUserID: l.userID(), SendUserEmail: lemSenderEmail, SendUserName: lemSenderName,
	}
	if c != nil {
		a.SequenceID = c.SequenceID
	}
	if strings.HasPrefix(typ, "emails") {
		a.Subject = "Quick question"
		if step > 0 {
			a.Subject = "Re: Quick question"
		}
		if typ == "emailsSent" || typ == "emailsBounced" {
			a.To = []LemlistRecipient{{Address: ld.Fields["email"], Name: strings.TrimSpace(ld.Fields["firstName"] + " " + ld.Fields["lastName"])}}
		} else if typ == "emailsReplied" {
			a.To = []LemlistRecipient{{Address: lemSenderEmail, Name: lemSenderName}}
		}
	}
	l.activities = append(l.activities, a)
	return a
}

// lemActivitiesFor is what adding ld records, derived from the hash of its
// email (or LinkedIn URL) so a given lead always gets the same history:
// with an email, emailsSent, then by hash%10: 0 bounced; 1–6 opened, of
// which 1–2 also replied; 7–9 nothing more. With a LinkedIn URL,
// linkedinVisitDone, then half of them linkedinInviteDone, a quarter also
// linkedinInviteAccepted.
func lemActivitiesFor(email, linkedin string) []struct {
	typ  string
	step int
} {
	type ev = struct {
		typ  string
		step int
	}
	var out []ev
	if email != "" {
		out = append(out, ev{"emailsSent", 0})
		switch r := Hash("lemlist-activity", email) % 10; {
		case r == 0:
			out = append(out, ev{"emailsBounced", 0})
		case r <= 6:
			out = append(out, ev{"emailsOpened", 0})
			if r <= 2 {
				out = append(out, ev{"emailsReplied", 1})
			}
		}
	}
	if linkedin != "" {
		out = append(out, ev{"linkedinVisitDone", 0})
		switch Hash("lemlist-linkedin", linkedin) % 4 {
		case 0:
			out = append(out, ev{"linkedinInviteDone", 1}, ev{"linkedinInviteAccepted", 1})
		case 1:
			out = append(out, ev{"linkedinInviteDone", 1})
		}
	}
	return out
}
