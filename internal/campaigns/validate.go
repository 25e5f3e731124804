package campaigns

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Problem codes, stable: clients may branch on them.
const (
	CodeRequired           = "required"
	CodeTooLong            = "too_long"
	CodeInvalidUTF8        = "invalid_utf8"
	CodeNoSteps            = "no_steps"
	CodeTooManySteps       = "too_many_steps"
	CodeTooManyVariants    = "too_many_variants"
	CodeDelayOutOfRange    = "delay_out_of_range"
	CodeSubjectNewline     = "subject_newline"
	CodeUnclosedVariable   = "unclosed_variable"
	CodeUnopenedVariable   = "unopened_variable"
	CodeInvalidVariable    = "invalid_variable"
	CodeUnknownVariable    = "unknown_variable"
	CodeVariableInMarkup   = "variable_in_markup"
	CodeVariableURLStart   = "variable_url_start"
	CodeInvalidHTML        = "invalid_html"
	CodeUnsafeTag          = "unsafe_tag"
	CodeUnsafeAttribute    = "unsafe_attribute"
	CodeUnsafeURL          = "unsafe_url"
	CodeUnsafeStyle        = "unsafe_style"
	CodeInvalidName        = "invalid_variant_name"
	CodeDuplicateName      = "duplicate_variant_name"
	CodeWeightOutOfRange   = "weight_out_of_range"
	CodeInvalidTime        = "invalid_time"
	CodeEmptyWindow        = "empty_window"
	CodeInvalidWeekday     = "invalid_weekday"
	CodeDuplicateWeekday   = "duplicate_weekday"
	CodeInvalidTimezone    = "invalid_timezone"
	CodeDailyCapOutOfRange = "daily_cap_out_of_range"
	CodeStopRuleRequired   = "stop_rule_required"
	CodeTooManyProblems    = "too_many_problems"
	CodeInvalidOnFailure   = "invalid_on_failure"
	CodeFallbackRequired   = "fallback_required"
	CodeUnusedField        = "unused_field"
)

// Problem is one thing wrong with a template, located precisely enough to
// fix without searching.
type Problem struct {
	Code    string
	Path    string // JSON path in the template: "email_sequence[1].variants[0].body", "settings.daily_cap"
	Step    int    // index of the step, -1 when the problem is not in a step
	Variant string // the variant's name when the problem is in one
	Field   string // the last element of Path: "subject", "body", "delay_days", ...
	Line    int    // 1-based line inside the text, 0 when the problem is not inside a text
	Column  int    // 1-based column, in characters
	Message string
}

// Error says where and what, as "path: line L, column C: message".
func (p Problem) Error() string { return p.Path + ": " + p.Detail() }

// Detail is the message prefixed by the line and column when there are
// some: "line 3, column 14: unknown variable {{frist_name}}".
func (p Problem) Detail() string {
	if p.Line == 0 {
		return p.Message
	}
	return fmt.Sprintf("line %d, column %d: %s", p.Line, p.Column, p.Message)
}

// ValidationError lists every problem of a template, so a client can fix
// them all in one round.
type ValidationError struct {
	Problems []Problem
}

// Error implements error.
func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return "invalid campaign template: " + strings.Join(msgs, "; ")
}

// Validate checks every field of t and returns a *ValidationError listing
// every problem, or nil. Problems past the first 100 are summed up in one.
func (t Template) Validate() error {
	v := &validator{}
	v.text("name", -1, "", t.Name, MaxName, true)
	v.text("description", -1, "", t.Description, MaxDescription, false)
	switch {
	case len(t.Steps) == 0:
		v.add(Problem{Code: CodeNoSteps, Path: "email_sequence", Step: -1, Message: "a template needs at least one step"})
	case len(t.Steps) > MaxSteps:
		v.add(Problem{Code: CodeTooManySteps, Path: "email_sequence", Step: -1,
			Message: fmt.Sprintf("at most %d steps, got %d", MaxSteps, len(t.Steps))})
	}
	for i, s := range t.Steps {
		v.step(i, s)
	}
	v.settings(t.Settings)
	v.personalization(t)
	return v.err()
}

type validator struct {
	problems []Problem
	dropped  int
}

func (v *validator) add(p Problem) {
	if p.Field == "" {
		p.Field = fieldOf(p.Path)
	}
	if len(v.problems) < maxProblemsListed {
		v.problems = append(v.problems, p)
		return
	}
	v.dropped++
}

