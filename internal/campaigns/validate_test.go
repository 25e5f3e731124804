package campaigns_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/internal/campaigns"
)

// validTemplate is a two-step template with an A/B test on the second step.
func validTemplate() campaigns.Template {
	return campaigns.Template{
		Name: "Q3 outbound",
		Steps: []campaigns.Step{
			{Subject: "Quick question, {{first_name|there}}", Body: "<p>Hi {{first_name}},</p>\n<p>{{custom.opening_line}}</p>"},
			{Subject: "Re: {{company}}", DelayDays: 3, Body: `<p>Following up. <a href="https://rtgs.example/?c={{company}}">See</a></p>`,
				Variants: []campaigns.Variant{{Name: "A", Weight: 50}, {Name: "B", Subject: "One more thing", Weight: 50}}},
		},
		Settings: campaigns.DefaultSettings(),
	}
}

// want is one expected problem: code, path and position.
type want struct {
	code, path   string
	line, column int
}

func problems(t *testing.T, err error) []campaigns.Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *campaigns.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %T %v, want *campaigns.ValidationError", err, err)
	}
	return ve.Problems
}

func TestValidateTemplate(t *testing.T) {
	t.Parallel()
	body := func(b string) func(*campaigns.Template) { return func(tp *campaigns.Template) { tp.Steps[0].Body = b } }
	subject := func(s string) func(*campaigns.Template) {
		return func(tp *campaigns.Template) { tp.Steps[0].Subject = s }
	}
	tests := []struct {
		name   string
		change func(*campaigns.Template)
		want   []want
	}{
		{"valid", func(*campaigns.Template) {}, nil},
		{"unknown variable with position", body("<p>Hi,</p>\n<p>\n  Dear {{frist_name}}</p>"),
			[]want{{campaigns.CodeUnknownVariable, "email_sequence[0].body", 3, 8}}},
		{"unknown variable in subject", subject("Hello {{nam}}"),
			[]want{{campaigns.CodeUnknownVariable, "email_sequence[0].subject", 1, 7}}},
		{"unclosed variable", body("Hi {{first_name,\nbye"),
			[]want{{campaigns.CodeUnclosedVariable, "email_sequence[0].body", 1, 4}}},
		{"stray closing braces", body("Hi {first_name}}"),
			[]want{{campaigns.CodeUnopenedVariable, "email_sequence[0].body", 1, 15}}},
		{"empty variable", body("Hi {{ }}"), []want{{campaigns.CodeInvalidVariable, "email_sequence[0].body", 1, 4}}},
		{"upper-case name", body("Hi {{First_Name}}"), []want{{campaigns.CodeInvalidVariable, "email_sequence[0].body", 1, 4}}},
		{"two fallbacks", body("Hi {{first_name|a|b}}"), []want{{campaigns.CodeInvalidVariable, "email_sequence[0].body", 1, 4}}},
		{"nested braces", body("Hi {{first_{{name}}"), []want{
			{campaigns.CodeUnclosedVariable, "email_sequence[0].body", 1, 4},
			{campaigns.CodeUnknownVariable, "email_sequence[0].body", 1, 12}}},
		{"columns count characters", body("Grüße, {{vorname}}"), []want{{campaigns.CodeUnknownVariable, "email_sequence[0].body", 1, 8}}},
		{"script tag", body("<p>Hi</p>\n  <script>alert(1)</script>"),
			[]want{{campaigns.CodeUnsafeTag, "email_sequence[0].body", 2, 3}}},
		{"script tag in upper case", body("<SCRIPT src=x></SCRIPT>"), []want{{campaigns.CodeUnsafeTag, "email_sequence[0].body", 1, 1}}},
		{"style iframe object embed form", body("<style>p{}</style><iframe></iframe><object></object><embed><form></form>"), []want{
			{campaigns.CodeUnsafeTag, "email_sequence[0].body", 1, 1},
			{campaigns.CodeUnsafeTag, "email_sequence[0].body", 1, 19},
			{campaigns.CodeUnsafeTag, "email_sequence[0].body", 1, 36},
			{campaigns.CodeUnsafeTag, "email_sequence[0].body", 1, 53},
			{campaigns.CodeUnsafeTag, "email_sequence[0].body", 1, 60}}},
		{"split tag name", body("<scr<script>ipt>"), []want{{campaigns.CodeUnsafeTag, "email_sequence[0].body", 1, 1}}},
		{"event handler", body(`<p>ok</p><img src="https://x.example/a.png" ONERROR="alert(1)">`),
			[]want{{campaigns.CodeUnsafeAttribute, "email_sequence[0].body", 1, 45}}},
		{"javascript url", body(`<a href="javascript:alert(1)">x</a>`), []want{{campaigns.CodeUnsafeURL, "email_sequence[0].body", 1, 4}}},
		{"encoded javascript url", body(`<a href=" &#106;ava&#x09;script:alert(1)">x</a>`), []want{{campaigns.CodeUnsafeURL, "email_sequence[0].body", 1, 4}}},
		{"data url", body(`<img src="data:text/html;base64,PHNjcmlwdD4=">`), []want{{campaigns.CodeUnsafeURL, "email_sequence[0].body", 1, 6}}},
		{"vbscript in srcset", body(`<img srcset="https://a.example/1.png 1x, vbscript:x 2x">`), []want{{campaigns.CodeUnsafeURL, "email_sequence[0].body", 1, 6}}},
		{"safe urls", body(`<a href="mailto:a@b.example">m</a><a href="/relative?x=a:b">r</a><img src="cid:logo">`), nil},
		{"scripted style", body(`<p style="width: expr/**/ession(alert(1))">x</p>`), []want{{campaigns.CodeUnsafeStyle, "email_sequence[0].body", 1, 4}}},
		{"variable as attribute name", body(`<p {{first_name}}="x">`), []want{{campaigns.CodeVariableInMarkup, "email_sequence[0].body", 1, 4}}},
		{"variable in style", body(`<p style="color: {{custom.colour}}">`), []want{{campaigns.CodeVariableInMarkup, "email_sequence[0].body", 1, 18}}},
		{"variable starts url", body(`<a href="{{custom.link}}">book</a>`), []want{{campaigns.CodeVariableURLStart, "email_sequence[0].body", 1, 10}}},
		{"variable in attribute and url path", body(`<a title="{{first_name}}" href=https://x.example/{{domain}}>x</a>`), nil},
		{"subject newline", subject("Hi\nthere"), []want{{campaigns.CodeSubjectNewline, "email_sequence[0].subject", 1, 3}}},
		{"blank body and subject", func(tp *campaigns.Template) { tp.Steps[0].Body, tp.Steps[0].Subject = "  ", "" }, []want{
			{campaigns.CodeRequired, "email_sequence[0].subject", 0, 0},
			{campaigns.CodeRequired, "email_sequence[0].body", 0, 0}}},
		{"body too large", body(strings.Repeat("x", campaigns.MaxBody+1)), []want{{campaigns.CodeTooLong, "email_sequence[0].body", 0, 0}}},
		{"invalid utf-8", body("Hi \xff"), []want{{campaigns.CodeInvalidUTF8, "email_sequence[0].body", 0, 0}}},
		{"name", func(tp *campaigns.Template) { tp.Name = strings.Repeat("n", campaigns.MaxName+1) }, []want{{campaigns.CodeTooLong, "name", 0, 0}}},
		{"no steps", func(tp *campaigns.Template) { tp.Steps = nil }, []want{{campaigns.CodeNoSteps, "email_sequence", 0, 0}}},
		{"too many steps", func(tp *campaigns.Template) {
			for len(tp.Steps) <= campaigns.MaxSteps {
				tp.Steps = append(tp.Steps, campaigns.Step{Subject: "s", Body: "b", DelayDays: 1})
			}
		}, []want{{campaigns.CodeTooManySteps, "email_sequence", 0, 0}}},
		{"delays", func(tp *campaigns.Template) { tp.Steps[0].DelayDays, tp.Steps[1].DelayDays = -1, 0 }, []want{
			{campaigns.CodeDelayOutOfRange, "email_sequence[0].delay_days", 0, 0},
			{campaigns.CodeDelayOutOfRange, "email_sequence[1].delay_days", 0, 0}}},
		{"variants", func(tp *campaigns.Template) {
			tp.Steps[1].Variants = []campaigns.Variant{
				{Name: "A", Weight: 0, Body: "<script>"}, {Name: "a", Weight: 10, Subject: "x"}, {Name: "", Weight: 10, Subject: "y"},
				{Name: "D", Weight: 1}, {Name: "E", Weight: 1, Subject: "e"}, {Name: "F", Weight: 1, Subject: "f"}}
		}, []want{
			{campaigns.CodeTooManyVariants, "email_sequence[1].variants", 0, 0},
			{campaigns.CodeWeightOutOfRange, "email_sequence[1].variants[0].weight", 0, 0},
			{campaigns.CodeUnsafeTag, "email_sequence[1].variants[0].body", 1, 1},
			{campaigns.CodeDuplicateName, "email_sequence[1].variants[1].name", 0, 0},
			{campaigns.CodeInvalidName, "email_sequence[1].variants[2].name", 0, 0}}},
		{"settings", func(tp *campaigns.Template) {
			tp.Settings.SendingWindow = campaigns.SendingWindow{Start: "17:00", End: "09:00", Weekdays: []string{"mon", "Tue", "mon"}, Timezone: "Mars/Olympus"}
			tp.Settings.DailyCap = 0
			tp.Settings.StopRules.OnUnsubscribe = false
		}, []want{
			{campaigns.CodeEmptyWindow, "settings.sending_window.end", 0, 0},
			{campaigns.CodeInvalidWeekday, "settings.sending_window.weekdays[1]", 0, 0},
			{campaigns.CodeDuplicateWeekday, "settings.sending_window.weekdays[2]", 0, 0},
			{campaigns.CodeInvalidTimezone, "settings.sending_window.timezone", 0, 0},
			{campaigns.CodeDailyCapOutOfRange, "settings.daily_cap", 0, 0},
			{campaigns.CodeStopRuleRequired, "settings.stop_rules.on_unsubscribe", 0, 0}}},
		{"bad times", func(tp *campaigns.Template) {
			tp.Settings.SendingWindow.Start, tp.Settings.SendingWindow.End = "9am", "25:00"
		}, []want{
			{campaigns.CodeInvalidTime, "settings.sending_window.start", 0, 0},
			{campaigns.CodeInvalidTime, "settings.sending_window.end", 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tp := validTemplate()
			tt.change(&tp)
			got := problems(t, tp.Validate())
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Code != w.code || g.Path != w.path || g.Line != w.line || g.Column != w.column {
					t.Errorf("problem %d = %s %s %d:%d (%s), want %s %s %d:%d", i, g.Code, g.Path, g.Line, g.Column, g.Message,
						w.code, w.path, w.line, w.column)
				}
			}
		})
	}
}

