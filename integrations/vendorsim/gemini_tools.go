package vendorsim

import (
	"cmp"
	"encoding/json"
	"fmt"
)

// geminiToolDecl is one functionDeclaration; Google accepts the schema as
// an OpenAPI subset (parameters) or as JSON Schema (parametersJsonSchema),
// and both field-name spellings.
type geminiToolDecl struct {
	Name                 string                     `json:"name"`
	Description          string                     `json:"description"`
	Parameters           map[string]json.RawMessage `json:"parameters"`
	ParametersJSONSchema map[string]json.RawMessage `json:"parametersJsonSchema"`
	ParametersJSONSnake  map[string]json.RawMessage `json:"parameters_json_schema"`
}

type geminiToolSet struct {
	FunctionDeclarations      []geminiToolDecl `json:"functionDeclarations"`
	FunctionDeclarationsSnake []geminiToolDecl `json:"function_declarations"`
}

// tools reads and checks the request's function declarations. Other tool
// kinds (code execution, search grounding) are not simulated.
func (req *geminiRequest) tools() ([]aiTool, string) {
	var out []aiTool
	seen := map[string]bool{}
	for i, raw := range req.Tools {
		var ts geminiToolSet
		if err := json.Unmarshal(raw, &ts); err != nil {
			return nil, fmt.Sprintf("* GenerateContentRequest.tools[%d]: Invalid JSON payload received.\n", i)
		}
		decls := ts.FunctionDeclarations
		if decls == nil {
			decls = ts.FunctionDeclarationsSnake
		}
		if len(decls) == 0 {
			return nil, fmt.Sprintf("* GenerateContentRequest.tools[%d]: vendorsim simulates only function_declarations\n", i)
		}
		for j, d := range decls {
			field := fmt.Sprintf("tools[%d].function_declarations[%d]", i, j)
			if !aiToolNameRe.MatchString(d.Name) || seen[d.Name] {
				return nil, fmt.Sprintf("* GenerateContentRequest.%s.name: Invalid function name. Must start with a letter or an underscore. "+
					"Must be a-z, A-Z, 0-9, or contain underscores, dots and dashes, with a maximum length of 64.\n", field)
			}
			seen[d.Name] = true
			var props []string
			schema := cmp.Or(len(d.ParametersJSONSchema), len(d.ParametersJSONSnake), len(d.Parameters))
			if schema > 0 {
				s := d.ParametersJSONSchema
				if s == nil {
					s = d.ParametersJSONSnake
				}
				if s == nil {
					s = geminiOpenAPISchema(d.Parameters)
				}
				var msg string
				if props, msg = aiSchemaProperties(s); msg != "" {
					return nil, fmt.Sprintf("* GenerateContentRequest.%s.parameters.type: %s\n", field, msg)
				}
			}
			out = append(out, aiTool{Name: d.Name, Properties: props})
		}
	}
	return out, ""
}

// geminiToolConfig is a request's toolConfig; only its function calling
// mode is simulated.
type geminiToolConfig struct {
	FunctionCallingConfig      *geminiCallingConfig `json:"functionCallingConfig"`
	FunctionCallingConfigSnake *geminiCallingConfig `json:"function_calling_config"`
}

type geminiCallingConfig struct {
	Mode string `json:"mode"`
}

// geminiCallingModes are the values of functionCallingConfig.mode.
var geminiCallingModes = map[string]bool{"MODE_UNSPECIFIED": true, "AUTO": true, "ANY": true, "NONE": true, "VALIDATED": true}

// callingMode reads and checks the function calling mode as Google does,
// "AUTO" when there is none. The fake honours "NONE" (no function call,
// whatever the prompt or a function response asks, as the real API
// constrains the model); "ANY" and "VALIDATED" are accepted and answered
// as "AUTO".
func (req *geminiRequest) callingMode() (string, string) {
	tc := cmp.Or(req.ToolConfig, req.ToolConfigSnake)
	if tc == nil {
		return "AUTO", ""
	}
	fc := cmp.Or(tc.FunctionCallingConfig, tc.FunctionCallingConfigSnake)
	if fc == nil || fc.Mode == "" || fc.Mode == "MODE_UNSPECIFIED" {
		return "AUTO", ""
	}
	if !geminiCallingModes[fc.Mode] {
		return "", fmt.Sprintf("Invalid value at 'tool_config.function_calling_config.mode' "+
			"(type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), %q", fc.Mode)
	}
	return fc.Mode, ""
}

