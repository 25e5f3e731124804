package vendorsim

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
)

// Routes implements Vendor: generateContent under both API versions Google
// serves it on. The model and the method share one path segment
// ("models/gemini-2.5-flash:generateContent"), so the handler splits them.
func (g *Gemini) Routes(r *Router) {
	r.Handle("POST /v1beta/models/{action}", "default", g.models("v1beta"))
	r.Handle("POST /v1/models/{action}", "default", g.models("v1"))
}

// geminiRequest is the part of a generateContent request the fake reads.
// Google's JSON parser takes both lowerCamel and snake_case field names, so
// the fake does too.
type geminiRequest struct {
	Contents               *[]geminiContent  `json:"contents"`
	SystemInstruction      *geminiContent    `json:"systemInstruction"`
	SystemInstructionSnake *geminiContent    `json:"system_instruction"`
	GenerationConfig       *geminiGenConfig  `json:"generationConfig"`
	GenerationConfigSnake  *geminiGenConfig  `json:"generation_config"`
	Tools                  []json.RawMessage `json:"tools"`
	ToolConfig             *geminiToolConfig `json:"toolConfig"`
	ToolConfigSnake        *geminiToolConfig `json:"tool_config"`
}

type geminiContent struct {
	Role  string                       `json:"role"`
	Parts []map[string]json.RawMessage `json:"parts"`
}

type geminiGenConfig struct {
	Temperature        *float64 `json:"temperature"`
	MaxOutputTokens    int      `json:"maxOutputTokens"`
	MaxOutputTokensS   int      `json:"max_output_tokens"`
	StopSequences      []string `json:"stopSequences"`
	StopSequencesSnake []string `json:"stop_sequences"`
	CandidateCount     int      `json:"candidateCount"`
}

// models serves POST /{version}/models/{model}:{method}.
func (g *Gemini) models(version string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		model, method, _ := strings.Cut(r.PathValue("action"), ":")
		switch {
		case method == "streamGenerateContent":
			geminiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "vendorsim does not simulate streamGenerateContent.")
			return
		case method != "generateContent":
			geminiError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("Method %q is not found for models.", method))
			return
		case !strings.HasPrefix(model, "gemini-"):
			geminiError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf(
				"models/%s is not found for API version %s, or is not supported for generateContent. "+
					"Call ListModels to see the list of available models and their supported methods.", model, version))
			return
		}
		var req geminiRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				geminiError(w, http.StatusRequestEntityTooLarge, "INVALID_ARGUMENT", "Request payload size exceeds the limit.")
				return
			}
			geminiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received. "+err.Error())
			return
		}
		system, texts, msg := req.validate()
		if msg != "" {
			geminiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", msg)
			return
		}
		g.answer(w, model, req, system, texts)
	}
}

// validate checks the request as Google does and returns the system
// instruction and each content's text, or Google's message for the first
// problem.
func (req *geminiRequest) validate() (system string, texts []string, msg string) {
	if req.Contents == nil || len(*req.Contents) == 0 {
		return "", nil, "* GenerateContentRequest.contents: contents is not specified\n"
	}
	tools, msg := req.tools()
	if msg != "" {
		return "", nil, msg
	}
	if _, msg := req.callingMode(); msg != "" {
		return "", nil, msg
	}
	cfg := req.config()
	if cfg.Temperature != nil && (*cfg.Temperature < 0 || *cfg.Temperature > 2) {
		return "", nil, "* GenerateContentRequest.generation_config.temperature: must be in the range [0.0, 2.0]\n"
	}
	if cfg.MaxOutputTokens < 0 || cfg.MaxOutputTokensS < 0 {
		return "", nil, "* GenerateContentRequest.generation_config.max_output_tokens: must be positive\n"
	}
	if cfg.CandidateCount > 1 {
		return "", nil, "* GenerateContentRequest.generation_config.candidate_count: vendorsim simulates one candidate\n"
	}
	if si := cmp.Or(req.SystemInstruction, req.SystemInstructionSnake); si != nil {
		t, m := geminiText(si, "system_instruction")
		if m != "" {
			return "", nil, m
		}
		system = t
	}
	texts = make([]string, len(*req.Contents))
	for i, c := range *req.Contents {
		if c.Role != "" && c.Role != "user" && c.Role != "model" {
			return "", nil, "Please use a valid role: user, model."
		}
		t, m := geminiText(&c, fmt.Sprintf("contents[%d]", i))
		if m != "" {
			return "", nil, m
		}
		texts[i] = t
	}
	if m := geminiToolPairs(*req.Contents, len(tools) > 0); m != "" {
		return "", nil, m
	}
	return system, texts, ""
}

