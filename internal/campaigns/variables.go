package campaigns

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// StandardVariables are the contact fields a template can name, each
// rendered from the field of the same meaning on the contact.
var StandardVariables = []string{
	"first_name", "last_name", "full_name", "email", "title", "seniority",
	"company", "domain", "phone", "linkedin_url", "country",
}

// CustomPrefix starts a custom field's variable: {{custom.opening_line}}.
const CustomPrefix = "custom."

var (
	variableSyntax = regexp.MustCompile(`^(?:[a-z][a-z0-9_]*|custom\.[A-Za-z0-9_-]{1,100})$`)
)

// varRef is one well-formed {{...}} in a text, known or not.
type varRef struct {
	start, end  int // byte offsets of the opening {{ and just after the closing }}
	name        string
	fallback    string
	hasFallback bool
	ctx         textContext
}

// textContext is where a variable sits, which decides how its value is
// escaped.
type textContext int

const (
	ctxText  textContext = iota // HTML text or a comment; the zero value, so an unplaced variable is still escaped
	ctxPlain                    // a subject: no markup at all
	ctxAttr                     // a quoted or unquoted HTML attribute value
	ctxURL                      // the value of a URL attribute, after its scheme
)

func knownVariable(name string) bool {
	if strings.HasPrefix(name, CustomPrefix) {
		return true
	}
	for _, v := range StandardVariables {
		if v == name {
			return true
		}
	}
	return false
}

// scanVariables finds the variables of s, reporting every malformed one
// and every unknown name through report (offset into s, code, message). It
// returns the well-formed references, unknown names included, in order.
func scanVariables(s string, report func(off int, code, msg string)) []varRef {
	var refs []varRef
	opens, closes := finder{s: s, pat: "{{"}, finder{s: s, pat: "}}"}
	for i := 0; i < len(s); {
		open := opens.next(i)
		if closing := closes.next(i); closing >= 0 && (open < 0 || closing < open) {
			report(closing, CodeUnopenedVariable, `"}}" without an opening "{{"`)
			i = closing + 2
			continue
		}
		if open < 0 {
			break
		}
		closing := closes.next(open + 2)
		if next := opens.next(open + 2); closing < 0 || (next >= 0 && next < closing) {
			report(open, CodeUnclosedVariable, fmt.Sprintf(`"{{" is not closed by "}}": %s`, excerpt(s[open:])))
			i = open + 2
			continue
		}
		end := closing + 2
		ref := varRef{start: open, end: end}
		name, fallback, hasFallback := strings.Cut(s[open+2:closing], "|")
		ref.name, ref.fallback, ref.hasFallback = strings.TrimSpace(name), strings.TrimSpace(fallback), hasFallback
		i = end
		if msg := refProblem(ref); msg != "" {
			report(open, CodeInvalidVariable, fmt.Sprintf("malformed variable %s: %s", excerpt(s[open:end]), msg))
			continue
		}
		refs = append(refs, ref)
		if !knownVariable(ref.name) {
			report(open, CodeUnknownVariable, unknownMessage(ref.name))
		}
	}
	return refs
}

// finder finds the next occurrence of pat in s at or after a position,
// remembering the last answer, so a scan that only moves forward searches
// s once in all (a body of a thousand unclosed "{{" stays linear).
type finder struct {
	s, pat string
	at     int  // the last occurrence found, or -1 for none at or after from
	from   int  // where the search that found at started
	valid  bool // at and from hold an answer
}

func (f *finder) next(from int) int {
	if f.valid && from >= f.from && (f.at < 0 || f.at >= from) {
		return f.at
	}
	f.from, f.valid = from, true
	f.at = -1
	if from <= len(f.s) {
		if j := strings.Index(f.s[from:], f.pat); j >= 0 {
			f.at = from + j
		}
	}
	return f.at
}

// refProblem says why a {{...}} is not a variable, or "".
func refProblem(r varRef) string {
	switch {
	case r.name == "":
		return "no variable name"
	case !variableSyntax.MatchString(r.name):
		return "a name is lower-case letters, digits and underscores (custom.<field> for a custom field: letters, digits, _ and -)"
	case strings.Contains(r.fallback, "|"):
		return `one "|" at most, before the fallback`
	case strings.ContainsAny(r.fallback, "{}\r\n"):
		return "the fallback cannot hold braces or line breaks"
	case utf8.RuneCountInString(r.fallback) > MaxFallback:
		return fmt.Sprintf("the fallback is at most %d characters", MaxFallback)
	}
	return ""
}

// unknownMessage names the unknown variable and the closest known one.
func unknownMessage(name string) string {
	if len(name) > 40 { // ASCII, by the syntax
		return "unknown variable {{" + name[:40] + "…}}"
	}
	msg := "unknown variable {{" + name + "}}"
	best, bestDist := "", 3 // suggest only near misses
	for _, v := range StandardVariables {
		if d := editDistance(strings.ToLower(name), v); d < bestDist {
			best, bestDist = v, d
		}
	}
	if best != "" {
		return msg + "; did you mean {{" + best + "}}?"
	}
	return msg + " (known: " + strings.Join(StandardVariables, ", ") + ", and custom.<field>)"
}

// editDistance is the Levenshtein distance of two short ASCII names.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// excerpt quotes the start of s, short enough for a message.
func excerpt(s string) string {
	const max = 40
	s = s[:min(len(s), 4*max)] // never scan a long rest for a line break
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return fmt.Sprintf("%q", s)
}
