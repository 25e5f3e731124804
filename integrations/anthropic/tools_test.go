package anthropic

import (
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

// TestCompleteWithToolsNoToolCalls: NoToolCalls sends tool_choice none, so
// the fake (which honours it as Anthropic does) answers in text where it
// would otherwise call a tool, both on a fresh question and after tool
// results that ask for another call; the tools still go with the request,
// or the fake would refuse the tool blocks of the history.
func TestCompleteWithToolsNoToolCalls(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	const system, prompt = "You answer pipeline questions.", "How many contacts are in the pipeline?"
	tools := []Tool{{Name: "pipeline_counts", Description: "Counts of the pipeline."}}
	question := []Message{{Role: RoleUser, Text: prompt}}
	// The result carries the fake's marker, so an unconstrained model calls
	// the tool again.
	afterResults := []Message{
		{Role: RoleUser, Text: prompt},
		{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "toolu_1", Name: "pipeline_counts", Input: []byte(`{}`)}}},
		{Role: RoleUser, ToolResults: []ToolResult{{CallID: "toolu_1", Content: `{"contacts":3,"note":"` + vendorsim.AIToolCallMarker + ` pipeline_counts"}`}}},
	}
	tests := []struct {
		name     string
		messages []Message
		noCalls  bool
		call     bool   // a pipeline_counts call is wanted
		text     string // else this text is contained in the answer
	}{
		{"question, tools allowed", question, false, true, ""},
		{"question, tools forbidden", question, true, false, vendorsim.AnthropicReply(system, prompt)},
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
				if len(got.ToolCalls) != 1 || got.ToolCalls[0].Name != "pipeline_counts" || got.StopReason != StopToolUse {
					t.Errorf("got calls %+v, stop %s; want one pipeline_counts call", got.ToolCalls, got.StopReason)
				}
				return
			}
			if len(got.ToolCalls) != 0 || got.StopReason != StopEndTurn || !strings.Contains(got.Text, tt.text) {
				t.Errorf("got %q, calls %+v, stop %s; want text holding %q and no call", got.Text, got.ToolCalls, got.StopReason, tt.text)
			}
		})
	}
}
