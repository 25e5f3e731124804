package gemini

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"google.golang.org/genai"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// Role is who said a Turn.
type Role string

// Roles of a conversation, as Gemini names them.
const (
	RoleUser  Role = genai.RoleUser
	RoleModel Role = genai.RoleModel
)

// Finish reasons Gemini reports (Response.StopReason); callers usually care
// whether the answer is complete (StopFinished) or was cut (StopMaxTokens)
// or withheld (StopSafety, among others).
const (
	StopFinished  = string(genai.FinishReasonStop)
	StopMaxTokens = string(genai.FinishReasonMaxTokens)
	StopSafety    = string(genai.FinishReasonSafety)
)

// Turn is one earlier message of a conversation.
type Turn struct {
	Role Role
	Text string
}

// Request is one completion: an optional system instruction, optional
// earlier turns, and the user's prompt.
type Request struct {
	// Model overrides the client's model for this call.
	Model string
	// System is the system instruction; empty sends none.
	System string
	// History precedes Prompt.
	History []Turn
	// Prompt is the user's message; required.
	Prompt string
	// MaxTokens caps the answer; zero leaves the model's default.
	MaxTokens int
	// Temperature, when set, is between 0 and 2.
	Temperature *float64
	// StopSequences end the answer early when the model writes one.
	StopSequences []string
}

// Response is the model's answer.
type Response struct {
	ID           string // responseId
	Model        string // modelVersion
	Text         string // the first candidate's text parts, thoughts left out
	StopReason   string // finishReason, one of the Stop* constants or another of Gemini's
	InputTokens  int    // promptTokenCount
	OutputTokens int    // candidatesTokenCount plus thoughtsTokenCount, as both are billed
}

// Complete sends req to generateContent and returns the answer. Errors are
// the guard package's typed errors (see classify); a blocked prompt is an
// APIError with CodePromptBlocked. With a guard, the call's tokens (input
// plus output) are recorded as its credits, blocked prompts included:
// tokens are what Google bills, so they are what vendor_usage should show.
func (c *Client) Complete(ctx context.Context, req Request) (Response, error) {
	contents, cfg, err := c.params(req)
	if err != nil {
		return Response{}, err
	}
	cand, u, err := c.generate(ctx, cmp.Or(req.Model, c.model), contents, cfg)
	if err != nil {
		return Response{}, err
	}
	out := Response{ID: u.ID, Model: u.Model, InputTokens: u.InputTokens, OutputTokens: u.OutputTokens}
	out.StopReason = string(cand.FinishReason)
	if cand.Content != nil {
		var text strings.Builder
		for _, p := range cand.Content.Parts {
			if p != nil && !p.Thought {
				text.WriteString(p.Text)
			}
		}
		out.Text = text.String()
	}
	return out, nil
}

// usage is what every answer says of itself.
type usage struct {
	ID, Model                 string
	InputTokens, OutputTokens int
}

// generate makes the call of Complete and CompleteWithTools and returns the
// first candidate with the answer's usage. With a guard, the tokens (input
// plus output) are recorded as the call's credits, blocked prompts
// included: tokens are what Google bills.
func (c *Client) generate(ctx context.Context, model string, contents []*genai.Content, cfg *genai.GenerateContentConfig) (*genai.Candidate, usage, error) {
	resp, err := c.models.GenerateContent(ctx, model, contents, cfg)
	if err != nil {
		return nil, usage{}, mapError(ctx, err)
	}
	// The SDK decodes any JSON whatever its content type; a JSON body under
	// another type is not an answer Google sent (a proxy's, a captive
	// portal's), so it is refused here as the guard's classify refuses it.
	if h := resp.SDKHTTPResponse; h != nil && h.Headers != nil {
		if err := guard.CheckJSONContentType(h.Headers.Get("Content-Type")); err != nil {
			return nil, usage{}, &guard.TransientError{Vendor: Vendor, Status: 200, Err: err}
		}
	}
	u := usage{ID: resp.ResponseID, Model: resp.ModelVersion}
	if m := resp.UsageMetadata; m != nil {
		u.InputTokens = int(m.PromptTokenCount)
		u.OutputTokens = int(m.CandidatesTokenCount + m.ThoughtsTokenCount)
	}
	if c.guard != nil && u.InputTokens+u.OutputTokens > 0 {
		c.guard.RecordCredits(Bucket, int64(u.InputTokens+u.OutputTokens))
	}
	if len(resp.Candidates) == 0 || resp.Candidates[0] == nil {
		if fb := resp.PromptFeedback; fb != nil && fb.BlockReason != "" {
			msg := "prompt blocked: " + string(fb.BlockReason)
			if fb.BlockReasonMessage != "" {
				msg += ": " + bound(fb.BlockReasonMessage)
			}
			return nil, u, &guard.APIError{Vendor: Vendor, Status: 200, Code: CodePromptBlocked, Message: msg}
		}
		return nil, u, &guard.TransientError{Vendor: Vendor, Status: 200, Err: errors.New("answer without candidates or block reason")}
	}
	return resp.Candidates[0], u, nil
}

// params checks req before any call and builds the SDK's arguments.
func (c *Client) params(req Request) ([]*genai.Content, *genai.GenerateContentConfig, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("gemini: %w", &guard.APIError{Vendor: Vendor, Code: CodeInvalidRequest, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case strings.TrimSpace(req.Prompt) == "":
		return nil, nil, invalid("Request.Prompt is empty")
	case req.MaxTokens < 0 || req.MaxTokens > math.MaxInt32:
		return nil, nil, invalid("Request.MaxTokens %d is out of range", req.MaxTokens)
	case req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 2):
		return nil, nil, invalid("Request.Temperature %g is outside [0, 2]", *req.Temperature)
	}
	contents := make([]*genai.Content, 0, len(req.History)+1)
	for i, t := range req.History {
		if t.Role != RoleUser && t.Role != RoleModel {
			return nil, nil, invalid("Request.History[%d].Role %q is neither %q nor %q", i, t.Role, RoleUser, RoleModel)
		}
		contents = append(contents, genai.NewContentFromText(t.Text, genai.Role(t.Role)))
	}
	contents = append(contents, genai.NewContentFromText(req.Prompt, genai.RoleUser))

	off := false
	cfg := &genai.GenerateContentConfig{
		// One Complete is one HTTP call: continuation would make more,
		// behind the limiter's back.
		AutomaticContinuation: &off,
		MaxOutputTokens:       int32(req.MaxTokens),
		StopSequences:         req.StopSequences,
	}
	if req.System != "" {
		cfg.SystemInstruction = genai.NewContentFromText(req.System, genai.RoleUser)
	}
	if req.Temperature != nil {
		t := float32(*req.Temperature)
		cfg.Temperature = &t
	}
	return contents, cfg, nil
}
