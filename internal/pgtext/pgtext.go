// Package pgtext finds what Postgres cannot store in text or jsonb: the NUL
// character (U+0000). Input holding one is refused where it arrives, with
// where it is, rather than failing when it is written.
package pgtext

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// FindInJSON reports the path of the first key or string holding U+0000 in
// the JSON document doc ("" for doc itself being such a string), in key
// order: "first_name", "to[0].name", `"k\x00"` for a key. A document that
// is not JSON has nothing found; its parser reports it.
func FindInJSON(doc []byte) (path string, found bool) {
	if !bytes.Contains(doc, []byte(`\u0000`)) {
		return "", false // JSON can carry U+0000 only escaped
	}
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return "", false
	}
	p, ok := find(v)
	return strings.TrimPrefix(p, "."), ok
}

func find(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return "", strings.ContainsRune(v, 0)
	case []any:
		for i, e := range v {
			if p, ok := find(e); ok {
				return "[" + strconv.Itoa(i) + "]" + p, true
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if strings.ContainsRune(k, 0) {
				return "." + strconv.Quote(k), true
			}
			if p, ok := find(v[k]); ok {
				return "." + k + p, true
			}
		}
	}
	return "", false
}
