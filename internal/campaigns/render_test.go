package campaigns_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/internal/campaigns"
)

func TestRender(t *testing.T) {
	t.Parallel()
	tp := validTemplate()
	c := campaigns.Contact{FirstName: "Ada", LastName: "Lovelace", Company: "Acme & Sons"}
	got, err := campaigns.Render(tp, c, map[string]any{"opening_line": "Loved your talk."})
	if err != nil {
		t.Fatal(err)
	}
	s0, s1 := got.Steps[0], got.Steps[1]
	if s0.Subject != "Quick question, Ada" || s0.Body != "<p>Hi Ada,</p>\n<p>Loved your talk.</p>" || len(s0.Missing) != 0 {
		t.Errorf("step 0 = %+v", s0)
	}
	if s1.DelayDays != 3 || s1.Subject != "Re: Acme & Sons" ||
		s1.Body != `<p>Following up. <a href="https://rtgs.example/?c=Acme+%26+Sons">See</a></p>` {
		t.Errorf("step 1 = %+v; want the subject as text and the company percent-encoded in the URL", s1)
	}
	if len(s1.Variants) != 2 || s1.Variants[0].Subject != s1.Subject || s1.Variants[0].Body != s1.Body ||
		s1.Variants[1].Subject != "One more thing" || s1.Variants[1].Body != s1.Body || s1.Variants[1].Weight != 50 {
		t.Errorf("variants = %+v; want A as the step and B with its own subject", s1.Variants)
	}
}

// A value is text wherever it goes: it never becomes markup, an attribute,
// a URL scheme or a second subject line.
func TestRenderEscapes(t *testing.T) {
	t.Parallel()
	evil := `<script>alert("x")</script> x onmouseover=alert(1)`
	tp := validTemplate()
	tp.Steps = []campaigns.Step{{
		Subject: "Hi {{first_name}}",
		Body: `<p>{{first_name}}</p><p title="{{first_name}}" class={{last_name}}>` +
			`<a href="https://x.example/{{custom.path}}">x</a><!-- {{first_name}} -->`,
	}}
	got, err := campaigns.Render(tp, campaigns.Contact{FirstName: evil + "\r\nBcc: all@x.example", LastName: evil},
		map[string]any{"path": "javascript:alert(1)"})
	if err != nil {
		t.Fatal(err)
	}
	s := got.Steps[0]
	if strings.ContainsAny(s.Subject, "\r\n") {
		t.Errorf("subject %q holds a line break", s.Subject)
	}
	for _, bad := range []string{"<script", "javascript:", "-->", `"x"`} {
		if strings.Count(s.Body, bad) > strings.Count(tp.Steps[0].Body, bad) {
			t.Errorf("body %q gained %q from a value", s.Body, bad)
		}
	}
	// The result is still a template without problems: the values added no
	// tag, attribute or URL.
	check := tp
	check.Steps = []campaigns.Step{{Subject: "x", Body: s.Body}}
	if err := check.Validate(); err != nil {
		t.Errorf("rendered body does not validate: %v", err)
	}
	if !strings.Contains(s.Body, "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("text value not HTML-escaped: %s", s.Body)
	}
	if !strings.Contains(s.Body, `class=&#x3C;script&#x3E;`) {
		t.Errorf("unquoted attribute value not character-referenced: %s", s.Body)
	}
}

// A missing value takes the fallback, or renders empty and is listed.
func TestRenderMissing(t *testing.T) {
	t.Parallel()
	tp := validTemplate()
	tp.Steps = []campaigns.Step{{
		Subject:  "{{first_name|there}} at {{company}}",
		Body:     "{{custom.opening_line}}|{{custom.score}}|{{custom.vip}}|{{custom.tags|none}}|{{full_name}}",
		Variants: []campaigns.Variant{{Name: "A", Weight: 1}, {Name: "B", Weight: 1, Body: "{{title}}"}},
	}}
	custom := map[string]any{"opening_line": "  ", "score": json.Number("87"), "vip": true, "tags": []any{"a"}}
	got, err := campaigns.Render(tp, campaigns.Contact{LastName: "Lovelace"}, custom)
	if err != nil {
		t.Fatal(err)
	}
	s := got.Steps[0]
	if s.Subject != "there at " || s.Body != "|87|true|none|Lovelace" {
		t.Errorf("subject %q, body %q", s.Subject, s.Body)
	}
	if want := []string{"company", "custom.opening_line", "title"}; !slices.Equal(s.Missing, want) {
		t.Errorf("missing = %v, want %v (a variant's variables included)", s.Missing, want)
	}
}

