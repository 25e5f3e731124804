package contacts

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sizes of contact fields, shared by the API and imports; longer values are
// refused rather than cut, so nothing a client sent is silently lost.
const (
	MaxShortText    = 200 // names, titles, countries
	MaxLongText     = 500 // URLs, sources
	MaxTags         = 50
	MaxTag          = 64
	MaxCustomFields = 100
	MaxCustomKey    = 100
)

// text checks a free-text field and returns it trimmed.
func text(v *ValidationError, field, s string, limit int) string {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		v.Add(field, "not valid UTF-8")
	} else if n := utf8.RuneCountInString(s); n > limit {
		v.Add(field, "at most %d characters, got %d", limit, n)
	}
	return s
}

// normalizeTags trims and lower-cases tags and drops repeats, so filtering
// by tag does not depend on how a client spelled it.
func normalizeTags(v *ValidationError, field string, tags []string) []string {
	if len(tags) > MaxTags {
		v.Add(field, "at most %d tags, got %d", MaxTags, len(tags))
		return nil
	}
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for i, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		switch n := utf8.RuneCountInString(t); {
		case n == 0 || n > MaxTag || !utf8.ValidString(t):
			v.Add(field+"["+strconv.Itoa(i)+"]", "must be 1 to %d characters", MaxTag)
		case !seen[t]:
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// checkCustomFields bounds the free-form object; its values are the
// client's own and stored as sent.
func checkCustomFields(v *ValidationError, field string, m map[string]any) {
	if len(m) > MaxCustomFields {
		v.Add(field, "at most %d keys, got %d", MaxCustomFields, len(m))
	}
	for k := range m {
		if k == "" || utf8.RuneCountInString(k) > MaxCustomKey {
			v.Add(field, "keys must be 1 to %d characters", MaxCustomKey)
			return
		}
	}
}

// mergePatch applies an RFC 7396 JSON merge patch to dst: a null removes a
// key, an object merges into an object, anything else replaces.
func mergePatch(dst, patch map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, pv := range patch {
		if pv == nil {
			delete(dst, k)
			continue
		}
		if po, ok := pv.(map[string]any); ok {
			do, _ := dst[k].(map[string]any)
			dst[k] = mergePatch(do, po)
			continue
		}
		dst[k] = pv
	}
	return dst
}
