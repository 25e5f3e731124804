package vendorsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// lemHook is one registered webhook.
type lemHook struct {
	ID         string    `json:"_id"`
	TargetURL  string    `json:"targetUrl"`
	Type       string    `json:"type,omitempty"`
	CampaignID string    `json:"campaignId,omitempty"`
	IsFirst    bool      `json:"isFirst,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	secret     string    // never returned, as lemlist stores it encrypted
}

// LemlistHook is a registered webhook as a test sees it, secret included.
type LemlistHook struct {
	ID, TargetURL, Type, CampaignID, Secret string
	IsFirst                                 bool
}

// lemHookTypes are the event types a hook may be limited to: the lead-state
// groups and the per-channel events of VENDORS.md. skipped, emailsSendFailed
// and opportunitiesDone were removed by lemlist and are refused.
var lemHookTypes = []string{
	"contacted", "hooked", "attracted", "warmed", "interested", "notInterested",
	"emailsSent", "emailsOpened", "emailsClicked", "emailsReplied", "emailsBounced", "emailsFailed",
	"emailsInterested", "emailsNotInterested", "emailsUnsubscribed",
	"linkedinSent", "linkedinOpened", "linkedinReplied", "linkedinInviteDone", "linkedinInviteFailed",
	"linkedinInviteAccepted", "linkedinVisitDone", "linkedinVisitFailed", "linkedinInterested",
	"linkedinNotInterested", "linkedinSendFailed",
	"aircallCreated", "aircallEnded", "aircallDone", "aircallInterested", "aircallNotInterested",
	"apiDone", "apiInterested", "apiNotInterested", "apiFailed", "manualInterested", "manualNotInterested",
	"paused", "resumed", "stopped", "campaignComplete", "sendLimitReached", "enrichmentDone",
}

// lemGroups maps an event to the lead-state group a hook may subscribe to
// instead of the event itself.
var lemGroups = map[string]string{
	"emailsSent": "contacted", "linkedinSent": "contacted", "linkedinInviteDone": "contacted",
	"emailsOpened": "hooked", "linkedinOpened": "hooked",
	"emailsClicked": "attracted", "linkedinInviteAccepted": "attracted",
	"emailsReplied": "warmed", "linkedinReplied": "warmed",
	"emailsInterested": "interested", "linkedinInterested": "interested", "apiInterested": "interested",
	"aircallInterested": "interested", "manualInterested": "interested",
	"emailsNotInterested": "notInterested", "linkedinNotInterested": "notInterested", "apiNotInterested": "notInterested",
	"aircallNotInterested": "notInterested", "manualNotInterested": "notInterested",
}

// createHook accepts targetUrl, type, secret, campaignId and isFirst in the
// JSON body (the docs' examples) or the query (the spec); the body wins.
func (l *Lemlist) createHook(w http.ResponseWriter, r *http.Request) {
	var body struct {
		TargetURL  *string `json:"targetUrl"`
		Type       *string `json:"type"`
		Secret     *string `json:"secret"`
		CampaignID *string `json:"campaignId"`
		IsFirst    *bool   `json:"isFirst"`
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		lemText(w, http.StatusBadRequest, "Request body too large")
		return
	}
	if len(bytes.TrimSpace(raw)) > 0 && json.Unmarshal(raw, &body) != nil {
		lemText(w, http.StatusBadRequest, "Invalid JSON body")
		return
	}
	q := r.URL.Query()
	pick := func(p *string, name string) string {
		if p != nil {
			return *p
		}
		return q.Get(name)
	}
	h := &lemHook{TargetURL: pick(body.TargetURL, "targetUrl"), Type: pick(body.Type, "type"), CampaignID: pick(body.CampaignID, "campaignId")}
	h.secret = pick(body.Secret, "secret")
	if body.IsFirst != nil {
		h.IsFirst = *body.IsFirst
	} else if v := q.Get("isFirst"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			lemText(w, http.StatusBadRequest, "isFirst must be a boolean")
			return
		}
		h.IsFirst = b
	}
	if u, err := url.Parse(h.TargetURL); h.TargetURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		lemText(w, http.StatusBadRequest, "targetUrl must be a valid URL")
		return
	}
	if h.Type != "" && !slices.Contains(lemHookTypes, h.Type) {
		lemText(w, http.StatusBadRequest, "Invalid type "+h.Type)
		return
	}
	l.write("hook", h.TargetURL+"\x00"+h.Type+"\x00"+h.CampaignID)

	l.mu.Lock()
	defer l.mu.Unlock()
	if h.CampaignID != "" && l.campaignLocked(h.CampaignID) == nil {
		lemText(w, http.StatusNotFound, lemMsgNoCampaign)
		return
	}
	l.seq++
	h.ID = lemID("hoo_", l.apiKey, h.TargetURL, strconv.Itoa(l.seq))
	h.CreatedAt = time.Now().UTC()
	l.hookList = append(l.hookList, h)
	lemJSON(w, h)
}

func (l *Lemlist) listHooks(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]lemHook, len(l.hookList))
	for i, h := range l.hookList {
		out[i] = *h
	}
	lemJSON(w, out)
}

func (l *Lemlist) deleteHook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("hookId")
	l.mu.Lock()
	defer l.mu.Unlock()
	i := slices.IndexFunc(l.hookList, func(h *lemHook) bool { return h.ID == id })
	if i < 0 {
		lemText(w, http.StatusNotFound, lemMsgNoHook)
		return
	}
	h := l.hookList[i]
	l.hookList = slices.Delete(l.hookList, i, i+1)
	lemJSON(w, h)
}

// Hooks returns the registered webhooks, secrets included.
func (l *Lemlist) Hooks() []LemlistHook {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]LemlistHook, len(l.hookList))
	for i, h := range l.hookList {
		out[i] = LemlistHook{ID: h.ID, TargetURL: h.TargetURL, Type: h.Type, CampaignID: h.CampaignID, Secret: h.secret, IsFirst: h.IsFirst}
	}
	return out
}

// matches reports whether h wants ev: its type (or the lead-state group of
// it) when set, its campaign when set, and only first occurrences when
// isFirst.
func (h *lemHook) matches(ev LemlistActivity) bool {
	return (h.Type == "" || h.Type == ev.Type || h.Type == lemGroups[ev.Type]) &&
		(h.CampaignID == "" || h.CampaignID == ev.CampaignID) &&
		(!h.IsFirst || ev.IsFirst)
}

// FireHook delivers ev the way lemlist does: an HTTP POST of the activity
// record as JSON, with the hook's secret echoed as "secret" when it has one,
// to every hook that matches. It returns how many deliveries got a 2xx and
// the errors of the others; lemlist's retry policy is undocumented, so
// there is no retry.
func (l *Lemlist) FireHook(ctx context.Context, ev LemlistActivity) (delivered int, err error) {
	l.mu.Lock()
	var targets []lemHook
	for _, h := range l.hookList {
		if h.matches(ev) {
			targets = append(targets, *h)
		}
	}
	l.mu.Unlock()

	var errs []error
	for _, h := range targets {
		if err := l.deliver(ctx, h, ev); err != nil {
			errs = append(errs, fmt.Errorf("hook %s to %s: %w", h.ID, h.TargetURL, err))
			continue
		}
		delivered++
	}
	return delivered, errors.Join(errs...)
}

func (l *Lemlist) deliver(ctx context.Context, h lemHook, ev LemlistActivity) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if h.secret != "" {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		m["secret"] = h.secret
		if b, err = json.Marshal(m); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.TargetURL, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.hooks.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
