package vendorsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const testAIKey = "test-ai-key"

// aiBundle is one simulator with both AI fakes on a real listener.
type aiBundle struct {
	sim       *Sim
	srv       *httptest.Server
	anthropic *Anthropic
	gemini    *Gemini
}

func setupAI(t *testing.T) aiBundle {
	t.Helper()
	a, g := NewAnthropic(testAIKey), NewGemini(testAIKey)
	s := New(Options{}, a, g)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return aiBundle{sim: s, srv: srv, anthropic: a, gemini: g}
}

// aiAnswer is a raw answer: status, headers and the decoded JSON body.
type aiAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

func (b aiBundle) post(t *testing.T, path string, header map[string]string, body string) aiAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("POST %s: %d answer is not JSON: %s", path, resp.StatusCode, raw)
	}
	return aiAnswer{status: resp.StatusCode, header: resp.Header, body: m}
}

// errorField reads body.error.<name> of Anthropic's or Google's envelope.
func (a aiAnswer) errorField(name string) any {
	e, _ := a.body["error"].(map[string]any)
	return e[name]
}

var anthropicHeaders = map[string]string{"x-api-key": testAIKey, "anthropic-version": AnthropicVersion}

func withHeader(h map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for kk, vv := range h {
		out[kk] = vv
	}
	if v == "" {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func TestAnthropicMessagesValidation(t *testing.T) {
	t.Parallel()
	b := setupAI(t)
	const ok = `"model":"claude-sonnet-4-5","max_tokens":64`
	tests := []struct {
		name    string
		header  map[string]string
		body    string
		status  int
		errType string
		msg     string
	}{
		{"missing key", withHeader(anthropicHeaders, "x-api-key", ""), `{` + ok + `,"messages":[{"role":"user","content":"hi"}]}`, 401, "authentication_error", "x-api-key header is required"},
		{"wrong key", withHeader(anthropicHeaders, "x-api-key", "nope"), `{` + ok + `,"messages":[{"role":"user","content":"hi"}]}`, 401, "authentication_error", "invalid x-api-key"},
		{"missing version", withHeader(anthropicHeaders, "anthropic-version", ""), `{` + ok + `,"messages":[{"role":"user","content":"hi"}]}`, 400, "invalid_request_error", "anthropic-version"},
		{"bad version", withHeader(anthropicHeaders, "anthropic-version", "2099-01-01"), `{` + ok + `,"messages":[{"role":"user","content":"hi"}]}`, 400, "invalid_request_error", "invalid version"},
		{"not json", anthropicHeaders, `{"model":`, 400, "invalid_request_error", "error parsing the body"},
		{"no model", anthropicHeaders, `{"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`, 400, "invalid_request_error", "model: Field required"},
		{"no max_tokens", anthropicHeaders, `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}`, 400, "invalid_request_error", "max_tokens: Field required"},
		{"zero max_tokens", anthropicHeaders, `{"model":"claude-sonnet-4-5","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}`, 400, "invalid_request_error", "greater than or equal to 1"},
		{"no messages", anthropicHeaders, `{` + ok + `}`, 400, "invalid_request_error", "messages: Field required"},
		{"empty messages", anthropicHeaders, `{` + ok + `,"messages":[]}`, 400, "invalid_request_error", "at least one message"},
		{"assistant first", anthropicHeaders, `{` + ok + `,"messages":[{"role":"assistant","content":"hi"}]}`, 400, "invalid_request_error", "first message"},
		{"two users", anthropicHeaders, `{` + ok + `,"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}`, 400, "invalid_request_error", "alternate"},
		{"bad role", anthropicHeaders, `{` + ok + `,"messages":[{"role":"system","content":"a"}]}`, 400, "invalid_request_error", "messages.0.role"},
		{"empty content", anthropicHeaders, `{` + ok + `,"messages":[{"role":"user","content":""}]}`, 400, "invalid_request_error", "non-empty"},
		{"image block", anthropicHeaders, `{` + ok + `,"messages":[{"role":"user","content":[{"type":"image"}]}]}`, 400, "invalid_request_error", "only text blocks"},
		{"temperature", anthropicHeaders, `{` + ok + `,"temperature":1.5,"messages":[{"role":"user","content":"a"}]}`, 400, "invalid_request_error", "temperature"},
		{"stream", anthropicHeaders, `{` + ok + `,"stream":true,"messages":[{"role":"user","content":"a"}]}`, 400, "invalid_request_error", "streaming"},
		{"unknown model", anthropicHeaders, `{"model":"gpt-4","max_tokens":5,"messages":[{"role":"user","content":"a"}]}`, 404, "not_found_error", "model: gpt-4"},
		{"unknown tool_choice", anthropicHeaders, `{` + ok + `,"tool_choice":{"type":"never"},"messages":[{"role":"user","content":"a"}]}`, 400, "invalid_request_error", "tool_choice: Input tag 'never'"},
		{"tool_choice without type", anthropicHeaders, `{` + ok + `,"tool_choice":{},"messages":[{"role":"user","content":"a"}]}`, 400, "invalid_request_error", "discriminator 'type'"},
		{"tool_choice tool without name", anthropicHeaders, `{` + ok + `,"tool_choice":{"type":"tool"},"messages":[{"role":"user","content":"a"}]}`, 400, "invalid_request_error", "tool_choice.tool.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.post(t, "/anthropic/v1/messages", tt.header, tt.body)
			if got.status != tt.status || got.errorField("type") != tt.errType || !strings.Contains(got.errorField("message").(string), tt.msg) {
				t.Errorf("got %d %v, want %d %s containing %q", got.status, got.body, tt.status, tt.errType, tt.msg)
			}
			if got.body["type"] != "error" || got.header.Get("request-id") == "" || got.body["request_id"] != got.header.Get("request-id") {
				t.Errorf("envelope: %v, request-id %q", got.body, got.header.Get("request-id"))
			}
		})
	}
}

func TestAnthropicMessagesAnswer(t *testing.T) {
	t.Parallel()
	b := setupAI(t)
	tests := []struct {
		name, body, text, stop string
	}{
		{"string content", `{"model":"claude-sonnet-4-5","max_tokens":200,"system":"You write cold emails.","messages":[{"role":"user","content":"Draft a 3-line intro to Jane at Acme."}]}`,
			AnthropicReply("You write cold emails.", "Draft a 3-line intro to Jane at Acme."), "end_turn"},
		{"blocks and history, as the SDK sends", `{"model":"claude-haiku-4-5","max_tokens":200,"system":[{"type":"text","text":"Be brief."}],"messages":[` +
			`{"role":"user","content":[{"type":"text","text":"first"}]},{"role":"assistant","content":"ok"},{"role":"user","content":[{"type":"text","text":"second question"}]}]}`,
			AnthropicReply("Be brief.", "second question"), "end_turn"},
		{"max_tokens cut", `{"model":"claude-sonnet-4-5","max_tokens":2,"messages":[{"role":"user","content":"hello there"}]}`,
			AnthropicReply("", "hello there")[:8], "max_tokens"},
		{"stop sequence", `{"model":"claude-sonnet-4-5","max_tokens":200,"stop_sequences":["Re:"],"messages":[{"role":"user","content":"hello"}]}`,
			strings.SplitN(AnthropicReply("", "hello"), "Re:", 2)[0], "stop_sequence"},
		{"refusal", `{"model":"claude-sonnet-4-5","max_tokens":200,"messages":[{"role":"user","content":"please sim:refuse"}]}`, "", "refusal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.post(t, "/anthropic/v1/messages", anthropicHeaders, tt.body)
			if got.status != 200 {
				t.Fatalf("status %d: %v", got.status, got.body)
			}
			text := ""
			if c, _ := got.body["content"].([]any); len(c) > 0 {
				text = c[0].(map[string]any)["text"].(string)
			}
			if text != tt.text || got.body["stop_reason"] != tt.stop {
				t.Errorf("got %q %v, want %q %s", text, got.body["stop_reason"], tt.text, tt.stop)
			}
			usage := got.body["usage"].(map[string]any)
			if usage["input_tokens"].(float64) < 1 || usage["output_tokens"].(float64) != float64(aiTokens(tt.text)) {
				t.Errorf("usage %v for %q", usage, tt.text)
			}
			if !strings.HasPrefix(got.body["id"].(string), "msg_") || got.body["type"] != "message" || got.body["role"] != "assistant" {
				t.Errorf("envelope %v", got.body)
			}
			if got.header.Get("anthropic-ratelimit-requests-limit") != "50" || got.header.Get("request-id") == "" {
				t.Errorf("headers %v", got.header)
			}
			if _, err := time.Parse(time.RFC3339, got.header.Get("anthropic-ratelimit-requests-reset")); err != nil {
				t.Errorf("reset header: %v", err)
			}
		})
	}
	// The same prompt gets the same answer, a different one another.
	if AnthropicReply("s", "p") != AnthropicReply("s", "p") || AnthropicReply("s", "p") == AnthropicReply("s", "q") {
		t.Error("AnthropicReply is not a function of its inputs")
	}
}

