package campaigns_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rtgs/sales-automation/internal/campaigns"
)

// FuzzValidate feeds arbitrary subjects, bodies and values through
// Validate and Render: neither panics, every problem lies inside its text,
// and a valid template renders, with any value, to a body that is itself
// valid (a value never adds a tag, attribute or URL).
func FuzzValidate(f *testing.F) {
	seeds := [][3]string{
		{"Hi {{first_name|there}}", "<p>Hi {{first_name}}</p>", "Ada"},
		{"{{", "<a href=\"javascript:x\" onclick=1>{{frist_name}}", "<script>"},
		{"}}", "<p title={{first_name}} style=\"x\">{{custom.a}}</p><!-- {{email}} -->", "\" onload=x"},
		{"x", "<a href='https://x.example/{{domain}}'>{{custom.b|y}}</a><img srcset=\"a 1x, {{domain}} 2x\">", "javascript:x"},
		{"x", "<scr<script>ipt>{{ first_name }}</title><textarea>{{company}}</textarea>", "--><b>"},
		{"x", "<p {{first_name}}>&#123;&#123;x}}<a href=\"&#x6A;avascript:x\">", "&amp;"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, subject, body, value string) {
		tp := campaigns.Template{Name: "fuzz", Settings: campaigns.DefaultSettings(),
			Steps: []campaigns.Step{{Subject: subject, Body: body}}}
		err := tp.Validate()
		var ve *campaigns.ValidationError
		if err != nil && !errors.As(err, &ve) {
			t.Fatalf("Validate = %T %v", err, err)
		}
		if ve != nil {
			for _, p := range ve.Problems {
				text := map[string]string{"email_sequence[0].subject": subject, "email_sequence[0].body": body}[p.Path]
				if p.Line > 0 && (p.Line > strings.Count(text, "\n")+1 || p.Column < 1 || p.Column > utf8.RuneCountInString(text)+1) {
					t.Errorf("problem %v lies outside its text", p)
				}
			}
		}
		c := campaigns.Contact{FirstName: value, Company: value, Domain: value, Email: value}
		got, rerr := campaigns.Render(tp, c, map[string]any{"a": value, "b": value})
		if (rerr == nil) != (err == nil) {
			t.Fatalf("Render error %v while Validate said %v", rerr, err)
		}
		if rerr != nil || !utf8.ValidString(value) {
			return
		}
		s := got.Steps[0]
		if strings.ContainsAny(s.Subject, "\r\n") && !strings.ContainsAny(subject, "\r\n") {
			t.Errorf("value put a line break in the subject %q", s.Subject)
		}
		again := tp
		again.Steps = []campaigns.Step{{Subject: "x", Body: s.Body}}
		if s.Body != "" && strings.TrimSpace(s.Body) != "" && len(s.Body) <= campaigns.MaxBody {
			if err := again.Validate(); err != nil {
				t.Errorf("body %q rendered from %q with %q does not validate: %v", s.Body, body, value, err)
			}
		}
	})
}
