package api_test

import (
	"os"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/spec"
)

// The endpoint answers as `rtgs workflow validate` does: both are held to
// engine/testdata/broken.golden.
func TestValidateWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	yaml := func(key string) map[string]string {
		h := bearer(key)
		h["Content-Type"] = "application/yaml"
		return h
	}
	broken, err := os.ReadFile("../engine/testdata/broken.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../engine/testdata/broken.golden")
	if err != nil {
		t.Fatal(err)
	}
	r := b.do(t, request{method: "POST", path: "/api/v1/workflows/validate?filename=broken.yaml", body: string(broken), headers: yaml(b.reader)})
	v := decode[engine.Validation](t, r)
	var got strings.Builder
	for _, d := range v.Diagnostics {
		got.WriteString(d.Text + "\n")
	}
	if r.status != 200 || v.Valid || got.String() != string(want) {
		t.Fatalf("broken: %d valid=%v diagnostics:\n%s\nwant:\n%s", r.status, v.Valid, got.String(), want)
	}
	if d := v.Diagnostics[0]; d.Line != 8 || d.Column != 43 || d.StepID != "define-icp" || d.Code != "bad_expression" {
		t.Errorf("first diagnostic = %+v, want line 8 col 43 step define-icp code bad_expression", d.Diagnostic)
	}

	good, err := os.ReadFile("../workflows/yolo-cycle.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r = b.do(t, request{method: "POST", path: "/api/v1/workflows/validate", body: string(good), headers: yaml(b.reader)})
	if v := decode[engine.Validation](t, r); r.status != 200 || !v.Valid || v.Name != "yolo-cycle" || len(v.Order) != 7 {
		t.Errorf("yolo-cycle: %d %+v, want valid with 7 steps", r.status, v)
	}

	for _, tt := range []struct {
		name    string
		req     request
		status  int
		problem string
	}{
		{"no credentials", request{method: "POST", path: "/api/v1/workflows/validate", body: string(good),
			headers: map[string]string{"Content-Type": "application/yaml"}}, 401, "unauthenticated"},
		{"larger than a definition may be", request{method: "POST", path: "/api/v1/workflows/validate",
			body: strings.Repeat("#", spec.DefaultMaxBytes+1024), headers: yaml(b.reader)}, 413, ""},
		{"a path as file name", request{method: "POST", path: "/api/v1/workflows/validate?filename=../../etc/passwd",
			body: string(good), headers: yaml(b.reader)}, 422, ""},
	} {
		r := b.do(t, tt.req)
		if r.status != tt.status || (tt.problem != "" && !strings.HasSuffix(r.problem.Type, tt.problem)) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, r.status, r.body, tt.status, tt.problem)
		}
	}
	// An empty body is a verdict too: no workflow in it.
	r = b.do(t, request{method: "POST", path: "/api/v1/workflows/validate", body: "", headers: yaml(b.reader)})
	if r.status < 400 {
		if v := decode[engine.Validation](t, r); v.Valid || len(v.Diagnostics) == 0 {
			t.Errorf("empty body: %d %+v, want a refusal", r.status, v)
		}
	}
}