// TestAnthropicToolChoiceNone: under tool_choice none the fake calls no
// tool, though the prompt names one and a tool result asks for one; it
// answers the prompt, or the results, in text.
func TestAnthropicToolChoiceNone(t *testing.T) {
	t.Parallel()
	b := setupAI(t)
	const head = `{"model":"claude-sonnet-4-5","max_tokens":200,"tools":[{"name":"pipeline_counts","input_schema":{"type":"object"}}],`
	const prompt = "How many contacts are in the pipeline? sim:call pipeline_counts"
	question := `"messages":[{"role":"user","content":"` + prompt + `"}]}`
	results := `"messages":[{"role":"user","content":"` + prompt + `"},` +
		`{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"pipeline_counts","input":{}}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"{\"contacts\":3,\"note\":\"sim:call pipeline_counts\"}"}]}]}`
	tests := []struct {
		name, body, stop, text string
	}{
		{"auto calls", head + question, "tool_use", ""},
		{"none answers the prompt", head + `"tool_choice":{"type":"none"},` + question, "end_turn", AnthropicReply("", prompt)},
		{"auto calls after results", head + results, "tool_use", ""},
		{"none answers the results", head + `"tool_choice":{"type":"none"},` + results, "end_turn", `From pipeline_counts: {"contacts":3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.post(t, "/anthropic/v1/messages", anthropicHeaders, tt.body)
			content, _ := got.body["content"].([]any)
			if got.status != 200 || got.body["stop_reason"] != tt.stop || len(content) != 1 {
				t.Fatalf("got %d %v, want stop_reason %s and one block", got.status, got.body, tt.stop)
			}
			block := content[0].(map[string]any)
			if tt.stop == "tool_use" {
				if block["type"] != "tool_use" || block["name"] != "pipeline_counts" {
					t.Errorf("block %v, want a pipeline_counts call", block)
				}
				return
			}
			if text, _ := block["text"].(string); block["type"] != "text" || !strings.Contains(text, tt.text) {
				t.Errorf("block %v, want text holding %q", block, tt.text)
			}
		})
	}
}

func TestAnthropicRateLimitOutageAndSpendLimit(t *testing.T) {
	t.Parallel()
	b := setupAI(t)
	body := `{"model":"claude-sonnet-4-5","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}`
	if err := b.sim.SetKnobs("anthropic", Knobs{Limits: map[string][]Limit{"default": {{Rate: 1, Per: time.Minute}}}}); err != nil {
		t.Fatal(err)
	}
	if got := b.post(t, "/anthropic/v1/messages", anthropicHeaders, body); got.status != 200 || got.header.Get("anthropic-ratelimit-requests-remaining") != "0" {
		t.Fatalf("first call: %d %v", got.status, got.header)
	}
	got := b.post(t, "/anthropic/v1/messages", anthropicHeaders, body)
	if got.status != 429 || got.errorField("type") != "rate_limit_error" || got.header.Get("retry-after") == "" || got.header.Get("x-should-retry") != "true" {
		t.Errorf("429: %d %v %v", got.status, got.header, got.body)
	}

	if err := b.sim.SetKnobs("anthropic", Knobs{Outage: true}); err != nil {
		t.Fatal(err)
	}
	got = b.post(t, "/anthropic/v1/messages", anthropicHeaders, body)
	if got.status != 529 || got.errorField("type") != "overloaded_error" || got.header.Get("retry-after") != "" {
		t.Errorf("outage: %d %v %v", got.status, got.header, got.body)
	}
	b.anthropic.SetOverloadRetryAfter(1500 * time.Millisecond)
	if got = b.post(t, "/anthropic/v1/messages", anthropicHeaders, body); got.status != 529 || got.header.Get("retry-after") != "2" {
		t.Errorf("outage with retry-after: %d %v", got.status, got.header)
	}
	if err := b.sim.SetKnobs("anthropic", Knobs{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	if got = b.post(t, "/anthropic/v1/messages", anthropicHeaders, body); got.status != 500 || got.errorField("type") != "api_error" {
		t.Errorf("injected error: %d %v", got.status, got.body)
	}

	if err := b.sim.SetKnobs("anthropic", Knobs{}); err != nil {
		t.Fatal(err)
	}
	b.anthropic.SetSpendLimitReached(true)
	got = b.post(t, "/anthropic/v1/messages", anthropicHeaders, body)
	details, _ := got.errorField("details").(map[string]any)
	if got.status != 429 || details["error_code"] != "enforced_spend_limit_reached" || got.header.Get("retry-after") != "" {
		t.Errorf("spend limit: %d %v %v", got.status, got.header, got.body)
	}
	b.sim.Reset()
	if got = b.post(t, "/anthropic/v1/messages", anthropicHeaders, body); got.status != 200 {
		t.Errorf("after reset: %d %v", got.status, got.body)
	}
}
