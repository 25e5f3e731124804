package vendorsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// anthropicMaxOutput is the largest max_tokens the fake accepts, the
// largest any current Claude model allows.
const anthropicMaxOutput = 128000

// anthropicMessageOverhead is the tokens each message adds to the input
// count beyond its text (role markers), as real counts show.
const anthropicMessageOverhead = 3

// Routes implements Vendor.
func (a *Anthropic) Routes(r *Router) {
	r.Handle("POST /v1/messages", "default", a.messages)
}

// anthropicRequest is the part of a Messages request the fake reads.
// Pointers tell a missing field from a zero one, as Anthropic's validation
// does; system and content are raw because both may be a string or a list
// of blocks.
type anthropicRequest struct {
	Model         *string             `json:"model"`
	MaxTokens     *int                `json:"max_tokens"`
	Messages      *[]anthropicMessage `json:"messages"`
	System        json.RawMessage     `json:"system"`
	Temperature   *float64            `json:"temperature"`
	StopSequences []string            `json:"stop_sequences"`
	Stream        bool                `json:"stream"`
	Tools         json.RawMessage     `json:"tools"`
	ToolChoice    json.RawMessage     `json:"tool_choice"`
}

type anthropicMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// anthropicBlock is one content or system block: text, or the tool_use
// and tool_result blocks of client tools. Images, documents and server
// tools are not simulated.
type anthropicBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	ID        string          `json:"id"`          // tool_use
	Name      string          `json:"name"`        // tool_use
	Input     json.RawMessage `json:"input"`       // tool_use
	ToolUseID string          `json:"tool_use_id"` // tool_result
	Content   json.RawMessage `json:"content"`     // tool_result: a string or text blocks
	IsError   bool            `json:"is_error"`    // tool_result
}

// messages serves POST /v1/messages.
func (a *Anthropic) messages(w http.ResponseWriter, r *http.Request) {
	if !a.checkVersion(w, r) || a.spendLimitHit(w) {
		return
	}
	var req anthropicRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.writeError(w, http.StatusRequestEntityTooLarge, "request_too_large", "Request exceeds the maximum allowed number of bytes.", false)
			return
		}
		a.invalid(w, "There was an error parsing the body of your request: "+err.Error())
		return
	}
	system, texts, msg := req.validate()
	if msg != "" {
		a.invalid(w, msg)
		return
	}
	if !strings.HasPrefix(*req.Model, "claude-") {
		a.writeError(w, http.StatusNotFound, "not_found_error", "model: "+*req.Model, false)
		return
	}
	a.answer(w, req, system, texts)
}

// checkVersion enforces the anthropic-version header, which Anthropic
// requires on every call.
func (a *Anthropic) checkVersion(w http.ResponseWriter, r *http.Request) bool {
	switch v := r.Header.Get("anthropic-version"); v {
	case AnthropicVersion, anthropicOldVersion:
		return true
	case "":
		a.invalid(w, "anthropic-version: header is required")
	default:
		a.invalid(w, fmt.Sprintf("anthropic-version: invalid version %q", v))
	}
	return false
}

func (a *Anthropic) invalid(w http.ResponseWriter, msg string) {
	a.writeError(w, http.StatusBadRequest, "invalid_request_error", msg, false)
}

// validate checks the request the way Anthropic does and returns the system
// prompt and each message's text, or the first error message.
func (req *anthropicRequest) validate() (system string, texts []string, msg string) {
	switch {
	case req.Model == nil || *req.Model == "":
		return "", nil, "model: Field required"
	case req.MaxTokens == nil:
		return "", nil, "max_tokens: Field required"
	case *req.MaxTokens < 1:
		return "", nil, "max_tokens: Input should be greater than or equal to 1"
	case *req.MaxTokens > anthropicMaxOutput:
		return "", nil, fmt.Sprintf("max_tokens: %d > %d, which is the maximum allowed number of output tokens for %s", *req.MaxTokens, anthropicMaxOutput, *req.Model)
	case req.Messages == nil:
		return "", nil, "messages: Field required"
	case len(*req.Messages) == 0:
		return "", nil, "messages: at least one message is required"
	case req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 1):
		return "", nil, "temperature: Input should be less than or equal to 1 and greater than or equal to 0"
	case req.Stream:
		return "", nil, "stream: vendorsim does not simulate streaming"
	}
	tools, msg := req.tools()
	if msg != "" {
		return "", nil, msg
	}
	if _, msg := req.toolChoice(); msg != "" {
		return "", nil, msg
	}
	system, err := anthropicText(req.System, true)
	if err != "" {
		return "", nil, "system: " + err
	}
	msgs := *req.Messages
	texts = make([]string, len(msgs))
	for i, m := range msgs {
		if m.Role != "user" && m.Role != "assistant" {
			return "", nil, fmt.Sprintf("messages.%d.role: Input should be 'user' or 'assistant'", i)
		}
		if i == 0 && m.Role != "user" {
			return "", nil, `messages: first message must use the "user" role`
		}
		if i > 0 && m.Role == msgs[i-1].Role {
			return "", nil, fmt.Sprintf(`messages: roles must alternate between "user" and "assistant", but found multiple %q roles in a row`, m.Role)
		}
		t, err := anthropicText(m.Content, false)
		if err != "" {
			return "", nil, fmt.Sprintf("messages.%d.content: %s", i, err)
		}
		texts[i] = t
	}
	if msg := anthropicToolPairs(msgs, len(tools) > 0); msg != "" {
		return "", nil, msg
	}
	return system, texts, ""
}

