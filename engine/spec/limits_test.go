package spec

import (
	"fmt"
	"strings"
	"testing"
)

// bomb builds a "billion laughs" document: levels lists of width aliases to the level below.
func bomb(levels, width int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [lol]\n")
	for i := 1; i <= levels; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), width), ",")
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, refs)
	}
	return b.String()
}

func TestLimits(t *testing.T) {
	t.Parallel()
	huge := "workflow:\n  metadata: {name: huge}\n  steps: []\n# " + strings.Repeat("x", 10<<20) + "\n"
	deep := "workflow: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n"
	tests := []struct {
		name string
		doc  string
		lim  Limits
		want string
	}{
		{"10 MB refused before parsing", huge, Limits{}, "larger than the limit of 1048576 bytes"},
		{"alias count", bomb(9, 9), Limits{}, "more than 8 aliases"},
		{"alias expansion", bomb(9, 9), Limits{MaxAliases: 1000}, "expands to more than 100000 nodes"},
		{"depth", deep, Limits{}, "deeper than 32 levels"},
		{"custom depth", "workflow: [[[[1]]]]\n", Limits{MaxDepth: 3}, "deeper than 3 levels"},
		{"custom size", "workflow: {}\n", Limits{MaxBytes: 5}, "larger than the limit of 5 bytes"},
		{"steps", "workflow:\n  metadata: {name: a}\n  steps: [{id: a, action: notify}, {id: b, action: notify}]\n",
			Limits{MaxSteps: 1}, "2 steps, more than the limit of 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wf, ds := Parse("limits.yaml", []byte(tt.doc), tt.lim)
			if len(ds) != 1 || ds[0].Code != CodeLimit || !strings.Contains(ds[0].Message, tt.want) {
				t.Fatalf("Parse got %v, want one %q diagnostic containing %q", ds, CodeLimit, tt.want)
			}
			if wf != nil && tt.name != "steps" {
				t.Errorf("Parse returned a workflow for a refused document")
			}
			if def, ds := Load("limits.yaml", []byte(tt.doc), tt.lim, catalog); def != nil || !ds.HasCode(CodeLimit) {
				t.Errorf("Load got %v, %v; want nil and a %q diagnostic", def, ds, CodeLimit)
			}
		})
	}
}

func TestDiagnosticError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{File: "a.yaml", Line: 3, Column: 7, StepID: "send", Message: "boom"}, "a.yaml:3:7: [send] boom"},
		{Diagnostic{File: "a.yaml", Line: 3, Message: "boom"}, "a.yaml:3: boom"},
		{Diagnostic{Message: "input \"x\" is required"}, "input \"x\" is required"},
	}
	for _, tt := range tests {
		if got := tt.d.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if err := Diagnostics(nil).Err(); err != nil {
		t.Errorf("Diagnostics(nil).Err() = %v, want nil", err)
	}
}
