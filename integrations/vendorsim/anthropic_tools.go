package vendorsim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// anthropicTool is a client tool of a Messages request.
type anthropicTool struct {
	Name        string                     `json:"name"`
	Description string                     `json:"description"`
	InputSchema map[string]json.RawMessage `json:"input_schema"`
	Type        string                     `json:"type"`
}

// tools reads and checks the request's tools as Anthropic does. Only
// client tools (a name and an input schema) are simulated.
func (req *anthropicRequest) tools() ([]aiTool, string) {
	if len(req.Tools) == 0 || string(req.Tools) == "null" {
		return nil, ""
	}
	var raw []anthropicTool
	if err := json.Unmarshal(req.Tools, &raw); err != nil {
		return nil, "tools: Input should be a valid list"
	}
	out := make([]aiTool, len(raw))
	seen := map[string]bool{}
	for i, t := range raw {
		switch {
		case t.Type != "" && t.Type != "custom":
			return nil, fmt.Sprintf("tools.%d.type: vendorsim simulates only client tools, got %q", i, t.Type)
		case !aiToolNameRe.MatchString(t.Name):
			return nil, fmt.Sprintf("tools.%d.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'", i)
		case t.InputSchema == nil:
			return nil, fmt.Sprintf("tools.%d.custom.input_schema: Field required", i)
		case seen[t.Name]:
			return nil, "tools: Tool names must be unique."
		}
		seen[t.Name] = true
		props, msg := aiSchemaProperties(t.InputSchema)
		if msg != "" {
			return nil, fmt.Sprintf("tools.%d.custom.input_schema.type: %s", i, msg)
		}
		out[i] = aiTool{Name: t.Name, Properties: props}
	}
	return out, ""
}

// anthropicToolChoice is a Messages request's tool_choice.
type anthropicToolChoice struct {
	Type string `json:"type"`
	Name string `json:"name"` // type "tool"
}

// toolChoice reads and checks the request's tool_choice as Anthropic
// does, "auto" when there is none. The fake honours "none" (no tool call,
// whatever the prompt or a tool result asks, as the real API constrains
// the model); "any" and "tool" are accepted and answered as "auto".
func (req *anthropicRequest) toolChoice() (string, string) {
	if len(req.ToolChoice) == 0 || string(req.ToolChoice) == "null" {
		return "auto", ""
	}
	var c anthropicToolChoice
	if err := json.Unmarshal(req.ToolChoice, &c); err != nil {
		return "", "tool_choice: Input should be a valid dictionary or object to extract fields from"
	}
	switch c.Type {
	case "auto", "any", "none":
	case "tool":
		if c.Name == "" {
			return "", "tool_choice.tool.name: Field required"
		}
	case "":
		return "", "tool_choice: Unable to extract tag using discriminator 'type'"
	default:
		return "", fmt.Sprintf("tool_choice: Input tag '%s' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'", c.Type)
	}
	return c.Type, ""
}

// checkTool checks a tool_use or tool_result block's own fields.
func (b anthropicBlock) checkTool() string {
	if b.Type == "tool_use" {
		var input map[string]any
		switch {
		case b.ID == "":
			return "id: Field required"
		case !aiToolNameRe.MatchString(b.Name):
			return "name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'"
		case json.Unmarshal(b.Input, &input) != nil || input == nil:
			return "input: Input should be a valid dictionary"
		}
		return ""
	}
	if b.ToolUseID == "" {
		return "tool_use_id: Field required"
	}
	if _, ok := anthropicResultText(b.Content); !ok {
		return "content: Input should be a valid string or a list of content blocks"
	}
	return ""
}

// anthropicResultText is a tool_result's content: a string or text blocks.
func anthropicResultText(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var blocks []anthropicBlock
	if json.Unmarshal(raw, &blocks) != nil {
		return "", false
	}
	parts := make([]string, 0, len(blocks))
	for _, b := range blocks {
		if b.Type != "text" {
			return "", false
		}
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, "\n"), true
}

// anthropicBlocks is a message's content as blocks; a plain string is one
// text block.
func anthropicBlocks(raw json.RawMessage) []anthropicBlock {
	var blocks []anthropicBlock
	if json.Unmarshal(raw, &blocks) != nil {
		return nil
	}
	return blocks
}

// anthropicToolPairs checks tool blocks across messages as Anthropic does:
// tool_use only from the assistant, tool_result only from the user, every
// tool_use answered by a tool_result in the very next message, every
// tool_result answering a tool_use of the message before; and tools must
// be defined by any request that carries tool blocks (checked by caller
// through hasTools).
func anthropicToolPairs(msgs []anthropicMessage, hasTools bool) string {
	prevUses := map[string]bool{}
	for i, m := range msgs {
		uses, results := map[string]bool{}, map[string]bool{}
		for j, b := range anthropicBlocks(m.Content) {
			switch b.Type {
			case "tool_use":
				if m.Role != "assistant" {
					return fmt.Sprintf("messages.%d.content.%d: `tool_use` blocks can only be in `assistant` messages", i, j)
				}
				uses[b.ID] = true
			case "tool_result":
				if m.Role != "user" {
					return fmt.Sprintf("messages.%d.content.%d: `tool_result` blocks can only be in `user` messages", i, j)
				}
				if !prevUses[b.ToolUseID] {
					return fmt.Sprintf("messages.%d.content.%d: unexpected `tool_use_id` found in `tool_result` blocks: %s. "+
						"Each `tool_result` block must have a corresponding `tool_use` block in the previous message.", i, j, b.ToolUseID)
				}
				results[b.ToolUseID] = true
			default:
				continue
			}
			if !hasTools {
				return "Requests which include `tool_use` or `tool_result` blocks must define tools."
			}
		}
		var missing []string
		for id := range prevUses {
			if !results[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			slices.Sort(missing)
			return fmt.Sprintf("messages.%d: `tool_use` ids were found without `tool_result` blocks immediately after: %s. "+
				"Each `tool_use` block must have a corresponding `tool_result` block in the next message.", i-1, strings.Join(missing, ", "))
		}
		prevUses = uses
	}
	return ""
}

// toolTurn decides the fake's turn where tools are involved. When the last
// message carries tool results, they are returned (named after their
// calls) with toolTurn set, and call is set only when a result itself
// carries AIToolCallMarker. Otherwise, when tools are offered, call is the
// tool aiChooseTool picks for the prompt, if any. Under tool_choice none
// there is never a call: results are answered in text, a prompt is
// answered as if no tools were offered.
func (req *anthropicRequest) toolTurn(prompt string) (results []aiToolResult, call *aiToolCall, toolTurn bool) {
	choice, _ := req.toolChoice()
	mayCall := choice != "none"
	tools, _ := req.tools()
	if len(tools) == 0 {
		return nil, nil, false
	}
	msgs := *req.Messages
	names := map[string]string{}
	if len(msgs) >= 2 {
		for _, b := range anthropicBlocks(msgs[len(msgs)-2].Content) {
			if b.Type == "tool_use" {
				names[b.ID] = b.Name
			}
		}
	}
	for _, b := range anthropicBlocks(msgs[len(msgs)-1].Content) {
		if b.Type != "tool_result" {
			continue
		}
		text, _ := anthropicResultText(b.Content)
		results = append(results, aiToolResult{Name: names[b.ToolUseID], Content: text, IsError: b.IsError})
		if call == nil && mayCall {
			call = aiResultCall(text)
		}
	}
	if len(results) > 0 {
		return results, call, true
	}
	if c, ok := aiChooseTool(prompt, tools); ok && mayCall {
		return nil, &c, true
	}
	return nil, nil, false
}
