package chat

import (
	"context"
	"encoding/json"

	"github.com/rtgs/sales-automation/integrations/anthropic"
	"github.com/rtgs/sales-automation/integrations/gemini"
	"github.com/rtgs/sales-automation/internal/store"
)

// Anthropic is a Model over Anthropic's Messages API with client tools:
// tool calls are tool_use blocks, results tool_result blocks.
type Anthropic struct{ Client *anthropic.Client }

// Next implements Model.
func (m Anthropic) Next(ctx context.Context, system string, turns []Turn, tools []ToolSpec, noTools bool, maxTokens int) (string, []Call, error) {
	req := anthropic.ToolRequest{System: system, MaxTokens: maxTokens, NoToolCalls: noTools}
	for _, s := range tools {
		req.Tools = append(req.Tools, anthropic.Tool{Name: s.Name, Description: s.Description, Properties: s.Properties, Required: s.Required})
	}
	for _, t := range turns {
		msg := anthropic.Message{Role: anthropic.RoleUser, Text: t.Text}
		if t.Role == store.ChatRoleAssistant {
			msg.Role = anthropic.RoleAssistant
		}
		for _, c := range t.Calls {
			msg.ToolCalls = append(msg.ToolCalls, anthropic.ToolCall{ID: c.ID, Name: c.Name, Input: objectOrEmpty(c.Input)})
		}
		for _, r := range t.Results {
			msg.ToolResults = append(msg.ToolResults, anthropic.ToolResult{CallID: r.CallID, Content: r.Content, IsError: r.IsError})
		}
		req.Messages = append(req.Messages, msg)
	}
	resp, err := m.Client.CompleteWithTools(ctx, req)
	if err != nil {
		return "", nil, err
	}
	calls := make([]Call, len(resp.ToolCalls))
	for i, c := range resp.ToolCalls {
		calls[i] = Call{ID: c.ID, Name: c.Name, Input: c.Input}
	}
	return resp.Text, calls, nil
}

// Gemini is a Model over Gemini's generateContent with function calling:
// calls are functionCall parts, results functionResponse parts.
type Gemini struct{ Client *gemini.Client }

// Next implements Model.
func (m Gemini) Next(ctx context.Context, system string, turns []Turn, tools []ToolSpec, noTools bool, maxTokens int) (string, []Call, error) {
	req := gemini.ToolRequest{System: system, MaxTokens: maxTokens, NoToolCalls: noTools}
	for _, s := range tools {
		req.Tools = append(req.Tools, gemini.Tool{Name: s.Name, Description: s.Description, Properties: s.Properties, Required: s.Required})
	}
	for _, t := range turns {
		msg := gemini.Message{Role: gemini.RoleUser, Text: t.Text}
		if t.Role == store.ChatRoleAssistant {
			msg.Role = gemini.RoleModel
		}
		for _, c := range t.Calls {
			msg.ToolCalls = append(msg.ToolCalls, gemini.ToolCall{ID: c.ID, Name: c.Name, Args: objectOrEmpty(c.Input)})
		}
		for _, r := range t.Results {
			// Gemini wants an object; our results are objects or lists,
			// and a list is wrapped as {"result": [...]}.
			var obj map[string]any
			if json.Unmarshal([]byte(r.Content), &obj) != nil || obj == nil {
				var v any
				_ = json.Unmarshal([]byte(r.Content), &v)
				obj = map[string]any{"result": v}
			}
			msg.ToolResults = append(msg.ToolResults, gemini.ToolResult{ID: r.CallID, Name: r.Name, Response: obj})
		}
		req.Messages = append(req.Messages, msg)
	}
	resp, err := m.Client.CompleteWithTools(ctx, req)
	if err != nil {
		return "", nil, err
	}
	calls := make([]Call, len(resp.ToolCalls))
	for i, c := range resp.ToolCalls {
		calls[i] = Call{ID: c.ID, Name: c.Name, Input: c.Args}
	}
	return resp.Text, calls, nil
}

// objectOrEmpty is raw when it is a JSON object, else {}: a vendor refuses
// a call replayed with input that is not an object.
func objectOrEmpty(raw json.RawMessage) json.RawMessage {
	var obj map[string]any
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		return json.RawMessage("{}")
	}
	return raw
}
