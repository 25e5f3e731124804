package engine

import (
	"encoding/json"
)

// stubOutput is what a dry run stores for an action: the smallest value
// its declared output schema allows (required properties filled, "" for
// strings, 0 for numbers, false, [], {}; an enum's first value), so
// expressions over it evaluate and the real branching is followed.
func stubOutput(schema json.RawMessage) any {
	var s map[string]any
	if json.Unmarshal(schema, &s) != nil {
		return map[string]any{}
	}
	return stub(s, 0)
}

func stub(s map[string]any, depth int) any {
	if depth > 8 {
		return nil
	}
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		if alts, ok := s[k].([]any); ok && len(alts) > 0 {
			if first, ok := alts[0].(map[string]any); ok {
				return stub(first, depth+1)
			}
		}
	}
	typ := s["type"]
	if list, ok := typ.([]any); ok && len(list) > 0 {
		typ = list[0]
	}
	switch typ {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		required, _ := s["required"].([]any)
		for _, r := range required {
			name, _ := r.(string)
			if p, ok := props[name].(map[string]any); ok {
				out[name] = stub(p, depth+1)
			} else {
				out[name] = nil
			}
		}
		return out
	case "array":
		return []any{}
	case "string":
		return ""
	case "integer", "number":
		return 0
	case "boolean":
		return false
	}
	return nil
}
