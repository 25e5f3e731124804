package anthropic

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/anthropics/anthropic-sdk-go"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// Role is who said a Turn.
type Role string

// Roles of a conversation.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Stop reasons Anthropic reports (Response.StopReason); callers usually
// care whether the answer is complete (StopEndTurn) or was cut or refused.
const (
	StopEndTurn      = "end_turn"
	StopMaxTokens    = "max_tokens"
	StopSequence     = "stop_sequence"
	StopRefusal      = "refusal"
	StopContextLimit = "model_context_window_exceeded"
)

// Turn is one earlier message of a conversation.
type Turn struct {
	Role Role
	Text string
}

// Request is one completion: an optional system prompt, optional earlier
// turns (alternating, starting with the user), and the user's prompt.
type Request struct {
	// Model overrides the client's model for this call.
	Model string
	// System is the system prompt; empty sends none.
	System string
	// History precedes Prompt; Anthropic requires the roles to alternate,
	// starting with RoleUser, so it must end with RoleAssistant.
	History []Turn
	// Prompt is the user's message; required.
	Prompt string
	// MaxTokens caps the answer; zero means DefaultMaxTokens.
	MaxTokens int
	// Temperature, when set, is between 0 and 1.
	Temperature *float64
	// StopSequences end the answer early when the model writes one.
	StopSequences []string
}

// Response is the model's answer.
type Response struct {
	ID           string
	Model        string
	Text         string // the text blocks of the answer, joined
	StopReason   string // one of the Stop* constants
	InputTokens  int
	OutputTokens int
}

// Complete sends req to the Messages API and returns the answer. Errors are
// the guard package's typed errors (see classifyResponse); a refused answer
// is not an error but a Response with StopReason StopRefusal. With a guard,
// the tokens of the call (input plus output) are recorded as its credits:
// tokens are what Anthropic bills, so they are what vendor_usage should show.
func (c *Client) Complete(ctx context.Context, req Request) (Response, error) {
	params, err := c.params(req)
	if err != nil {
		return Response{}, err
	}
	msg, err := c.sdk.Messages.New(ctx, params)
	if err != nil {
		return Response{}, mapError(ctx, err)
	}
	if msg.ID == "" || msg.StopReason == "" {
		return Response{}, &guard.TransientError{Vendor: Vendor, Status: 200, Err: errors.New("answer without id or stop_reason")}
	}
	var text strings.Builder
	for _, b := range msg.Content {
		if b.Type == "text" {
			text.WriteString(b.Text)
		}
	}
	out := Response{
		ID:           msg.ID,
		Model:        string(msg.Model),
		Text:         text.String(),
		StopReason:   string(msg.StopReason),
		InputTokens:  int(msg.Usage.InputTokens),
		OutputTokens: int(msg.Usage.OutputTokens),
	}
	if c.guard != nil {
		c.guard.RecordCredits(Bucket, int64(out.InputTokens+out.OutputTokens))
	}
	return out, nil
}

// params checks req before any call and builds the SDK's parameters.
func (c *Client) params(req Request) (sdk.MessageNewParams, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("anthropic: %w", &guard.APIError{Vendor: Vendor, Code: CodeInvalidRequest, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case strings.TrimSpace(req.Prompt) == "":
		return sdk.MessageNewParams{}, invalid("Request.Prompt is empty")
	case req.MaxTokens < 0:
		return sdk.MessageNewParams{}, invalid("Request.MaxTokens %d is negative", req.MaxTokens)
	case req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 1):
		return sdk.MessageNewParams{}, invalid("Request.Temperature %g is outside [0, 1]", *req.Temperature)
	}
	msgs := make([]sdk.MessageParam, 0, len(req.History)+1)
	for i, t := range req.History {
		switch t.Role {
		case RoleUser:
			msgs = append(msgs, sdk.NewUserMessage(sdk.NewTextBlock(t.Text)))
		case RoleAssistant:
			msgs = append(msgs, sdk.NewAssistantMessage(sdk.NewTextBlock(t.Text)))
		default:
			return sdk.MessageNewParams{}, invalid("Request.History[%d].Role %q is neither %q nor %q", i, t.Role, RoleUser, RoleAssistant)
		}
	}
	msgs = append(msgs, sdk.NewUserMessage(sdk.NewTextBlock(req.Prompt)))

	p := sdk.MessageNewParams{
		Model:         sdk.Model(cmp.Or(req.Model, c.model)),
		MaxTokens:     int64(cmp.Or(req.MaxTokens, DefaultMaxTokens)),
		Messages:      msgs,
		StopSequences: req.StopSequences,
	}
	if req.System != "" {
		p.System = []sdk.TextBlockParam{{Text: req.System}}
	}
	if req.Temperature != nil {
		p.Temperature = sdk.Float(*req.Temperature)
	}
	return p, nil
}