// anthropicText reads a string or a list of text blocks. Empty text is
// refused in messages (Anthropic refuses it) but allowed in the optional
// system prompt.
func anthropicText(raw json.RawMessage, optional bool) (string, string) {
	if len(raw) == 0 || string(raw) == "null" {
		if optional {
			return "", ""
		}
		return "", "Field required"
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" && !optional {
			return "", "text content blocks must be non-empty"
		}
		return s, ""
	}
	var blocks []anthropicBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "", "Input should be a valid string or a list of content blocks"
	}
	if len(blocks) == 0 && !optional {
		return "", "at least one content block is required"
	}
	parts := make([]string, 0, len(blocks))
	for i, b := range blocks {
		if b.Type == "tool_use" || b.Type == "tool_result" {
			if optional { // the system prompt
				return "", fmt.Sprintf("%d.type: Input should be 'text'", i)
			}
			if msg := b.checkTool(); msg != "" {
				return "", fmt.Sprintf("%d.%s", i, msg)
			}
			continue
		}
		if b.Type != "text" {
			return "", fmt.Sprintf("%d.type: vendorsim simulates only text blocks and client tool blocks, got %q", i, b.Type)
		}
		if strings.TrimSpace(b.Text) == "" {
			return "", fmt.Sprintf("%d.text: text content blocks must contain non-whitespace text", i)
		}
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, "\n"), ""
}

// answer writes the deterministic reply to the last user message.
func (a *Anthropic) answer(w http.ResponseWriter, req anthropicRequest, system string, texts []string) {
	msgs := *req.Messages
	prompt := ""
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			prompt = texts[i]
			break
		}
	}
	input := aiTokens(system)
	for _, t := range texts {
		input += aiTokens(t) + anthropicMessageOverhead
	}

	content := []map[string]any{}
	stopReason, stopSeq := "end_turn", any(nil)
	text := ""
	results, call, toolTurn := req.toolTurn(prompt)
	switch {
	case strings.Contains(strings.ToLower(prompt), AnthropicRefusalMarker):
		stopReason = "refusal"
	case toolTurn && call != nil:
		input, _ := json.Marshal(call.Input)
		content = append(content, map[string]any{"type": "tool_use", "id": anthropicID("toolu_"), "name": call.Name, "input": json.RawMessage(input)})
		stopReason, text = "tool_use", string(input)
	default:
		text = AnthropicReply(system, prompt)
		if toolTurn {
			text = aiToolAnswer("anthropic", system, results)
		}
		for _, seq := range req.StopSequences {
			if i := strings.Index(text, seq); seq != "" && i >= 0 {
				text, stopReason, stopSeq = text[:i], "stop_sequence", seq
				break
			}
		}
		if cut, ok := aiCut(text, *req.MaxTokens); ok {
			text, stopReason, stopSeq = cut, "max_tokens", nil
		}
		content = append(content, map[string]any{"type": "text", "text": text})
	}

	w.Header().Set("request-id", anthropicID("req_"))
	anthropicWriteJSON(w, http.StatusOK, map[string]any{
		"id":            anthropicID("msg_"),
		"type":          "message",
		"role":          "assistant",
		"model":         *req.Model,
		"content":       content,
		"stop_reason":   stopReason,
		"stop_sequence": stopSeq,
		"usage": map[string]any{
			"input_tokens":                input,
			"output_tokens":               aiTokens(text),
			"cache_creation_input_tokens": 0,
			"cache_read_input_tokens":     0,
			"service_tier":                "standard",
		},
	})
}
