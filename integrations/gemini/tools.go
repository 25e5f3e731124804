package gemini

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"

	"google.golang.org/genai"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// Tool is a function the model may ask to call: a name, what it is for,
// and a JSON Schema (type object) of its arguments.
type Tool struct {
	Name        string
	Description string
	// Properties and Required are the parameters schema's; the type is
	// object.
	Properties map[string]any
	Required   []string
}

// ToolCall is a functionCall part: the model asks for Name with Args.
// ID is set when Gemini gives one and must then be echoed in the result.
type ToolCall struct {
	ID   string
	Name string
	Args json.RawMessage
}

// ToolResult is a functionResponse part answering the call named Name.
// Response is a JSON object; Gemini has no error flag, so a failed call
// is conventionally {"error": "..."}.
type ToolResult struct {
	ID       string
	Name     string
	Response map[string]any
}

// Message is one content of a conversation with tools: a user content
// holds text or function responses, a model content text and calls.
type Message struct {
	Role        Role
	Text        string
	ToolCalls   []ToolCall   // model only
	ToolResults []ToolResult // user only
}

// ToolRequest is one turn of a conversation in which the model may call
// functions.
type ToolRequest struct {
	Model     string
	System    string
	Messages  []Message // ending with RoleUser
	Tools     []Tool
	MaxTokens int
	// NoToolCalls sets toolConfig.functionCallingConfig.mode NONE: the
	// model answers in text and calls no function. Tools are still sent,
	// so the function calls and responses of earlier turns stay declared.
	NoToolCalls bool
}

// ToolResponse is the model's turn: text, function calls, or both.
type ToolResponse struct {
	ID           string
	Model        string
	Text         string
	ToolCalls    []ToolCall
	StopReason   string
	InputTokens  int
	OutputTokens int
}

// CompleteWithTools sends one turn of a function-calling conversation;
// errors and credits are as Complete's.
func (c *Client) CompleteWithTools(ctx context.Context, req ToolRequest) (ToolResponse, error) {
	contents, cfg, err := c.toolParams(req)
	if err != nil {
		return ToolResponse{}, err
	}
	cand, u, err := c.generate(ctx, cmp.Or(req.Model, c.model), contents, cfg)
	if err != nil {
		return ToolResponse{}, err
	}
	out := ToolResponse{ID: u.ID, Model: u.Model, InputTokens: u.InputTokens, OutputTokens: u.OutputTokens}
	out.StopReason = string(cand.FinishReason)
	if cand.Content != nil {
		for _, p := range cand.Content.Parts {
			switch {
			case p == nil || p.Thought:
			case p.FunctionCall != nil:
				args := json.RawMessage("{}")
				if len(p.FunctionCall.Args) > 0 {
					var err error
					if args, err = json.Marshal(p.FunctionCall.Args); err != nil {
						return ToolResponse{}, &guard.TransientError{Vendor: Vendor, Status: 200, Err: fmt.Errorf("function call args: %w", err)}
					}
				}
				out.ToolCalls = append(out.ToolCalls, ToolCall{ID: p.FunctionCall.ID, Name: p.FunctionCall.Name, Args: args})
			default:
				out.Text += p.Text
			}
		}
	}
	return out, nil
}

// toolParams checks req before any call and builds the SDK's arguments.
func (c *Client) toolParams(req ToolRequest) ([]*genai.Content, *genai.GenerateContentConfig, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("gemini: %w", &guard.APIError{Vendor: Vendor, Code: CodeInvalidRequest, Message: fmt.Sprintf(format, args...)})
	}
	if len(req.Messages) == 0 || req.Messages[len(req.Messages)-1].Role != RoleUser {
		return nil, nil, invalid("ToolRequest.Messages must end with a user message")
	}
	if req.MaxTokens < 0 || req.MaxTokens > math.MaxInt32 {
		return nil, nil, invalid("ToolRequest.MaxTokens %d is out of range", req.MaxTokens)
	}
	contents := make([]*genai.Content, 0, len(req.Messages))
	for i, m := range req.Messages {
		var parts []*genai.Part
		if m.Text != "" {
			parts = append(parts, genai.NewPartFromText(m.Text))
		}
		switch m.Role {
		case RoleUser:
			for _, r := range m.ToolResults {
				p := genai.NewPartFromFunctionResponse(r.Name, r.Response)
				p.FunctionResponse.ID = r.ID
				parts = append(parts, p)
			}
		case RoleModel:
			for _, tc := range m.ToolCalls {
				var args map[string]any
				if len(tc.Args) > 0 {
					if err := json.Unmarshal(tc.Args, &args); err != nil {
						return nil, nil, invalid("ToolRequest.Messages[%d]: call %q args are not a JSON object", i, tc.Name)
					}
				}
				p := genai.NewPartFromFunctionCall(tc.Name, args)
				p.FunctionCall.ID = tc.ID
				parts = append(parts, p)
			}
		default:
			return nil, nil, invalid("ToolRequest.Messages[%d].Role %q is neither %q nor %q", i, m.Role, RoleUser, RoleModel)
		}
		if len(parts) == 0 {
			return nil, nil, invalid("ToolRequest.Messages[%d] is empty", i)
		}
		contents = append(contents, genai.NewContentFromParts(parts, genai.Role(m.Role)))
	}
	off := false
	cfg := &genai.GenerateContentConfig{AutomaticContinuation: &off, MaxOutputTokens: int32(req.MaxTokens)}
	if req.System != "" {
		cfg.SystemInstruction = genai.NewContentFromText(req.System, genai.RoleUser)
	}
	if len(req.Tools) > 0 {
		decls := make([]*genai.FunctionDeclaration, len(req.Tools))
		for i, t := range req.Tools {
			props := t.Properties
			if props == nil {
				props = map[string]any{}
			}
			schema := map[string]any{"type": "object", "properties": props}
			if len(t.Required) > 0 {
				schema["required"] = t.Required
			}
			decls[i] = &genai.FunctionDeclaration{Name: t.Name, Description: t.Description, ParametersJsonSchema: schema}
		}
		cfg.Tools = []*genai.Tool{{FunctionDeclarations: decls}}
	}
	if req.NoToolCalls {
		cfg.ToolConfig = &genai.ToolConfig{FunctionCallingConfig: &genai.FunctionCallingConfig{Mode: genai.FunctionCallingConfigModeNone}}
	}
	return contents, cfg, nil
}
