package vendorsim

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// matches applies the filter groups (OR of ANDs) and the free-text query.
func (req *hsSearchRequest) matches(store *hsStore, o *hsObject) bool {
	if q := strings.ToLower(strings.TrimSpace(req.Query)); q != "" {
		found := false
		for _, p := range hsDefaultProps[store.kind] {
			if strings.Contains(strings.ToLower(o.props[p]), q) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if len(req.FilterGroups) == 0 {
		return true
	}
	for _, g := range req.FilterGroups {
		all := true
		for _, f := range g.Filters {
			if !f.matches(store.props[f.PropertyName].typ, o.props) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// matches applies one filter. An unset property matches only
// NOT_HAS_PROPERTY.
func (f hsFilter) matches(typ hsType, props map[string]string) bool {
	v, ok := props[f.PropertyName]
	switch f.Operator {
	case "HAS_PROPERTY":
		return ok
	case "NOT_HAS_PROPERTY":
		return !ok
	}
	if !ok {
		return false
	}
	val := string(f.Value)
	switch f.Operator {
	case "EQ":
		return hsCompare(typ, v, val) == 0
	case "NEQ":
		return hsCompare(typ, v, val) != 0
	case "LT":
		return hsCompare(typ, v, val) < 0
	case "LTE":
		return hsCompare(typ, v, val) <= 0
	case "GT":
		return hsCompare(typ, v, val) > 0
	case "GTE":
		return hsCompare(typ, v, val) >= 0
	case "BETWEEN":
		return hsCompare(typ, v, val) >= 0 && hsCompare(typ, v, string(f.HighValue)) <= 0
	case "IN", "NOT_IN":
		in := false
		for _, x := range f.Values {
			if hsCompare(typ, v, string(x)) == 0 {
				in = true
				break
			}
		}
		return in == (f.Operator == "IN")
	case "CONTAINS_TOKEN":
		return containsToken(v, val)
	case "NOT_CONTAINS_TOKEN":
		return !containsToken(v, val)
	}
	return false
}

// containsToken matches a token of v, or all of v, against pattern, where
// "*" is a wildcard ("*@acme.com").
func containsToken(v, pattern string) bool {
	v, pattern = strings.ToLower(v), strings.ToLower(pattern)
	re, err := regexp.Compile("^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$")
	if err != nil {
		return false
	}
	if re.MatchString(v) {
		return true
	}
	for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if re.MatchString(tok) {
			return true
		}
	}
	return false
}

// hsCompare orders two values of a property: numerically, by instant, or
// case-insensitively as text.
func hsCompare(typ hsType, a, b string) int {
	switch typ {
	case hsNumber:
		x, err1 := strconv.ParseFloat(a, 64)
		y, err2 := strconv.ParseFloat(b, 64)
		if err1 == nil && err2 == nil {
			return cmpFloat(x, y)
		}
	case hsDatetime:
		x, ok1 := hsParseTime(a)
		y, ok2 := hsParseTime(b)
		if ok1 && ok2 {
			return x.Compare(y)
		}
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// hsParseTime reads a datetime as HubSpot accepts it in filters:
// milliseconds since the epoch, RFC 3339, or a date.
func hsParseTime(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(n), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// hsIDCompare orders object ids numerically (they are decimal).
func hsIDCompare(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