func (v *validator) err() error {
	if v.dropped > 0 {
		v.problems = append(v.problems, Problem{Code: CodeTooManyProblems, Step: -1,
			Message: fmt.Sprintf("%d more problems not listed; fix these first", v.dropped)})
	}
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

// fieldOf is the last named element of path: "weekdays" of
// "settings.sending_window.weekdays[2]".
func fieldOf(path string) string {
	for strings.HasSuffix(path, "]") {
		path = path[:strings.LastIndexByte(path, '[')]
	}
	return path[strings.LastIndexByte(path, '.')+1:]
}

// text checks a free-text field's presence, encoding and length (limit in
// characters). It reports false when the text is unusable.
func (v *validator) text(path string, step int, variant, s string, limit int, required bool) bool {
	p := Problem{Path: path, Step: step, Variant: variant}
	switch {
	case !utf8.ValidString(s):
		p.Code, p.Message = CodeInvalidUTF8, "not valid UTF-8"
	case required && strings.TrimSpace(s) == "":
		p.Code, p.Message = CodeRequired, "required and not blank"
	case utf8.RuneCountInString(s) > limit:
		p.Code, p.Message = CodeTooLong, fmt.Sprintf("at most %d characters, got %d", limit, utf8.RuneCountInString(s))
	default:
		return true
	}
	v.add(p)
	return false
}

func (v *validator) step(i int, s Step) {
	at := "email_sequence[" + strconv.Itoa(i) + "]"
	minDelay := 1
	if i == 0 {
		minDelay = 0
	}
	if s.DelayDays < minDelay || s.DelayDays > MaxDelayDays {
		v.add(Problem{Code: CodeDelayOutOfRange, Path: at + ".delay_days", Step: i,
			Message: fmt.Sprintf("must be %d to %d days, got %d (only the first step may be sent on the day of enrollment)", minDelay, MaxDelayDays, s.DelayDays)})
	}
	v.subject(at+".subject", i, "", s.Subject, true)
	v.body(at+".body", i, "", s.Body, true)
	if len(s.Variants) > MaxVariants {
		v.add(Problem{Code: CodeTooManyVariants, Path: at + ".variants", Step: i,
			Message: fmt.Sprintf("at most %d variants, got %d", MaxVariants, len(s.Variants))})
	}
	seen := map[string]bool{}
	for j, vr := range s.Variants {
		vat := at + ".variants[" + strconv.Itoa(j) + "]"
		switch key := strings.ToLower(vr.Name); {
		case !variantName.MatchString(vr.Name):
			v.add(Problem{Code: CodeInvalidName, Path: vat + ".name", Step: i, Variant: vr.Name,
				Message: fmt.Sprintf("1 to %d letters, digits, spaces, _ or -, starting with a letter or digit", MaxVariantName)})
		case seen[key]:
			v.add(Problem{Code: CodeDuplicateName, Path: vat + ".name", Step: i, Variant: vr.Name,
				Message: fmt.Sprintf("another variant of this step is already named %q", vr.Name)})
		default:
			seen[key] = true
		}
		if vr.Weight < 1 || vr.Weight > MaxVariantWeight {
			v.add(Problem{Code: CodeWeightOutOfRange, Path: vat + ".weight", Step: i, Variant: vr.Name,
				Message: fmt.Sprintf("must be 1 to %d, got %d", MaxVariantWeight, vr.Weight)})
		}
		v.subject(vat+".subject", i, vr.Name, vr.Subject, false)
		v.body(vat+".body", i, vr.Name, vr.Body, false)
	}
}

var variantName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 _-]{0,` + strconv.Itoa(MaxVariantName-1) + `}$`)

func (v *validator) subject(path string, step int, variant, s string, required bool) {
	if !v.text(path, step, variant, s, MaxSubject, required) {
		return
	}
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		v.at(path, step, variant, s, i, CodeSubjectNewline, "a subject is one line")
	}
	scanVariables(s, func(off int, code, msg string) { v.at(path, step, variant, s, off, code, msg) })
}

func (v *validator) body(path string, step int, variant, s string, required bool) {
	p := Problem{Path: path, Step: step, Variant: variant}
	switch {
	case !utf8.ValidString(s):
		p.Code, p.Message = CodeInvalidUTF8, "not valid UTF-8"
	case required && strings.TrimSpace(s) == "":
		p.Code, p.Message = CodeRequired, "required and not blank"
	case len(s) > MaxBody:
		p.Code, p.Message = CodeTooLong, fmt.Sprintf("at most %d bytes, got %d", MaxBody, len(s))
	default:
		first := len(v.problems)
		report := func(off int, code, msg string) { v.at(path, step, variant, s, off, code, msg) }
		scanHTML(s, scanVariables(s, report), report)
		// Variables were checked before markup; list the text's problems
		// in reading order.
		slices.SortStableFunc(v.problems[first:], func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
		})
		return
	}
	v.add(p)
}

// at adds a problem at byte offset off of text s, with its line and column.
func (v *validator) at(path string, step int, variant, s string, off int, code, msg string) {
	if len(v.problems) >= maxProblemsListed {
		v.dropped++ // no need to place a problem that is not listed
		return
	}
	line, col := position(s, off)
	v.add(Problem{Code: code, Path: path, Step: step, Variant: variant, Line: line, Column: col, Message: msg})
}

// position turns a byte offset of s into a 1-based line and a 1-based
// column counted in characters.
func position(s string, off int) (line, col int) {
	off = min(max(off, 0), len(s))
	before := s[:off]
	lineStart := strings.LastIndexByte(before, '\n') + 1
	return strings.Count(before, "\n") + 1, utf8.RuneCountInString(before[lineStart:]) + 1
}

func (v *validator) settings(s Settings) {
	w := s.SendingWindow
	start, okStart := clock(w.Start)
	end, okEnd := clock(w.End)
	for _, f := range []struct {
		name, value string
		ok          bool
	}{{"start", w.Start, okStart}, {"end", w.End, okEnd}} {
		if !f.ok {
			v.add(Problem{Code: CodeInvalidTime, Path: "settings.sending_window." + f.name, Step: -1,
				Message: fmt.Sprintf(`a time of day as "HH:MM" (24-hour), got %q`, f.value)})
		}
	}
	if okStart && okEnd && end <= start {
		v.add(Problem{Code: CodeEmptyWindow, Path: "settings.sending_window.end", Step: -1,
			Message: fmt.Sprintf("must be after start (%s); a window cannot span midnight", w.Start)})
	}
	if len(w.Weekdays) == 0 {
		v.add(Problem{Code: CodeRequired, Path: "settings.sending_window.weekdays", Step: -1, Message: "at least one weekday"})
	}
	for i, d := range w.Weekdays {
		path := "settings.sending_window.weekdays[" + strconv.Itoa(i) + "]"
		switch {
		case !slices.Contains(weekdayNames[:], d):
			v.add(Problem{Code: CodeInvalidWeekday, Path: path, Step: -1,
				Message: fmt.Sprintf("%q is not one of mon, tue, wed, thu, fri, sat, sun", d)})
		case slices.Contains(w.Weekdays[:i], d):
			v.add(Problem{Code: CodeDuplicateWeekday, Path: path, Step: -1, Message: fmt.Sprintf("%q is listed twice", d)})
		}
	}
	if _, err := time.LoadLocation(w.Timezone); w.Timezone == "" || strings.EqualFold(w.Timezone, "local") || err != nil {
		v.add(Problem{Code: CodeInvalidTimezone, Path: "settings.sending_window.timezone", Step: -1,
			Message: fmt.Sprintf("an IANA time zone such as Europe/Berlin or UTC, got %q", w.Timezone)})
	}
	if s.DailyCap < 1 || s.DailyCap > MaxDailyCap {
		v.add(Problem{Code: CodeDailyCapOutOfRange, Path: "settings.daily_cap", Step: -1,
			Message: fmt.Sprintf("must be 1 to %d, got %d", MaxDailyCap, s.DailyCap)})
	}
	if !s.StopRules.OnBounce {
		v.add(Problem{Code: CodeStopRuleRequired, Path: "settings.stop_rules.on_bounce", Step: -1,
			Message: "a bounce always stops the sequence: mailing a dead address hurts deliverability"})
	}
	if !s.StopRules.OnUnsubscribe {
		v.add(Problem{Code: CodeStopRuleRequired, Path: "settings.stop_rules.on_unsubscribe", Step: -1,
			Message: "an unsubscribe always stops the sequence"})
	}
}
