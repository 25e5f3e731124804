package vendorsim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// AIToolCallMarker in the last user message (or in a tool result) makes the
// AI fakes call a tool whatever the prompt asks and whether or not it was
// offered, as a confused or manipulated model might:
//
//	sim:call <tool name> <JSON object of arguments>
//
// With no JSON object the call has no arguments.
const AIToolCallMarker = "sim:call"

// aiToolResultCap bounds how much of each tool result the answer repeats.
const aiToolResultCap = 2000

// aiTool is a tool offered in a request, as the fakes read it.
type aiTool struct {
	Name       string
	Properties []string // property names of the input schema, sorted
}

// aiToolCall is a call a fake decides to make.
type aiToolCall struct {
	Name  string
	Input map[string]any
}

// aiToolResult is a tool's answer a fake received.
type aiToolResult struct {
	Name    string
	Content string
	IsError bool
}

var (
	aiToolNameRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	aiUUIDRe     = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	aiEmailRe    = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
)

// aiToolWords are words of tool names too generic to show intent.
var aiToolWords = map[string]bool{"get": true, "list": true, "by": true, "for": true, "of": true}

// aiChooseTool is the deterministic stand-in for a model deciding to call
// a tool on prompt, the last user message:
//
//   - AIToolCallMarker calls the named tool with the given arguments;
//   - otherwise the offered tool whose name's words (split at _ and -,
//     generic ones like "list" left out) occur most often in the prompt is
//     called, the first offered winning a tie; at least one word must
//     occur. Its arguments are filled from the prompt: a property whose
//     name contains "email" gets the first e-mail address, one ending in
//     "id" the first UUID.
//
// No tools offered and no marker: no call.
func aiChooseTool(prompt string, tools []aiTool) (aiToolCall, bool) {
	if i := strings.Index(prompt, AIToolCallMarker); i >= 0 {
		rest := strings.TrimSpace(prompt[i+len(AIToolCallMarker):])
		name, args, _ := strings.Cut(rest, " ")
		call := aiToolCall{Name: strings.TrimRight(name, ".,;:"), Input: map[string]any{}}
		dec := json.NewDecoder(strings.NewReader(strings.TrimSpace(args)))
		_ = dec.Decode(&call.Input) // no or bad JSON: no arguments
		if call.Input == nil {
			call.Input = map[string]any{}
		}
		return call, call.Name != ""
	}
	lower := strings.ToLower(prompt)
	best, bestScore := -1, 0
	for i, t := range tools {
		score := 0
		for _, w := range strings.FieldsFunc(strings.ToLower(t.Name), func(r rune) bool { return r == '_' || r == '-' }) {
			if !aiToolWords[w] && strings.Contains(lower, w) {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return aiToolCall{}, false
	}
	call := aiToolCall{Name: tools[best].Name, Input: map[string]any{}}
	for _, p := range tools[best].Properties {
		lp := strings.ToLower(p)
		switch {
		case strings.Contains(lp, "email"):
			if m := aiEmailRe.FindString(prompt); m != "" {
				call.Input[p] = m
			}
		case strings.HasSuffix(lp, "id"):
			if m := aiUUIDRe.FindString(prompt); m != "" {
				call.Input[p] = m
			}
		}
	}
	return call, true
}

// aiToolAnswer is the text a fake answers once it has the results of its
// calls: each tool's name and its result (cut to aiToolResultCap), so a
// test can find the figures a tool returned in the reply.
//
//	[anthropic 1a2b3c4d5e6f7a8b] From pipeline_counts: {"contacts":12}
func aiToolAnswer(vendor, system string, results []aiToolResult) string {
	var b strings.Builder
	for i, r := range results {
		if i > 0 {
			b.WriteString(" ")
		}
		content := r.Content
		if len(content) > aiToolResultCap {
			content = content[:aiToolResultCap] + " …"
		}
		if r.IsError {
			fmt.Fprintf(&b, "The tool %s failed: %s", r.Name, content)
		} else {
			fmt.Fprintf(&b, "From %s: %s", r.Name, content)
		}
	}
	return fmt.Sprintf("[%s %016x] %s", vendor, Hash(vendor, system, b.String()), b.String())
}

// aiSchemaProperties lists the property names of a JSON Schema object, or
// says what is wrong with it.
func aiSchemaProperties(schema map[string]json.RawMessage) ([]string, string) {
	var typ string
	if raw, ok := schema["type"]; !ok || json.Unmarshal(raw, &typ) != nil || typ != "object" {
		return nil, "Input should be 'object'"
	}
	var props map[string]json.RawMessage
	if raw, ok := schema["properties"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &props); err != nil {
			return nil, "properties: Input should be a valid dictionary"
		}
	}
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names)
	return names, ""
}

// aiResultText is the text a fake reads a tool result for markers in: the
// string values of a JSON result (so quotes inside them are unescaped),
// else the result as it is.
func aiResultText(content string) string {
	var v any
	if json.Unmarshal([]byte(content), &v) != nil {
		return content
	}
	var parts []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			parts = append(parts, t)
		case []any:
			for _, e := range t {
				walk(e)
			}
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(t[k])
			}
		}
	}
	walk(v)
	return strings.Join(parts, "\n")
}

// aiResultCall is the call a tool result's AIToolCallMarker asks for.
func aiResultCall(content string) *aiToolCall {
	text := aiResultText(content)
	if !strings.Contains(text, AIToolCallMarker) {
		return nil
	}
	if c, ok := aiChooseTool(text, nil); ok {
		return &c
	}
	return nil
}