// config merges the two spellings of generationConfig.
func (req *geminiRequest) config() geminiGenConfig {
	c := req.GenerationConfig
	if c == nil {
		c = req.GenerationConfigSnake
	}
	if c == nil {
		return geminiGenConfig{}
	}
	return *c
}

// geminiText joins a content's text parts; other part kinds (inline data,
// function calls) are outside what the fake simulates.
func geminiText(c *geminiContent, field string) (string, string) {
	if len(c.Parts) == 0 {
		return "", fmt.Sprintf("* GenerateContentRequest.%s.parts: contents.parts must not be empty.\n", field)
	}
	parts := make([]string, 0, len(c.Parts))
	for i, p := range c.Parts {
		if m, tool := geminiCheckToolPart(p, field, i); tool {
			if m != "" {
				return "", m
			}
			continue
		}
		raw, ok := p["text"]
		var s string
		if !ok || json.Unmarshal(raw, &s) != nil {
			return "", fmt.Sprintf("* GenerateContentRequest.%s.parts[%d]: vendorsim simulates only text parts and function calls and responses\n", field, i)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "\n"), ""
}

// answer writes the deterministic reply to the last user content, or a
// blocked prompt when it carries GeminiBlockMarker.
func (g *Gemini) answer(w http.ResponseWriter, model string, req geminiRequest, system string, texts []string) {
	contents := *req.Contents
	prompt := ""
	for i := len(contents) - 1; i >= 0; i-- {
		if contents[i].Role != "model" {
			prompt = texts[i]
			break
		}
	}
	input := aiTokens(system)
	for _, t := range texts {
		input += aiTokens(t)
	}
	body := map[string]any{
		"modelVersion": model,
		"responseId":   fmt.Sprintf("%016x", rand.Uint64()),
	}
	if strings.Contains(strings.ToLower(prompt), GeminiBlockMarker) {
		body["promptFeedback"] = map[string]any{"blockReason": "SAFETY", "safetyRatings": []map[string]any{
			{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": true},
		}}
		body["usageMetadata"] = map[string]any{"promptTokenCount": input, "totalTokenCount": input}
		geminiWriteJSON(w, http.StatusOK, body)
		return
	}

	results, call, toolTurn := req.toolTurn(prompt)
	if toolTurn && call != nil {
		args, _ := json.Marshal(call.Input)
		body["candidates"] = []map[string]any{{
			"content": map[string]any{"role": "model", "parts": []map[string]any{
				{"functionCall": map[string]any{"name": call.Name, "args": json.RawMessage(args)}},
			}},
			"finishReason": "STOP",
			"index":        0,
		}}
		out := aiTokens(string(args))
		body["usageMetadata"] = map[string]any{"promptTokenCount": input, "candidatesTokenCount": out, "totalTokenCount": input + out}
		geminiWriteJSON(w, http.StatusOK, body)
		return
	}
	cfg := req.config()
	text, finish := GeminiReply(system, prompt), "STOP"
	if toolTurn {
		text = aiToolAnswer("gemini", system, results)
	}
	stops := cfg.StopSequences
	if len(stops) == 0 {
		stops = cfg.StopSequencesSnake
	}
	for _, seq := range stops {
		if i := strings.Index(text, seq); seq != "" && i >= 0 {
			text = text[:i] // Gemini reports a stop sequence as STOP
			break
		}
	}
	if cut, ok := aiCut(text, cmp.Or(cfg.MaxOutputTokens, cfg.MaxOutputTokensS)); ok {
		text, finish = cut, "MAX_TOKENS"
	}
	out := aiTokens(text)
	body["candidates"] = []map[string]any{{
		"content":      map[string]any{"role": "model", "parts": []map[string]any{{"text": text}}},
		"finishReason": finish,
		"index":        0,
	}}
	body["usageMetadata"] = map[string]any{
		"promptTokenCount":     input,
		"candidatesTokenCount": out,
		"totalTokenCount":      input + out,
		"promptTokensDetails":  []map[string]any{{"modality": "TEXT", "tokenCount": input}},
	}
	geminiWriteJSON(w, http.StatusOK, body)
}
