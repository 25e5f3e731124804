package api_test

import (
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/internal/auth"
)

const helloWorkflow = `workflow:
  metadata: {name: hello, title: Hello, version: 1}
  steps:
    - id: ask
      action: ai_generate
      inputs: {prompt: "Say hello"}
`

type definitionJSON struct {
	ID, Name, Title, Hash, Origin, Source string
	Version                               int
}

func TestWorkflowDefinitions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	runner := b.createKey(t, "runner", auth.WorkflowsRun)
	upload := func(key, body string) response {
		h := bearer(key)
		h["Content-Type"] = "application/yaml"
		return b.do(t, request{method: "POST", path: "/api/v1/workflows?filename=hello.yaml", body: body, headers: h})
	}

	r := upload(runner, helloWorkflow)
	d := decode[definitionJSON](t, r)
	if r.status != 201 || d.Name != "hello" || d.Version != 1 || d.Origin != "api" || len(d.Hash) != 64 ||
		r.header.Get("Location") != "/api/v1/workflows/hello?version=1" {
		t.Fatalf("upload: %d %+v Location %q", r.status, d, r.header.Get("Location"))
	}
	if r := upload(runner, helloWorkflow); r.status != 200 || decode[definitionJSON](t, r).ID != d.ID {
		t.Errorf("same content again: %d %s, want 200 with the stored definition", r.status, r.body)
	}
	changed := strings.Replace(helloWorkflow, "Say hello", "Say goodbye", 1)
	if r := upload(runner, changed); r.status != 409 || r.problem.Errors[0].Location != "body.workflow.metadata.version" {
		t.Errorf("changed content, same version: %d %s, want 409 naming metadata.version", r.status, r.body)
	}
	if r := upload(runner, strings.Replace(changed, "version: 1", "version: 2", 1)); r.status != 201 {
		t.Errorf("version 2: %d %s, want 201", r.status, r.body)
	}
	r = upload(runner, strings.Replace(helloWorkflow, "ai_generate", "ai_dream", 1))
	if r.status != 422 || len(r.problem.Errors) != 1 || r.problem.Errors[0].Location != "body:5:15" ||
		!strings.Contains(r.problem.Errors[0].Message, `unknown action "ai_dream"`) {
		t.Errorf("invalid: %d %s, want 422 at body:5:15", r.status, r.body)
	}
	if r := upload(b.reader, helloWorkflow); r.status != 403 {
		t.Errorf("upload without workflows:run: %d, want 403", r.status)
	}

	r = b.do(t, request{method: "GET", path: "/api/v1/workflows/hello", headers: bearer(b.reader)})
	if got := decode[definitionJSON](t, r); r.status != 200 || got.Version != 2 || !strings.Contains(got.Source, "goodbye") {
		t.Errorf("latest: %d %+v, want v2 with its source", r.status, got)
	}
	r = b.do(t, request{method: "GET", path: "/api/v1/workflows/hello?version=1", headers: bearer(b.reader)})
	if got := decode[definitionJSON](t, r); r.status != 200 || got.Source != helloWorkflow {
		t.Errorf("v1: %d %+v, want its source unchanged", r.status, got)
	}
	for path, want := range map[string]int{
		"/api/v1/workflows/nope":             404,
		"/api/v1/workflows/hello?version=9":  404,
		"/api/v1/workflows/hello?version=-1": 422,
		"/api/v1/workflows/Bad%20Name":       422,
	} {
		if r := b.do(t, request{method: "GET", path: path, headers: bearer(b.reader)}); r.status != want {
			t.Errorf("GET %s: %d, want %d", path, r.status, want)
		}
	}
	r = b.do(t, request{method: "GET", path: "/api/v1/workflows?limit=1", headers: bearer(b.reader)})
	list := decode[struct {
		Items []definitionJSON `json:"items"`
	}](t, r)
	if r.status != 200 || len(list.Items) != 1 || list.Items[0].Source != "" {
		t.Errorf("list: %d %s, want one item without its source", r.status, r.body)
	}
}
