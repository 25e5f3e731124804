package campaigns

import (
	"fmt"
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Contact is what a template can say about its recipient: the standard
// variables' values. Empty fields are missing.
type Contact struct {
	FirstName   string
	LastName    string
	Email       string
	Title       string
	Seniority   string
	Company     string
	Domain      string
	Phone       string
	LinkedInURL string
	Country     string
}

func (c Contact) value(name string) string {
	switch name {
	case "first_name":
		return c.FirstName
	case "last_name":
		return c.LastName
	case "full_name":
		return strings.TrimSpace(strings.TrimSpace(c.FirstName) + " " + strings.TrimSpace(c.LastName))
	case "email":
		return c.Email
	case "title":
		return c.Title
	case "seniority":
		return c.Seniority
	case "company":
		return c.Company
	case "domain":
		return c.Domain
	case "phone":
		return c.Phone
	case "linkedin_url":
		return c.LinkedInURL
	case "country":
		return c.Country
	}
	return ""
}

// Rendered is a template filled in for one contact.
type Rendered struct {
	Steps []RenderedStep
}

// RenderedStep is one step filled in: its own subject and body, and each
// variant's with what it inherits from the step.
type RenderedStep struct {
	DelayDays int
	Subject   string
	Body      string
	Variants  []RenderedVariant
	// Missing names the variables of the step (its variants included) that
	// had no value and no fallback, so rendered as nothing; sorted. A
	// caller that must not send a hole (AI text not written yet) checks it.
	Missing []string
}

// RenderedVariant is one variant of a step filled in.
type RenderedVariant struct {
	Name    string
	Weight  int
	Subject string
	Body    string
}

// Render fills t's variables for the contact c with custom fields custom
// (the contact's custom fields, merged with per-enrollment ones such as an
// AI opening line). A variable whose value is missing (absent, blank, null,
// an object or a list) takes its fallback, {{first_name|there}}, or renders
// as the empty string and is listed in the step's Missing.
//
// Values are inserted as text, whatever they hold: HTML-escaped in a body's
// text, character-referenced in an attribute value, percent-encoded in a
// URL, and with line breaks turned into spaces in a subject. An invalid
// template is not rendered: the error is Validate's.
func Render(t Template, c Contact, custom map[string]any) (Rendered, error) {
	if err := t.Validate(); err != nil {
		return Rendered{}, err
	}
	r := renderer{contact: c, custom: custom}
	out := Rendered{Steps: make([]RenderedStep, len(t.Steps))}
	for i, s := range t.Steps {
		r.missing = map[string]bool{}
		rs := RenderedStep{DelayDays: s.DelayDays, Subject: r.subject(s.Subject), Body: r.body(s.Body)}
		for _, v := range s.Variants {
			rv := RenderedVariant{Name: v.Name, Weight: v.Weight, Subject: rs.Subject, Body: rs.Body}
			if v.Subject != "" {
				rv.Subject = r.subject(v.Subject)
			}
			if v.Body != "" {
				rv.Body = r.body(v.Body)
			}
			rs.Variants = append(rs.Variants, rv)
		}
		for name := range r.missing {
			rs.Missing = append(rs.Missing, name)
		}
		slices.Sort(rs.Missing)
		out.Steps[i] = rs
	}
	return out, nil
}

type renderer struct {
	contact Contact
	custom  map[string]any
	missing map[string]bool
}

func (r *renderer) subject(s string) string {
	refs := scanVariables(s, ignore)
	for i := range refs {
		refs[i].ctx = ctxPlain
	}
	return r.fill(s, refs)
}

func (r *renderer) body(s string) string {
	refs := scanVariables(s, ignore)
	scanHTML(s, refs, ignore)
	return r.fill(s, refs)
}

func ignore(int, string, string) {}

// fill replaces each ref of s by its value, escaped for its context.
func (r *renderer) fill(s string, refs []varRef) string {
	var b strings.Builder
	last := 0
	for _, ref := range refs {
		b.WriteString(s[last:ref.start])
		b.WriteString(escape(ref.ctx, r.value(ref)))
		last = ref.end
	}
	b.WriteString(s[last:])
	return b.String()
}

func (r *renderer) value(ref varRef) string {
	var v string
	if key, ok := strings.CutPrefix(ref.name, CustomPrefix); ok {
		v = customValue(r.custom[key])
	} else {
		v = r.contact.value(ref.name)
	}
	if strings.TrimSpace(v) != "" {
		return v
	}
	if ref.hasFallback && ref.fallback != "" {
		return ref.fallback
	}
	r.missing[ref.name] = true
	return ""
}

// customValue is a custom field as text: strings as they are, numbers and
// booleans as JSON writes them; anything else is missing.
func customValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case fmt.Stringer:
		return x.String() // json.Number
	}
	return ""
}

// escape makes value safe where it goes.
func escape(ctx textContext, value string) string {
	switch ctx {
	case ctxPlain:
		return strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, value)
	case ctxAttr:
		return attrEscape(value)
	case ctxURL:
		return url.QueryEscape(value)
	default:
		return html.EscapeString(value)
	}
}

// attrEscape writes every ASCII character but letters and digits as a
// character reference, safe in a quoted or unquoted attribute value alike
// (a space written &#x20; cannot end an unquoted value).
func attrEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, "&#x%X;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
