package gemini

import (
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

// TestCompleteWithToolsNoToolCalls: NoToolCalls sets the function calling
// mode NONE, so the fake (which honours it as Gemini does) answers in text
// where it would otherwise call a function, both on a fresh question and
// after function responses that ask for another call; the declarations
// still go with the request, or the fake would refuse the function parts
// of the history.
func TestCompleteWithToolsNoToolCalls(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	const system, prompt = "You answer pipeline questions.", "How many contacts are in the pipeline?"
	tools := []Tool{{Name: "pipeline_counts", Description: "Counts of the pipeline."}}
	question := []Message{{Role: RoleUser, Text: prompt}}
	// The response carries the fake's marker, so an unconstrained model
	// calls the function again.
	afterResults := []Message{
		{Role: RoleUser, Text: prompt},
		{Role: RoleModel, ToolCalls: []ToolCall{{Name: "pipeline_counts", Args: []byte(`{}`)}}},
		{Role: RoleUser, ToolResults: []ToolResult{{Name: "pipeline_counts", Response: map[string]any{
			"contacts": 3, "note": vendorsim.AIToolCallMarker + " pipeline_counts"}}}},
	}
	tests := []struct {
		name     string
		messages []Message
		noCalls  bool
		call     bool   // a pipeline_counts call is wanted
		text     string // else this text is contained in the answer
	}{
		{"question, tools allowed", question, false, true, ""},
		{"question, tools forbidden", question, true, false, vendorsim.GeminiReply(system, prompt)},
		{"after results, tools allowed", afterResults, false, true, ""},
		{"after results, tools forbidden", afterResults, true, false, `From pipeline_counts: {"contacts":3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.client.CompleteWithTools(t.Context(), ToolRequest{System: system, Messages: tt.messages, Tools: tools, NoToolCalls: tt.noCalls})
			if err != nil {
				t.Fatalf("CompleteWithTools: %v", err)
			}
			if tt.call {
				if len(got.ToolCalls) != 1 || got.ToolCalls[0].Name != "pipeline_counts" {
					t.Errorf("got calls %+v; want one pipeline_counts call", got.ToolCalls)
				}
				return
			}
			if len(got.ToolCalls) != 0 || got.StopReason != StopFinished || !strings.Contains(got.Text, tt.text) {
				t.Errorf("got %q, calls %+v, stop %s; want text holding %q and no call", got.Text, got.ToolCalls, got.StopReason, tt.text)
			}
		})
	}
}
