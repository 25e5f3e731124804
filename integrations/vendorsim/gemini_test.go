package vendorsim

import (
	"strings"
	"testing"
	"time"
)

const geminiPath = "/gemini/v1beta/models/gemini-2.5-flash:generateContent"

var geminiHeaders = map[string]string{"x-goog-api-key": testAIKey}

func TestGeminiValidationAndAuth(t *testing.T) {
	t.Parallel()
	b := setupAI(t)
	const ok = `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`
	tests := []struct {
		name, path string
		header     map[string]string
		body       string
		status     int
		gstatus    string
		msg        string
	}{
		{"missing key", geminiPath, nil, ok, 403, "PERMISSION_DENIED", "unregistered callers"},
		{"wrong key", geminiPath, map[string]string{"x-goog-api-key": "nope"}, ok, 400, "INVALID_ARGUMENT", "API key not valid"},
		{"wrong query key", geminiPath + "?key=nope", nil, ok, 400, "INVALID_ARGUMENT", "API key not valid"},
		{"not json", geminiPath, geminiHeaders, `{"contents":`, 400, "INVALID_ARGUMENT", "Invalid JSON payload"},
		{"no contents", geminiPath, geminiHeaders, `{}`, 400, "INVALID_ARGUMENT", "contents is not specified"},
		{"empty contents", geminiPath, geminiHeaders, `{"contents":[]}`, 400, "INVALID_ARGUMENT", "contents is not specified"},
		{"empty parts", geminiPath, geminiHeaders, `{"contents":[{"role":"user","parts":[]}]}`, 400, "INVALID_ARGUMENT", "parts must not be empty"},
		{"bad role", geminiPath, geminiHeaders, `{"contents":[{"role":"assistant","parts":[{"text":"a"}]}]}`, 400, "INVALID_ARGUMENT", "valid role"},
		{"temperature", geminiPath, geminiHeaders, `{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"temperature":3}}`, 400, "INVALID_ARGUMENT", "temperature"},
		{"inline data", geminiPath, geminiHeaders, `{"contents":[{"parts":[{"inlineData":{}}]}]}`, 400, "INVALID_ARGUMENT", "only text parts"},
		{"unknown model", "/gemini/v1beta/models/gpt-4:generateContent", geminiHeaders, ok, 404, "NOT_FOUND", "models/gpt-4 is not found"},
		{"unknown calling mode", geminiPath, geminiHeaders, `{"contents":[{"parts":[{"text":"a"}]}],"toolConfig":{"functionCallingConfig":{"mode":"NEVER"}}}`,
			400, "INVALID_ARGUMENT", "Invalid value at 'tool_config.function_calling_config.mode'"},
		{"unknown calling mode, snake case", geminiPath, geminiHeaders, `{"contents":[{"parts":[{"text":"a"}]}],"tool_config":{"function_calling_config":{"mode":"none"}}}`,
			400, "INVALID_ARGUMENT", `"none"`},
		{"unknown method", "/gemini/v1beta/models/gemini-2.5-flash:frobnicate", geminiHeaders, ok, 404, "NOT_FOUND", "frobnicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.post(t, tt.path, tt.header, tt.body)
			msg, _ := got.errorField("message").(string)
			if got.status != tt.status || got.errorField("status") != tt.gstatus || got.errorField("code") != float64(tt.status) || !strings.Contains(msg, tt.msg) {
				t.Errorf("got %d %v, want %d %s containing %q", got.status, got.body, tt.status, tt.gstatus, tt.msg)
			}
		})
	}
}