// A problem names its step, variant and field, and says the line and
// column first, with a suggestion for a near miss.
func TestValidateProblemDetail(t *testing.T) {
	t.Parallel()
	tp := validTemplate()
	tp.Steps[1].Variants[1].Body = "<p>x</p>\n<p>\n\tHello {{frist_name}}</p>"
	got := problems(t, tp.Validate())
	if len(got) != 1 {
		t.Fatalf("problems = %v, want one", got)
	}
	p := got[0]
	if p.Step != 1 || p.Variant != "B" || p.Field != "body" {
		t.Errorf("step %d, variant %q, field %q; want 1, B, body", p.Step, p.Variant, p.Field)
	}
	if want := "line 3, column 8: unknown variable {{frist_name}}; did you mean {{first_name}}?"; p.Detail() != want {
		t.Errorf("Detail = %q, want %q", p.Detail(), want)
	}
}

// Every problem is listed at once, up to a bound.
func TestValidateListsEverything(t *testing.T) {
	t.Parallel()
	tp := validTemplate()
	tp.Steps[0].Body = strings.Repeat("{{nope}} ", 500)
	got := problems(t, tp.Validate())
	if len(got) != 101 || got[100].Code != campaigns.CodeTooManyProblems {
		t.Fatalf("got %d problems, last %+v; want 100 and a summary", len(got), got[len(got)-1])
	}
}