func TestRenderRefusesInvalid(t *testing.T) {
	t.Parallel()
	tp := validTemplate()
	tp.Steps[0].Body = "<script></script>"
	var ve *campaigns.ValidationError
	if _, err := campaigns.Render(tp, campaigns.Contact{}, nil); !errors.As(err, &ve) {
		t.Errorf("Render = %v, want a *ValidationError", err)
	}
}

func TestSendingWindowAllows(t *testing.T) {
	t.Parallel()
	w := campaigns.DefaultSettings().SendingWindow // 09:00-17:00 mon-fri, UTC by default
	// Monday 2026-05-11 07:30 UTC is 09:30 in Berlin and 03:30 in New York.
	at := time.Date(2026, 5, 11, 7, 30, 0, 0, time.UTC)
	tests := []struct {
		tz   string
		at   time.Time
		want bool
	}{
		{"Europe/Berlin", at, true},
		{"America/New_York", at, false},
		{"", at, false}, // UTC: 07:30
		{"Not/AZone", at.Add(2 * time.Hour), true},
		{"Europe/Berlin", at.Add(-30 * time.Minute), true},             // 09:00 exactly
		{"Europe/Berlin", at.Add(7*time.Hour + 30*time.Minute), false}, // 17:00 is closed
		{"Asia/Tokyo", at, true},                                       // 16:30 Monday
		{"Pacific/Kiritimati", at.Add(12 * time.Hour), true},           // UTC+14: Tuesday 09:30
	}
	for _, tt := range tests {
		if got := w.Allows(tt.at, tt.tz); got != tt.want {
			t.Errorf("Allows(%s, %q) = %v, want %v", tt.at, tt.tz, got, tt.want)
		}
	}
	// Saturday in Berlin is closed whatever the hour.
	if w.Allows(time.Date(2026, 5, 16, 10, 0, 0, 0, time.UTC), "Europe/Berlin") {
		t.Error("Allows on a Saturday = true")
	}
}

func TestSendingWindowNextOpening(t *testing.T) {
	t.Parallel()
	w := campaigns.DefaultSettings().SendingWindow       // 09:00-17:00 mon-fri
	mon := time.Date(2026, 5, 11, 7, 30, 0, 0, time.UTC) // Monday
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		name string
		w    campaigns.SendingWindow
		tz   string
		at   time.Time
		want time.Time
	}{
		{"open now", w, "Europe/Berlin", mon, mon},
		{"later today", w, "", mon, time.Date(2026, 5, 11, 9, 0, 0, 0, time.UTC)},
		{"after hours: tomorrow", w, "", mon.Add(10 * time.Hour), time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC)},
		{"friday evening: monday", w, "Europe/Berlin", time.Date(2026, 5, 15, 16, 0, 0, 0, time.UTC),
			time.Date(2026, 5, 18, 9, 0, 0, 0, berlin)},
		{"end is closed", w, "", time.Date(2026, 5, 11, 17, 0, 0, 0, time.UTC), time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC)},
		{"sunday only, from monday", campaigns.SendingWindow{Start: "10:00", End: "24:00", Weekdays: []string{"sun"}},
			"", mon, time.Date(2026, 5, 17, 10, 0, 0, 0, time.UTC)},
		{"runs to midnight", campaigns.SendingWindow{Start: "00:00", End: "24:00", Weekdays: []string{"mon"}},
			"", time.Date(2026, 5, 11, 23, 59, 59, 0, time.UTC), time.Date(2026, 5, 11, 23, 59, 59, 0, time.UTC)},
		// Berlin springs forward on Sunday 2026-03-29 at 02:00: a 02:30 start opens at 03:00.
		{"start skipped by DST", campaigns.SendingWindow{Start: "02:30", End: "05:00", Weekdays: []string{"sun"}},
			"Europe/Berlin", time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, ok := tt.w.NextOpening(tt.at, tt.tz)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("%s: NextOpening(%s, %q) = %s, %v; want %s", tt.name, tt.at, tt.tz, got, ok, tt.want)
		}
		if ok && !tt.w.Allows(got, tt.tz) {
			t.Errorf("%s: the window is closed at its next opening %s", tt.name, got)
		}
	}
	if _, ok := (campaigns.SendingWindow{Start: "17:00", End: "09:00", Weekdays: []string{"mon"}}).NextOpening(mon, ""); ok {
		t.Error("an empty window opens")
	}
	if _, ok := (campaigns.SendingWindow{Start: "09:00", End: "17:00"}).NextOpening(mon, ""); ok {
		t.Error("a window without weekdays opens")
	}
}