func TestGeminiAnswer(t *testing.T) {
	t.Parallel()
	b := setupAI(t)
	tests := []struct {
		name, path string
		header     map[string]string
		body       string
		text       string
		finish     string
	}{
		{"header key, system", geminiPath, geminiHeaders,
			`{"contents":[{"role":"user","parts":[{"text":"Summarise Acme in one line."}]}],"systemInstruction":{"parts":[{"text":"You are a sales researcher."}]},"generationConfig":{"temperature":0.4,"maxOutputTokens":256}}`,
			GeminiReply("You are a sales researcher.", "Summarise Acme in one line."), "STOP"},
		{"query key, snake case, v1, history", "/gemini/v1/models/gemini-2.5-pro:generateContent?key=" + testAIKey, nil,
			`{"contents":[{"role":"user","parts":[{"text":"a"}]},{"role":"model","parts":[{"text":"b"}]},{"parts":[{"text":"c"}]}],"system_instruction":{"parts":[{"text":"sys"}]}}`,
			GeminiReply("sys", "c"), "STOP"},
		{"max tokens", geminiPath, geminiHeaders, `{"contents":[{"parts":[{"text":"hello"}]}],"generationConfig":{"maxOutputTokens":1}}`,
			GeminiReply("", "hello")[:4], "MAX_TOKENS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.post(t, tt.path, tt.header, tt.body)
			if got.status != 200 {
				t.Fatalf("status %d: %v", got.status, got.body)
			}
			cands, _ := got.body["candidates"].([]any)
			if len(cands) != 1 {
				t.Fatalf("candidates: %v", got.body)
			}
			c := cands[0].(map[string]any)
			text := c["content"].(map[string]any)["parts"].([]any)[0].(map[string]any)["text"]
			if text != tt.text || c["finishReason"] != tt.finish {
				t.Errorf("got %q %v, want %q %s", text, c["finishReason"], tt.text, tt.finish)
			}
			u := got.body["usageMetadata"].(map[string]any)
			if u["candidatesTokenCount"] != float64(aiTokens(tt.text)) || u["totalTokenCount"] != u["promptTokenCount"].(float64)+u["candidatesTokenCount"].(float64) {
				t.Errorf("usage %v", u)
			}
			if got.body["responseId"] == "" || got.body["modelVersion"] == "" {
				t.Errorf("envelope %v", got.body)
			}
		})
	}

	got := b.post(t, geminiPath, geminiHeaders, `{"contents":[{"parts":[{"text":"please sim:block this"}]}]}`)
	fb, _ := got.body["promptFeedback"].(map[string]any)
	if got.status != 200 || fb["blockReason"] != "SAFETY" || got.body["candidates"] != nil {
		t.Errorf("blocked prompt: %d %v", got.status, got.body)
	}
}

