package spec

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestReady(t *testing.T) {
	t.Parallel()
	def := loadFile(t, "testdata/valid/branches.yaml")
	tests := []struct {
		done []string
		want []string
	}{
		{nil, []string{"search"}},
		{[]string{"search"}, []string{"enrich-a", "enrich-b", "alert"}},
		{[]string{"search", "enrich-a"}, []string{"enrich-b", "alert"}},
		{[]string{"search", "enrich-a", "enrich-b", "alert"}, []string{"approve"}},
		{def.Order(), nil},
	}
	for _, tt := range tests {
		done := map[string]bool{}
		for _, id := range tt.done {
			done[id] = true
		}
		if got := def.Ready(done); !slices.Equal(got, tt.want) {
			t.Errorf("Ready(%v) = %v, want %v", tt.done, got, tt.want)
		}
	}
	if got := def.Roots(); !slices.Equal(got, []string{"search"}) {
		t.Errorf("Roots() = %v, want [search]", got)
	}
	if len(def.Hash) != 64 || def.Name != "campaign-launch" || def.Version != 2 {
		t.Errorf("identity = %s v%d %s, want campaign-launch v2 and a sha256 hex", def.Name, def.Version, def.Hash)
	}
}

func TestBindInputs(t *testing.T) {
	t.Parallel()
	def := loadFile(t, "testdata/valid/branches.yaml")
	tests := []struct {
		name  string
		given map[string]any
		want  map[string]any
		errs  []string
	}{
		{"defaults", map[string]any{"campaign_id": "c1"},
			map[string]any{"campaign_id": "c1", "max_companies": 25, "dry_run": false,
				"owners": []any{"sales@rtgs.example"}}, nil},
		{"json numbers", map[string]any{"campaign_id": "c1", "max_companies": float64(5), "dry_run": true},
			map[string]any{"campaign_id": "c1", "max_companies": float64(5), "dry_run": true,
				"owners": []any{"sales@rtgs.example"}}, nil},
		{"errors name the input", map[string]any{"max_companies": 2.5, "region": "eu", "owners": "x"}, nil,
			[]string{`input "campaign_id" is required`, `input "max_companies" must be of type integer, got number`,
				`input "owners" must be of type array, got string`, `input "region" is not declared`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ds := def.BindInputs(tt.given)
			if len(ds) != len(tt.errs) {
				t.Fatalf("BindInputs got %d diagnostics (%v), want %d", len(ds), ds, len(tt.errs))
			}
			for i, d := range ds {
				if d.Code != CodeBadInput || !strings.HasPrefix(d.Message, tt.errs[i]) || !strings.Contains(d.Message, strconv.Quote(d.Input)) {
					t.Errorf("diagnostic %d = %v (input %q), want %s starting %q, naming its input", i, d, d.Input, CodeBadInput, tt.errs[i])
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("BindInputs = %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestValidateBuiltInCode checks a Workflow assembled in code (no YAML positions) validates
// without a file and reports against the step.
func TestValidateBuiltInCode(t *testing.T) {
	t.Parallel()
	wf := &Workflow{
		Metadata: Metadata{Name: "code", Version: 1},
		Steps: []Step{
			{ID: "a", Action: "notify", Inputs: map[string]any{"message": "hi"}},
			{ID: "b", Action: "notify", Inputs: map[string]any{"message": "${{ steps.c.output }}"}},
		},
	}
	ds := Validate(wf, catalog)
	if len(ds) != 1 || ds[0].Code != CodeBadReference || ds[0].StepID != "b" {
		t.Errorf("Validate = %v, want one %s diagnostic for step b", ds, CodeBadReference)
	}
	if ds := Validate(wf, nil); len(ds) != 1 {
		t.Errorf("Validate without a catalog = %v, want the reference problem only", ds)
	}
}

func TestEvalOutputs(t *testing.T) {
	t.Parallel()
	def := loadFile(t, "testdata/valid/branches.yaml")
	scope := Scope{
		Inputs: map[string]any{"campaign_id": "c9"},
		Steps:  map[string]StepState{"enroll": {Status: "succeeded", Output: map[string]any{"count": 3}}},
	}
	got, err := def.EvalOutputs(scope)
	want := map[string]any{"enrolled": map[string]any{"count": 3}, "summary": "enrolled into c9"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("EvalOutputs = %#v, %v; want %#v", got, err, want)
	}
}
