package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary documents through Load: it must never panic, and every
// diagnostic must point into the file (line > 0) unless it is a limit refusal.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.yaml"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("workflow: &a {steps: [*a]}"))
	f.Add([]byte("workflow:\n  steps:\n    - {id: a, action: notify, inputs: {message: '${{ steps.a.output }}'}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		def, ds := Load("fuzz.yaml", data, Limits{}, catalog)
		if def == nil && len(ds) == 0 {
			t.Fatal("Load returned neither a definition nor diagnostics")
		}
		for _, d := range ds {
			if d.Line <= 0 && d.Code != CodeLimit {
				t.Errorf("diagnostic without a line: %+v", d)
			}
		}
		if def != nil {
			_ = def.Ready(map[string]bool{})
		}
	})
}

// FuzzEval compiles and evaluates arbitrary expressions against a fixed scope: no panic,
// and any value produced stays within what the bounds allow.
func FuzzEval(f *testing.F) {
	for _, s := range []string{
		"inputs.limit * 2", "steps.search.output.companies[0].name", "item.name + 'x'",
		"len(map(1..1000, map(1..1000, #)))", "join(map(1..999, string(#)), ',')",
		"toJSON(steps)", "fromJSON('[1,2,3]')", "sortBy(steps.search.output.companies, .name)",
		"1..1000000000", "'a' matches '(a+)+$'", "steps.define-icp.output", "$env", "let x = 1; x",
		"inputs.industry + inputs.industry", "split(repeat('a', 10), '')", "groupBy(1..100, # % 3)",
	} {
		f.Add(s)
	}
	def, ds := Load("eval.yaml", []byte(evalYAML), Limits{}, catalog)
	if len(ds) > 0 {
		f.Fatalf("Load: %v", ds)
	}
	f.Fuzz(func(t *testing.T, src string) {
		v, err := def.Eval("${{ "+src+" }}", evalScope())
		if err != nil {
			return
		}
		if n := len(stringify(v)); n > 16<<20 {
			t.Errorf("expression %q produced %d bytes", src, n)
		}
	})
}
