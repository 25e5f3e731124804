package vendorsim

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
)

// LemlistStep is one step of a campaign's sequence in the fake.
type LemlistStep struct {
	ID           string `json:"_id"`
	Type         string `json:"type"`
	Delay        int    `json:"delay"`
	Index        int    `json:"index"`
	SequenceID   string `json:"sequenceId"`
	SequenceStep int    `json:"sequenceStep"`
	Subject      string `json:"subject,omitempty"`
	Message      string `json:"message,omitempty"`
}

// lemStepTypes are the step types lemlist documents for add-step.
var lemStepTypes = map[string]bool{"email": true, "manual": true, "phone": true, "api": true, "linkedinVisit": true,
	"linkedinInvite": true, "linkedinSend": true, "linkedinVoiceNote": true, "linkedinFollow": true,
	"linkedinLikeLastPost": true, "linkedinCommentLastPost": true, "linkedinEndorse": true,
	"linkedinWithdrawInvitation": true, "sendToAnotherCampaign": true, "conditional": true, "whatsappMessage": true, "sms": true}

// campaignSequences answers GET /campaigns/{campaignId}/sequences as
// lemlist does: an object keyed by sequence id, each with its steps in
// order (developer.lemlist.com: get-campaign-sequences).
func (l *Lemlist) campaignSequences(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.campaignLocked(r.PathValue("campaignId"))
	if c == nil {
		lemText(w, http.StatusNotFound, "Campaign not found")
		return
	}
	steps := l.steps[c.SequenceID]
	if steps == nil {
		steps = []*LemlistStep{}
	}
	lemJSON(w, map[string]any{c.SequenceID: map[string]any{"_id": c.SequenceID, "campaignId": c.ID, "steps": steps}})
}

// addStep answers POST /sequences/{sequenceId}/steps {type, subject,
// message, delay, index} (developer.lemlist.com: add-step-to-sequence): the
// step goes at index (1-based; appended when absent or past the end) and
// the later steps move up one.
func (l *Lemlist) addStep(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Type    string `json:"type"`
		Subject string `json:"subject"`
		Message string `json:"message"`
		Delay   *int   `json:"delay"`
		Index   *int   `json:"index"`
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(raw, &body) != nil {
		lemText(w, http.StatusBadRequest, "Invalid JSON body")
		return
	}
	switch {
	case !lemStepTypes[body.Type]:
		lemText(w, http.StatusBadRequest, "Invalid step type")
		return
	case body.Type == "email" && body.Message == "":
		lemText(w, http.StatusBadRequest, "message is required for an email step")
		return
	case body.Delay != nil && *body.Delay < 0:
		lemText(w, http.StatusBadRequest, "delay must be a positive number")
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	seq := r.PathValue("sequenceId")
	known := false
	for _, c := range l.campaigns {
		known = known || c.SequenceID == seq
	}
	if !known {
		lemText(w, http.StatusNotFound, "Sequence not found")
		return
	}
	steps := l.steps[seq]
	at := len(steps)
	if body.Index != nil && *body.Index >= 1 && *body.Index-1 < at {
		at = *body.Index - 1
	}
	l.seq++
	st := &LemlistStep{ID: lemID("stp_", l.apiKey, seq, strconv.Itoa(l.seq)), Type: body.Type, SequenceID: seq,
		Subject: body.Subject, Message: body.Message}
	if body.Delay != nil {
		st.Delay = *body.Delay
	}
	steps = slices.Insert(steps, at, st)
	for i, s := range steps {
		s.Index, s.SequenceStep = i+1, i
	}
	l.steps[seq] = steps
	lemJSON(w, st)
}
