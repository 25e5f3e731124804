package spec

import (
	"reflect"
	"strings"
	"testing"
)

const evalYAML = `
workflow:
  metadata: {name: eval, version: 4}
  inputs:
    industry: {type: string, required: true}
    limit: {type: integer, default: 10}
  steps:
    - id: define-icp
      action: create_icp_profile
      inputs: {market_segment: {industry: "${{ inputs.industry }}"}}
    - id: search
      action: execute_company_search
      inputs:
        icp_profile: from_step_define-icp
        limit: "${{ inputs.limit * 2 }}"
    - id: enrich
      action: enrich_contacts
      foreach: "${{ steps.search.output.companies }}"
      inputs:
        company: "${{ item }}"
        position: "${{ index }}"
    - id: report
      action: notify
      when: "${{ steps.search.status == 'succeeded' && len(steps.search.output.companies) > 1 }}"
      inputs:
        message: "${{ len(steps.search.output.companies) }} companies in ${{ inputs.industry }} for ${{ steps.define-icp.output.segment }} (${{ run.name }} v${{ run.version }})"
`

func loadEval(t *testing.T) *Definition {
	t.Helper()
	def, ds := Load("eval.yaml", []byte(evalYAML), Limits{}, catalog)
	if len(ds) > 0 {
		t.Fatalf("Load: %v", ds)
	}
	return def
}

func evalScope() Scope {
	return Scope{
		Inputs: map[string]any{"industry": "SaaS", "limit": 10},
		Steps: map[string]StepState{
			"define-icp": {Status: "succeeded", Output: map[string]any{"segment": "mid-market"}},
			"search": {Status: "succeeded", Output: map[string]any{
				"companies": []any{map[string]any{"name": "Acme"}, map[string]any{"name": "Globex"}},
			}},
		},
		Item:  map[string]any{"name": "Acme"},
		Index: 1,
		Run:   RunInfo{ID: "run-1", Name: "eval", Version: 4},
	}
}

func TestEval(t *testing.T) {
	t.Parallel()
	def := loadEval(t)
	tests := []struct {
		name  string
		value any
		want  any
	}{
		{"literal", "plain text", "plain text"},
		{"number stays", 3, 3},
		{"whole expression keeps type", "${{ inputs.limit * 2 }}", 20},
		{"from_step", "from_step_define-icp", map[string]any{"segment": "mid-market"}},
		{"dashed id", "${{ steps.define-icp.output.segment }}", "mid-market"},
		{"dash as minus", "${{ index-1 }}", 0},
		{"dash inside string literal", "${{ 'steps.a-b' }}", "steps.a-b"},
		{"item", "${{ item.name }}", "Acme"},
		{"interpolation", "${{ inputs.industry }}: ${{ len(steps.search.output.companies) }}", "SaaS: 2"},
		{"interpolate list as json", "got ${{ [1, 2] }}", "got [1,2]"},
		{"interpolate nil", "x${{ nil }}y", "xy"},
		{"nested", map[string]any{"a": []any{"${{ run.id }}", map[string]any{"b": "${{ index }}"}}},
			map[string]any{"a": []any{"run-1", map[string]any{"b": 1}}}},
		{"not validated but compiled", "${{ upper(inputs.industry) }}", "SAAS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := def.Eval(tt.value, evalScope())
			if err != nil {
				t.Fatalf("Eval(%v): %v", tt.value, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Eval(%v) = %#v, want %#v", tt.value, got, tt.want)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	def := loadEval(t)
	tests := []struct {
		name, value, want string
	}{
		{"runtime error", "${{ inputs.industry + 1 }}", "evaluate"},
		{"memory budget", "${{ len(map(1..1000, map(1..1000, #))) }}", "memory budget exceeded"},
		{"range budget", "${{ len(1..100000000) }}", "memory budget exceeded"},
		{"compile error", "${{ nope }}", "unknown name nope"},
		{"disabled builtin", "${{ repeat('x', 1000000) }}", "unknown name repeat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := def.Eval(tt.value, evalScope())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Eval(%q) error = %v, want it to contain %q", tt.value, err, tt.want)
			}
		})
	}
}

func TestEvalBoolAndList(t *testing.T) {
	t.Parallel()
	def := loadEval(t)
	ok, err := def.EvalBool(def.Step("report").When, evalScope())
	if err != nil || !ok {
		t.Errorf("EvalBool(report.when) = %v, %v; want true, nil", ok, err)
	}
	if ok, err := def.EvalBool("", evalScope()); err != nil || !ok {
		t.Errorf("EvalBool(\"\") = %v, %v; want true, nil", ok, err)
	}
	if _, err := def.EvalBool("${{ inputs.industry }}", evalScope()); err == nil {
		t.Error("EvalBool(string expression): got nil error, want one")
	}
	items, err := def.EvalList(def.Step("enrich").Foreach, evalScope())
	if err != nil || len(items) != 2 {
		t.Errorf("EvalList(enrich.foreach) = %v, %v; want 2 items", items, err)
	}
	if items, err := def.EvalList("${{ ['a', 'b', 'c'] }}", evalScope()); err != nil || len(items) != 3 {
		t.Errorf("EvalList(literal list) = %v, %v; want 3 items", items, err)
	}
	if _, err := def.EvalList("${{ 3 }}", evalScope()); err == nil {
		t.Error("EvalList(number): got nil error, want one")
	}
	msg, err := def.Eval(def.Step("report").Inputs["message"], evalScope())
	want := "2 companies in SaaS for mid-market (eval v4)"
	if err != nil || msg != want {
		t.Errorf("Eval(report.message) = %q, %v; want %q", msg, err, want)
	}
}

func TestDashedSteps(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"steps.a.output", "steps.a.output"},
		{"steps.define-icp.output", `steps["define-icp"].output`},
		{"steps.a-.output", "steps.a-.output"},
		{"mysteps.a-b", "mysteps.a-b"},
		{`"steps.a-b" + steps.c-d.status`, `"steps.a-b" + steps["c-d"].status`},
		{`'it\'s steps.a-b'`, `'it\'s steps.a-b'`},
	}
	for _, tt := range tests {
		if got := dashedSteps(tt.in); got != tt.want {
			t.Errorf("dashedSteps(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
