package spec

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestJSONSchema checks workflows/schema.json against the Go rules: every valid definition
// passes it, and definitions whose problems are structural fail it.
func TestJSONSchema(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "workflows", "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	sch, err := compileSchema("mem:///workflow.json", raw)
	if err != nil {
		t.Fatalf("compile workflows/schema.json: %v", err)
	}
	valid, _ := filepath.Glob(filepath.Join("testdata", "valid", "*.yaml"))
	for _, file := range valid {
		if err := sch.Validate(yamlInstance(t, readFile(t, file))); err != nil {
			t.Errorf("%s: schema rejects a valid definition: %v", file, err)
		}
	}
	invalid := []string{"unknown-top-key", "unknown-step-key", "bad-duration", "bad-on-error",
		"bad-structure", "too-many-steps", "expr-syntax"}
	for _, name := range invalid {
		file := filepath.Join("testdata", "invalid", name+".yaml")
		if err := sch.Validate(yamlInstance(t, readFile(t, file))); err == nil {
			t.Errorf("%s: schema accepts it, want a failure", file)
		}
	}
	inline := map[string]string{
		"wait with duration and event": `{workflow: {metadata: {name: a}, steps: [{id: a, wait: {duration: 1h, event: reply}}]}}`,
		"timeout on a duration wait":   `{workflow: {metadata: {name: a}, steps: [{id: a, wait: {duration: 1h, timeout: 2h}}]}}`,
		"concurrency without foreach":  `{workflow: {metadata: {name: a}, steps: [{id: a, action: x, concurrency: 2}]}}`,
		"action wait without inputs":   `{workflow: {metadata: {name: a}, steps: [{id: a, action: wait}]}}`,
		"action and approval":          `{workflow: {metadata: {name: a}, steps: [{id: a, action: x, approval: {message: m}}]}}`,
		"bad input name":               `{workflow: {metadata: {name: a}, inputs: {Bad: {type: string}}, steps: [{id: a, action: x}]}}`,
	}
	for name, doc := range inline {
		if err := sch.Validate(yamlInstance(t, []byte(doc))); err == nil {
			t.Errorf("%s: schema accepts it, want a failure", name)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// yamlInstance decodes YAML into the JSON value the schema validator expects.
func yamlInstance(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	var inst any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&inst); err != nil {
		t.Fatal(err)
	}
	return inst
}
