package campaigns

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/rtgs/sales-automation/internal/pgtext"
)

// Event kinds the platform counts and reacts to; every other event type is
// stored but neither counted nor acted upon.
const (
	EventSent         = "sent"
	EventOpened       = "opened"
	EventClicked      = "clicked"
	EventReplied      = "replied"
	EventBounced      = "bounced"
	EventUnsubscribed = "unsubscribed"
)

// Stop reasons written to enrollments.stop_reason by events.
const (
	StopReplied        = "replied"
	StopBounced        = "bounced"
	StopUnsubscribed   = "unsubscribed"
	StopCompanyReplied = "company_replied"
)

// LemlistKinds maps lemlist activity types to the kinds above. A LinkedIn
// reply is a reply: the prospect answered, whatever the channel.
var lemlistKinds = map[string]string{
	"emailsSent":         EventSent,
	"emailsOpened":       EventOpened,
	"emailsClicked":      EventClicked,
	"emailsReplied":      EventReplied,
	"linkedinReplied":    EventReplied,
	"emailsBounced":      EventBounced,
	"emailsUnsubscribed": EventUnsubscribed,
}

// LemlistTypes returns the lemlist activity types that map to kind, for
// SQL that filters on the stored type.
func LemlistTypes(kind string) []string {
	var out []string
	for t, k := range lemlistKinds {
		if k == kind {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// lemlistKnown are the activity types lemlist documents (VENDORS.md: the
// lead-state groups and the per-channel events). An event of another type
// is answered 2xx and dropped: lemlist adds types over time and must not
// retry them at us.
var lemlistKnown = setOf(
	"contacted", "hooked", "attracted", "warmed", "interested", "notInterested",
	"emailsSent", "emailsOpened", "emailsClicked", "emailsReplied", "emailsBounced", "emailsFailed",
	"emailsInterested", "emailsNotInterested", "emailsUnsubscribed",
	"linkedinSent", "linkedinOpened", "linkedinReplied", "linkedinInviteDone", "linkedinInviteFailed",
	"linkedinInviteAccepted", "linkedinVisitDone", "linkedinVisitFailed", "linkedinInterested",
	"linkedinNotInterested", "linkedinSendFailed",
	"aircallCreated", "aircallEnded", "aircallDone", "aircallInterested", "aircallNotInterested",
	"apiDone", "apiInterested", "apiNotInterested", "apiFailed", "manualInterested", "manualNotInterested",
	"paused", "resumed", "stopped", "campaignComplete", "sendLimitReached", "enrichmentDone",
)

// LemlistKind returns the kind of a lemlist activity type, "" when the
// platform does not count it.
func LemlistKind(activityType string) string { return lemlistKinds[activityType] }

// KnownLemlistType reports whether lemlist documents the activity type.
func KnownLemlistType(activityType string) bool { return lemlistKnown[activityType] }

// LemlistEvent is what the platform reads from one lemlist activity, as a
// webhook delivers it or GET /activities lists it.
type LemlistEvent struct {
	ID         string // the activity's _id: idempotency key
	Type       string
	CreatedAt  time.Time
	CampaignID string
	LeadID     string
	Step       *int // sequenceStep, 0-based
	Secret     string
	// Payload is the record as received minus its secret, for campaign_events.
	Payload []byte
}

// EventError says what is wrong with an event body, naming the field.
type EventError struct {
	Field  string // "body" for the body as a whole
	Reason string
}

func (e *EventError) Error() string { return e.Field + ": " + e.Reason }

// Bounds of one event's fields: lemlist ids are ~20 characters.
const (
	maxEventID   = 128
	maxEventText = 256
)

// ParseLemlistEvent reads one activity record: a single JSON object with a
// string _id, a string type and a createdAt (ISO-8601 or unix seconds);
// campaignId and leadId strings and a non-negative integer sequenceStep
// when present. Other fields are kept in Payload unread, since lemlist adds
// fields freely; the secret is taken out of Payload so it is never stored.
// Errors are *EventError.
func ParseLemlistEvent(body []byte) (LemlistEvent, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return LemlistEvent{}, &EventError{Field: "body", Reason: jsonReason(err)}
	}
	if raw == nil {
		return LemlistEvent{}, &EventError{Field: "body", Reason: "must be a JSON object, not null"}
	}
	var ev LemlistEvent
	var err error
	if ev.ID, err = stringField(raw, "_id", true, maxEventID); err != nil {
		return LemlistEvent{}, err
	}
	if ev.Type, err = stringField(raw, "type", true, maxEventText); err != nil {
		return LemlistEvent{}, err
	}
	if ev.CampaignID, err = stringField(raw, "campaignId", false, maxEventID); err != nil {
		return LemlistEvent{}, err
	}
	if ev.LeadID, err = stringField(raw, "leadId", false, maxEventID); err != nil {
		return LemlistEvent{}, err
	}
	if ev.Secret, err = stringField(raw, "secret", false, maxEventText); err != nil {
		return LemlistEvent{}, err
	}
	if ev.CreatedAt, err = timeField(raw, "createdAt"); err != nil {
		return LemlistEvent{}, err
	}
	if v, ok := raw["sequenceStep"]; ok && !isNull(v) {
		var n json.Number
		if json.Unmarshal(v, &n) != nil {
			return LemlistEvent{}, &EventError{Field: "sequenceStep", Reason: "must be a number"}
		}
		step, err := strconv.Atoi(n.String())
		if err != nil || step < 0 || step > 1000 {
			return LemlistEvent{}, &EventError{Field: "sequenceStep", Reason: "must be an integer from 0 to 1000"}
		}
		ev.Step = &step
	}
	if path, found := pgtext.FindInJSON(body); found {
		return LemlistEvent{}, &EventError{Field: path, Reason: "must not contain the NUL character (\\u0000)"}
	}
	if _, ok := raw["secret"]; ok {
		delete(raw, "secret")
		if body, err = json.Marshal(raw); err != nil {
			return LemlistEvent{}, fmt.Errorf("re-encode event: %w", err)
		}
	}
	ev.Payload = body
	return ev, nil
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

func stringField(raw map[string]json.RawMessage, name string, required bool, maxLen int) (string, error) {
	v, ok := raw[name]
	if !ok || isNull(v) {
		if required {
			return "", &EventError{Field: name, Reason: "is required"}
		}
		return "", nil
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", &EventError{Field: name, Reason: "must be a string"}
	}
	if required && s == "" {
		return "", &EventError{Field: name, Reason: "must not be empty"}
	}
	if len(s) > maxLen {
		return "", &EventError{Field: name, Reason: fmt.Sprintf("longer than %d bytes", maxLen)}
	}
	return s, nil
}

// timeField reads a required date: an ISO-8601 string or unix seconds, as
// lemlist's activity dates come.
func timeField(raw map[string]json.RawMessage, name string) (time.Time, error) {
	v, ok := raw[name]
	if !ok || isNull(v) {
		return time.Time{}, &EventError{Field: name, Reason: "is required"}
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, &EventError{Field: name, Reason: "must be an ISO-8601 date-time"}
		}
		return t.UTC(), nil
	}
	var n int64
	if json.Unmarshal(v, &n) != nil || n <= 0 {
		return time.Time{}, &EventError{Field: name, Reason: "must be an ISO-8601 date-time or unix seconds"}
	}
	return time.Unix(n, 0).UTC(), nil
}

// jsonReason describes a JSON syntax error without echoing the input.
func jsonReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		return "must be a JSON object, not " + te.Value
	}
	return "invalid JSON"
}

// Effect is what an event does to its enrollment.
type Effect struct {
	// StopReason is non-empty when the event stops the enrollment.
	StopReason string
	// Suppress is the suppression reason ("bounced", "unsubscribed") when
	// the lead's address must never be mailed again.
	Suppress string
	// StopCompany is set when the other enrollments of the lead's company
	// stop too.
	StopCompany bool
}

// EffectOf applies the stop rules to an event of kind. A bounce and an
// unsubscribe always stop and suppress, whatever the rules say: mailing a
// dead address hurts deliverability, mailing an opt-out breaks the law. A
// reply stops when OnReply is set and also stops the company when
// StopCompanyOnReply is.
func EffectOf(kind string, rules StopRules) Effect {
	switch kind {
	case EventReplied:
		if !rules.OnReply {
			return Effect{StopCompany: rules.StopCompanyOnReply}
		}
		return Effect{StopReason: StopReplied, StopCompany: rules.StopCompanyOnReply}
	case EventBounced:
		return Effect{StopReason: StopBounced, Suppress: "bounced"}
	case EventUnsubscribed:
		return Effect{StopReason: StopUnsubscribed, Suppress: "unsubscribed"}
	}
	return Effect{}
}
