package anthropic

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/anthropics/anthropic-sdk-go"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// StopToolUse is the stop reason of an answer that asks for tool calls.
const StopToolUse = "tool_use"

// Tool is a client tool the model may ask to call: a name, what it is
// for, and a JSON Schema (type object) of its input.
type Tool struct {
	Name        string
	Description string
	// Properties and Required are the input schema's; the type is object.
	Properties map[string]any
	Required   []string
}

// ToolCall is a tool_use block: the model asks for Name with Input.
type ToolCall struct {
	ID    string
	Name  string
	Input json.RawMessage
}

// ToolResult is a tool_result block answering the call with CallID.
type ToolResult struct {
	CallID  string
	Content string
	IsError bool
}

// Message is one message of a conversation with tools: a user message
// holds text or tool results, an assistant message text and tool calls.
type Message struct {
	Role        Role
	Text        string
	ToolCalls   []ToolCall   // assistant only
	ToolResults []ToolResult // user only
}

// ToolRequest is one turn of a conversation in which the model may call
// tools.
type ToolRequest struct {
	Model  string
	System string
	// Messages alternate, starting and ending with RoleUser.
	Messages  []Message
	Tools     []Tool
	MaxTokens int
	// NoToolCalls sends tool_choice {"type": "none"}: the model answers
	// in text and calls no tool. Tools are still sent, as Anthropic
	// requires them of any request whose messages hold tool blocks.
	NoToolCalls bool
}

// ToolResponse is the model's turn: text, tool calls, or both.
type ToolResponse struct {
	ID           string
	Model        string
	Text         string
	ToolCalls    []ToolCall
	StopReason   string // StopToolUse when ToolCalls are to be answered
	InputTokens  int
	OutputTokens int
}

// CompleteWithTools sends one turn of a tool-using conversation; errors
// and credits are as Complete's.
func (c *Client) CompleteWithTools(ctx context.Context, req ToolRequest) (ToolResponse, error) {
	params, err := c.toolParams(req)
	if err != nil {
		return ToolResponse{}, err
	}
	msg, err := c.sdk.Messages.New(ctx, params)
	if err != nil {
		return ToolResponse{}, mapError(ctx, err)
	}
	if msg.ID == "" || msg.StopReason == "" {
		return ToolResponse{}, &guard.TransientError{Vendor: Vendor, Status: 200, Err: errors.New("answer without id or stop_reason")}
	}
	out := ToolResponse{
		ID: msg.ID, Model: string(msg.Model), StopReason: string(msg.StopReason),
		InputTokens: int(msg.Usage.InputTokens), OutputTokens: int(msg.Usage.OutputTokens),
	}
	var text strings.Builder
	for _, b := range msg.Content {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "tool_use":
			out.ToolCalls = append(out.ToolCalls, ToolCall{ID: b.ID, Name: b.Name, Input: append(json.RawMessage(nil), b.Input...)})
		}
	}
	out.Text = text.String()
	if c.guard != nil {
		c.guard.RecordCredits(Bucket, int64(out.InputTokens+out.OutputTokens))
	}
	return out, nil
}

// toolParams checks req before any call and builds the SDK's parameters.
func (c *Client) toolParams(req ToolRequest) (sdk.MessageNewParams, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("anthropic: %w", &guard.APIError{Vendor: Vendor, Code: CodeInvalidRequest, Message: fmt.Sprintf(format, args...)})
	}
	if len(req.Messages) == 0 || req.Messages[len(req.Messages)-1].Role != RoleUser {
		return sdk.MessageNewParams{}, invalid("ToolRequest.Messages must end with a user message")
	}
	if req.MaxTokens < 0 {
		return sdk.MessageNewParams{}, invalid("ToolRequest.MaxTokens %d is negative", req.MaxTokens)
	}
	msgs := make([]sdk.MessageParam, 0, len(req.Messages))
	for i, m := range req.Messages {
		var blocks []sdk.ContentBlockParamUnion
		if m.Text != "" {
			blocks = append(blocks, sdk.NewTextBlock(m.Text))
		}
		switch m.Role {
		case RoleUser:
			for _, r := range m.ToolResults {
				blocks = append(blocks, sdk.NewToolResultBlock(r.CallID, r.Content, r.IsError))
			}
			if len(m.ToolCalls) > 0 {
				return sdk.MessageNewParams{}, invalid("ToolRequest.Messages[%d]: a user message cannot call tools", i)
			}
		case RoleAssistant:
			for _, tc := range m.ToolCalls {
				blocks = append(blocks, sdk.NewToolUseBlock(tc.ID, json.RawMessage(cmp.Or(string(tc.Input), "{}")), tc.Name))
			}
			if len(m.ToolResults) > 0 {
				return sdk.MessageNewParams{}, invalid("ToolRequest.Messages[%d]: an assistant message cannot hold tool results", i)
			}
		default:
			return sdk.MessageNewParams{}, invalid("ToolRequest.Messages[%d].Role %q is neither %q nor %q", i, m.Role, RoleUser, RoleAssistant)
		}
		if len(blocks) == 0 {
			return sdk.MessageNewParams{}, invalid("ToolRequest.Messages[%d] is empty", i)
		}
		msgs = append(msgs, sdk.MessageParam{Role: sdk.MessageParamRole(m.Role), Content: blocks})
	}
	p := sdk.MessageNewParams{
		Model:     sdk.Model(cmp.Or(req.Model, c.model)),
		MaxTokens: int64(cmp.Or(req.MaxTokens, DefaultMaxTokens)),
		Messages:  msgs,
	}
	if req.System != "" {
		p.System = []sdk.TextBlockParam{{Text: req.System}}
	}
	for _, t := range req.Tools {
		tp := sdk.ToolParam{Name: t.Name, InputSchema: sdk.ToolInputSchemaParam{Properties: t.Properties, Required: t.Required}}
		if t.Description != "" {
			tp.Description = sdk.String(t.Description)
		}
		p.Tools = append(p.Tools, sdk.ToolUnionParam{OfTool: &tp})
	}
	if req.NoToolCalls {
		none := sdk.NewToolChoiceNoneParam()
		p.ToolChoice = sdk.ToolChoiceUnionParam{OfNone: &none}
	}
	return p, nil
}