// TestGeminiCallingModeNone: under function calling mode NONE the fake
// calls no function, though the prompt names one and a function response
// asks for one; it answers the prompt, or the responses, in text.
func TestGeminiCallingModeNone(t *testing.T) {
	t.Parallel()
	b := setupAI(t)
	const tools = `"tools":[{"functionDeclarations":[{"name":"pipeline_counts"}]}],`
	const prompt = "How many contacts are in the pipeline? sim:call pipeline_counts"
	question := `"contents":[{"role":"user","parts":[{"text":"` + prompt + `"}]}]}`
	results := `"contents":[{"role":"user","parts":[{"text":"` + prompt + `"}]},` +
		`{"role":"model","parts":[{"functionCall":{"name":"pipeline_counts","args":{}}}]},` +
		`{"role":"user","parts":[{"functionResponse":{"name":"pipeline_counts","response":{"contacts":3,"note":"sim:call pipeline_counts"}}}]}]}`
	const none, noneSnake = `"toolConfig":{"functionCallingConfig":{"mode":"NONE"}},`, `"tool_config":{"function_calling_config":{"mode":"NONE"}},`
	tests := []struct {
		name, body, text string // text empty: a pipeline_counts call is wanted
	}{
		{"auto calls", `{` + tools + question, ""},
		{"none answers the prompt", `{` + tools + none + question, GeminiReply("", prompt)},
		{"auto calls after responses", `{` + tools + `"toolConfig":{"functionCallingConfig":{"mode":"AUTO"}},` + results, ""},
		{"none answers the responses, snake case", `{` + tools + noneSnake + results, `From pipeline_counts: {"contacts":3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.post(t, geminiPath, geminiHeaders, tt.body)
			cands, _ := got.body["candidates"].([]any)
			if got.status != 200 || len(cands) != 1 {
				t.Fatalf("got %d %v, want one candidate", got.status, got.body)
			}
			parts := cands[0].(map[string]any)["content"].(map[string]any)["parts"].([]any)
			part := parts[0].(map[string]any)
			if tt.text == "" {
				if fc, _ := part["functionCall"].(map[string]any); len(parts) != 1 || fc["name"] != "pipeline_counts" {
					t.Errorf("parts %v, want a pipeline_counts call", parts)
				}
				return
			}
			if text, _ := part["text"].(string); len(parts) != 1 || !strings.Contains(text, tt.text) {
				t.Errorf("parts %v, want text holding %q", parts, tt.text)
			}
		})
	}
}

// geminiDetail finds the detail of type typ in a Google error.
func geminiDetail(a aiAnswer, typ string) map[string]any {
	ds, _ := a.errorField("details").([]any)
	for _, d := range ds {
		if m, _ := d.(map[string]any); m["@type"] == "type.googleapis.com/google.rpc."+typ {
			return m
		}
	}
	return nil
}

func TestGeminiRateLimitsAndOutage(t *testing.T) {
	t.Parallel()
	b := setupAI(t)
	const body = `{"contents":[{"parts":[{"text":"hi"}]}]}`
	quotaID := func(a aiAnswer) string {
		qf := geminiDetail(a, "QuotaFailure")
		if qf == nil {
			return ""
		}
		return qf["violations"].([]any)[0].(map[string]any)["quotaId"].(string)
	}

	if err := b.sim.SetKnobs("gemini", Knobs{Limits: map[string][]Limit{"default": {{Rate: 1, Per: time.Minute}, {Rate: 100, Per: 24 * time.Hour, Window: Fixed}}}}); err != nil {
		t.Fatal(err)
	}
	b.post(t, geminiPath, geminiHeaders, body)
	got := b.post(t, geminiPath, geminiHeaders, body)
	ri := geminiDetail(got, "RetryInfo")
	if got.status != 429 || got.errorField("status") != "RESOURCE_EXHAUSTED" || quotaID(got) != GeminiQuotaPerMinute || ri == nil || !strings.HasSuffix(ri["retryDelay"].(string), "s") {
		t.Errorf("per-minute 429: %d %v", got.status, got.body)
	}
	b.gemini.SetRetryInfo(false)
	if got = b.post(t, geminiPath, geminiHeaders, body); got.status != 429 || geminiDetail(got, "RetryInfo") != nil {
		t.Errorf("429 without RetryInfo: %d %v", got.status, got.body)
	}

	if err := b.sim.SetKnobs("gemini", Knobs{Limits: map[string][]Limit{"default": {{Rate: 100, Per: time.Minute}, {Rate: 1, Per: 24 * time.Hour, Window: Fixed}}}}); err != nil {
		t.Fatal(err)
	}
	b.post(t, geminiPath, geminiHeaders, body)
	if got = b.post(t, geminiPath, geminiHeaders, body); got.status != 429 || quotaID(got) != GeminiQuotaPerDay {
		t.Errorf("per-day 429: %d %v", got.status, got.body)
	}

	if err := b.sim.SetKnobs("gemini", Knobs{Outage: true}); err != nil {
		t.Fatal(err)
	}
	if got = b.post(t, geminiPath, geminiHeaders, body); got.status != 503 || got.errorField("status") != "UNAVAILABLE" {
		t.Errorf("outage: %d %v", got.status, got.body)
	}
	if err := b.sim.SetKnobs("gemini", Knobs{ErrorRate: 1, ErrorStatus: 500}); err != nil {
		t.Fatal(err)
	}
	if got = b.post(t, geminiPath, geminiHeaders, body); got.status != 500 || got.errorField("status") != "INTERNAL" {
		t.Errorf("injected error: %d %v", got.status, got.body)
	}
	if c := b.sim.Counters(); c.Calls["gemini POST /v1beta/models/{action}"] != 7 || c.RateLimited["gemini"] != 3 {
		t.Errorf("counters %+v", c)
	}
}