// geminiOpenAPISchema lower-cases an OpenAPI-style schema's type ("OBJECT")
// so it reads as JSON Schema.
func geminiOpenAPISchema(s map[string]json.RawMessage) map[string]json.RawMessage {
	var typ string
	if json.Unmarshal(s["type"], &typ) == nil && typ == "OBJECT" {
		c := make(map[string]json.RawMessage, len(s))
		for k, v := range s {
			c[k] = v
		}
		c["type"] = json.RawMessage(`"object"`)
		return c
	}
	return s
}

// geminiFunctionCall and geminiFunctionResponse are the tool parts.
type geminiFunctionCall struct {
	ID   string         `json:"id"`
	Name string         `json:"name"`
	Args map[string]any `json:"args"`
}

type geminiFunctionResponse struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Response map[string]any `json:"response"`
}

// geminiCheckToolPart checks a functionCall or functionResponse part; tool
// reports whether the part is one.
func geminiCheckToolPart(p map[string]json.RawMessage, field string, i int) (msg string, tool bool) {
	if raw, ok := cmpRaw(p["functionCall"], p["function_call"]); ok {
		var fc geminiFunctionCall
		if json.Unmarshal(raw, &fc) != nil || fc.Name == "" {
			return fmt.Sprintf("* GenerateContentRequest.%s.parts[%d].function_call.name: Name cannot be empty.\n", field, i), true
		}
		return "", true
	}
	if raw, ok := cmpRaw(p["functionResponse"], p["function_response"]); ok {
		var fr geminiFunctionResponse
		if json.Unmarshal(raw, &fr) != nil || fr.Name == "" {
			return fmt.Sprintf("* GenerateContentRequest.%s.parts[%d].function_response.name: Name cannot be empty.\n", field, i), true
		}
		if fr.Response == nil {
			return fmt.Sprintf("* GenerateContentRequest.%s.parts[%d].function_response.response: must be a JSON object.\n", field, i), true
		}
		return "", true
	}
	return "", false
}

func cmpRaw(a, b json.RawMessage) (json.RawMessage, bool) {
	if len(a) > 0 {
		return a, true
	}
	return b, len(b) > 0
}

// geminiToolParts returns a content's function calls and responses.
func geminiToolParts(c geminiContent) (calls []geminiFunctionCall, responses []geminiFunctionResponse) {
	for _, p := range c.Parts {
		if raw, ok := cmpRaw(p["functionCall"], p["function_call"]); ok {
			var fc geminiFunctionCall
			_ = json.Unmarshal(raw, &fc)
			calls = append(calls, fc)
		}
		if raw, ok := cmpRaw(p["functionResponse"], p["function_response"]); ok {
			var fr geminiFunctionResponse
			_ = json.Unmarshal(raw, &fr)
			responses = append(responses, fr)
		}
	}
	return calls, responses
}

// geminiToolPairs checks function turns as Gemini does: calls only from
// the model, a function response turn right after a call turn, and as many
// responses as there were calls.
func geminiToolPairs(contents []geminiContent, hasTools bool) string {
	prevCalls := 0
	for _, c := range contents {
		calls, responses := geminiToolParts(c)
		if len(calls) > 0 && c.Role != "model" {
			return "Please ensure that function call turn comes immediately after a user turn or after a function response turn."
		}
		if (len(calls) > 0 || len(responses) > 0) && !hasTools {
			return "* GenerateContentRequest.contents: function call and response parts require function declarations in tools\n"
		}
		if len(responses) > 0 {
			if prevCalls == 0 {
				return "Please ensure that function response turn comes immediately after a function call turn."
			}
			if len(responses) != prevCalls {
				return "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn."
			}
		}
		prevCalls = len(calls)
	}
	return ""
}

// toolTurn is the Gemini twin of the Anthropic fake's toolTurn: results of
// the last content's function responses, or the call aiChooseTool picks;
// never a call under mode NONE.
func (req *geminiRequest) toolTurn(prompt string) (results []aiToolResult, call *aiToolCall, toolTurn bool) {
	mode, _ := req.callingMode()
	mayCall := mode != "NONE"
	tools, _ := req.tools()
	if len(tools) == 0 {
		return nil, nil, false
	}
	contents := *req.Contents
	_, responses := geminiToolParts(contents[len(contents)-1])
	for _, r := range responses {
		raw, _ := json.Marshal(r.Response)
		_, isErr := r.Response["error"]
		results = append(results, aiToolResult{Name: r.Name, Content: string(raw), IsError: isErr})
		if call == nil && mayCall {
			call = aiResultCall(string(raw))
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
