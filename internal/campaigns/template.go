// Package campaigns holds the outreach domain: campaign templates (an email
// sequence and its sending settings), their validation down to the line and
// column of a bad variable or tag, and their rendering for one contact.
//
// A template's texts use double-brace variables: {{first_name}} for a
// standard contact field, {{custom.opening_line}} for a custom field (the
// contact's own, or one written per enrollment such as an AI opening line),
// and {{first_name|there}} for a fallback used when the value is missing.
// Subjects are plain text; bodies are HTML from a small allowlist of tags,
// with no scripts, event handlers or script URLs.
package campaigns

import "time"

// Limits of a template, checked by Validate. They keep a sequence within what
// a person would write and lemlist accepts, and a body within what a mail
// client renders without clipping.
const (
	MaxName           = 200 // the table's CHECK on name
	MaxDescription    = 10_000
	MaxSteps          = 20
	MaxVariants       = 5
	MaxSubject        = 300       // characters
	MaxBody           = 100 << 10 // bytes
	MaxVariantName    = 50
	MaxVariantWeight  = 100
	MaxDelayDays      = 365
	MaxFallback       = 200 // characters of a {{var|fallback}}
	MaxDailyCap       = 10_000
	DefaultDailyCap   = 100
	maxProblemsListed = 100
)

// Template is a campaign template: what is sent, in which order and when.
// Instances are created from it; the template itself sends nothing.
type Template struct {
	Name        string
	Description string
	Steps       []Step   // the email_sequence column, at least one
	Settings    Settings // the settings column
}

// Step is one email of the sequence.
//
// DelayDays is whole days after the previous step was sent (for the first
// step, after enrollment), 0 to 365; steps after the first wait at least one
// day. Days rather than a duration because sending happens inside the
// sending window anyway, so hours would only move a send to the next window,
// and lemlist counts sequence delays in days too.
//
// Variants, when present, are an A/B test: each enrollment receives exactly
// one variant, picked by weight, and the step's own subject and body are
// what a variant inherits when it leaves its subject or body empty (a
// variant that changes neither is the control arm).
type Step struct {
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	DelayDays int       `json:"delay_days"`
	Variants  []Variant `json:"variants,omitempty"`
}

// Variant is one arm of a step's A/B test.
type Variant struct {
	Name    string `json:"name"`              // unique within the step, case-insensitively
	Subject string `json:"subject,omitempty"` // "" inherits the step's
	Body    string `json:"body,omitempty"`    // "" inherits the step's
	Weight  int    `json:"weight"`            // 1-100, relative to the step's other variants
}

// Settings say when and how much a template's instances send, and what stops
// a prospect's sequence.
type Settings struct {
	SendingWindow SendingWindow `json:"sending_window"`
	DailyCap      int           `json:"daily_cap"` // the default cap of instances made from the template
	StopRules     StopRules     `json:"stop_rules"`
	// Personalization, when set, has an ai_personalize job write a custom
	// field of each enrollment before its lead is sent.
	Personalization *Personalization `json:"personalization,omitempty"`
}

// SendingWindow is when emails go out, in the prospect's local time: from
// Start to End ("HH:MM", 24-hour, End after Start, so a window never spans
// midnight; End "24:00" runs to it) on the listed weekdays. Timezone (IANA)
// stands in for a prospect whose time zone is unknown.
type SendingWindow struct {
	Start    string   `json:"start"`
	End      string   `json:"end"`
	Weekdays []string `json:"weekdays"` // mon, tue, wed, thu, fri, sat, sun
	Timezone string   `json:"timezone"`
}

// StopRules say which events end a prospect's sequence. A bounce and an
// unsubscribe always do (OnBounce and OnUnsubscribe must be true: mailing a
// dead address hurts deliverability, mailing an opt-out breaks the law);
// they are settings so a template says so explicitly. StopCompanyOnReply
// also stops the other enrollments of the replier's company.
type StopRules struct {
	OnReply            bool `json:"on_reply"`
	OnBounce           bool `json:"on_bounce"`
	OnUnsubscribe      bool `json:"on_unsubscribe"`
	StopCompanyOnReply bool `json:"stop_company_on_reply"`
}

// Weekdays in the order a week is listed, as settings spell them.
var weekdayNames = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// DefaultSettings are the settings of a template that gives none: office
// hours on weekdays, UTC for prospects without a time zone, 100 a day,
// stopping on reply, bounce and unsubscribe.
func DefaultSettings() Settings {
	return Settings{
		SendingWindow: SendingWindow{Start: "09:00", End: "17:00",
			Weekdays: []string{"mon", "tue", "wed", "thu", "fri"}, Timezone: "UTC"},
		DailyCap:  DefaultDailyCap,
		StopRules: StopRules{OnReply: true, OnBounce: true, OnUnsubscribe: true},
	}
}

// clock parses "HH:MM" into minutes after midnight; "24:00" is the end of
// the day, so a window can run to midnight.
func clock(s string) (int, bool) {
	if s == "24:00" {
		return 24 * 60, true
	}
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}
