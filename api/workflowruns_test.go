package api_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/internal/auth"
)

type runJSON struct {
	ID, Workflow, Status, Error, Location string
	Version                               int
	Inputs                                map[string]any
	Steps                                 []struct {
		StepID string `json:"step_id"`
		Status string
	}
}

// Starting a run writes it and enqueues its first step in one
// transaction; cancelling it cancels that step's job too.
func TestWorkflowRunsStartAndCancel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	runner := b.createKey(t, "runner", auth.WorkflowsRun)
	src, err := os.ReadFile("../workflows/enrich-and-sync.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := bearer(runner)
	h["Content-Type"] = "application/yaml"
	if r := b.do(t, request{method: "POST", path: "/api/v1/workflows", body: string(src), headers: h}); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}

	start := func(key, body string) response {
		return b.do(t, request{method: "POST", path: "/api/v1/workflow-runs", body: body, headers: bearer(key)})
	}
	r := start(runner, `{"name":"enrich-and-sync","inputs":{"contact_ids":["00000000-0000-0000-0000-000000000001"]}}`)
	run := decode[runJSON](t, r)
	if r.status != 202 || run.Status != "running" || run.Version != 1 || run.Inputs["min_score"] != float64(60) ||
		r.header.Get("Location") != "/api/v1/workflow-runs/"+run.ID {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	jobs := func(state string) int {
		return b.countRowsT(t, `SELECT count(*) FROM river_job WHERE kind = 'workflow_step' AND state = '`+state+`' AND args->>'run_id' = '`+run.ID+`'`)
	}
	if n := jobs("available"); n != 1 {
		t.Fatalf("%d step jobs available, want the first step's", n)
	}
	r = b.do(t, request{method: "GET", path: "/api/v1/workflow-runs/" + run.ID, headers: bearer(b.reader)})
	got := decode[runJSON](t, r)
	if r.status != 200 || len(got.Steps) != 1 || got.Steps[0].StepID != "enrich" || got.Steps[0].Status != "queued" {
		t.Fatalf("get: %d %s", r.status, r.body)
	}

	for _, tt := range []struct {
		name, key, body string
		status          int
		location        string
	}{
		{"unknown workflow", runner, `{"name":"nope"}`, 404, "body.name"},
		{"unknown version", runner, `{"name":"enrich-and-sync","version":7}`, 404, "body.version"},
		{"missing required input", runner, `{"name":"enrich-and-sync","inputs":{}}`, 422, "body.inputs.contact_ids"},
		{"input of the wrong type", runner, `{"name":"enrich-and-sync","inputs":{"contact_ids":"all"}}`, 422, "body.inputs.contact_ids"},
		{"undeclared input", runner, `{"name":"enrich-and-sync","inputs":{"contact_ids":[],"everyone":true}}`, 422, "body.inputs.everyone"},
		{"bad name", runner, `{"name":"../etc"}`, 422, "body.name"},
		{"no workflows:run scope", b.reader, `{"name":"enrich-and-sync","inputs":{"contact_ids":[]}}`, 403, ""},
	} {
		r := start(tt.key, tt.body)
		if r.status != tt.status || (tt.location != "" && (len(r.problem.Errors) == 0 || r.problem.Errors[0].Location != tt.location)) {
			t.Errorf("%s: %d %s, want %d at %s", tt.name, r.status, r.body, tt.status, tt.location)
		}
	}
	if n := b.countRowsT(t, `SELECT count(*) FROM workflow_states`); n != 1 {
		t.Errorf("%d runs after the refusals, want 1", n)
	}

	cancel := func() response {
		return b.do(t, request{method: "POST", path: "/api/v1/workflow-runs/" + run.ID + "/cancel", headers: bearer(runner)})
	}
	if r := cancel(); r.status != 200 || decode[runJSON](t, r).Status != "cancelled" {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if n := jobs("cancelled"); n != 1 {
		t.Errorf("%d step jobs cancelled, want 1", n)
	}
	var stepStatus string
	if err := b.pool.QueryRow(context.Background(), `SELECT status FROM workflow_step_runs WHERE run_id = $1`, run.ID).Scan(&stepStatus); err != nil || stepStatus != "cancelled" {
		t.Errorf("step = %q, %v; want cancelled", stepStatus, err)
	}
	if r := cancel(); r.status != 409 {
		t.Errorf("cancel again: %d, want 409", r.status)
	}
	for _, verb := range []string{"pause", "resume", "retry"} {
		if r := b.do(t, request{method: "POST", path: "/api/v1/workflow-runs/" + run.ID + "/" + verb, headers: bearer(runner)}); r.status != 409 {
			t.Errorf("%s a cancelled run: %d %s, want 409", verb, r.status, r.body)
		}
	}
	r = b.do(t, request{method: "GET", path: "/api/v1/workflow-runs?status=cancelled&workflow=enrich-and-sync", headers: bearer(b.reader)})
	list := decode[struct{ Items []runJSON }](t, r)
	if r.status != 200 || len(list.Items) != 1 || list.Items[0].ID != run.ID {
		t.Errorf("list: %d %s", r.status, r.body)
	}
	if r := b.do(t, request{method: "GET", path: "/api/v1/workflow-runs/00000000-0000-0000-0000-000000000009", headers: bearer(b.reader)}); r.status != 404 {
		t.Errorf("unknown run: %d, want 404", r.status)
	}
}

const approvalWorkflow = `workflow:
  metadata: {name: gated}
  steps:
    - id: review
      approval: {message: "Go?"}
    - id: after
      action: sync_to_crm
      inputs: {contact_ids: []}
`

// Approving a waiting step completes it and enqueues what follows; a step
// not waiting is a 409, a step that is no approval step a 404.
func TestWorkflowApprovals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	runner := b.createKey(t, "runner", auth.WorkflowsRun)
	h := bearer(runner)
	h["Content-Type"] = "application/yaml"
	if r := b.do(t, request{method: "POST", path: "/api/v1/workflows", body: approvalWorkflow, headers: h}); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	r := b.do(t, request{method: "POST", path: "/api/v1/workflow-runs", body: `{"name":"gated"}`, headers: bearer(runner)})
	run := decode[runJSON](t, r)
	decideStep := func(step, verb, body string) response {
		return b.do(t, request{method: "POST", path: "/api/v1/workflow-runs/" + run.ID + "/steps/" + step + "/" + verb,
			body: body, headers: bearer(runner)})
	}
	decide := func(verb string) response { return decideStep("review", verb, `{"comment":"ok"}`) }
	if r := decide("approve"); r.status != 409 || r.problem.Errors[0].Location != "path.step" {
		t.Errorf("approve before the step waits: %d %s, want 409", r.status, r.body)
	}
	for _, step := range []string{"nope", "after"} {
		if r := decideStep(step, "approve", ""); r.status != 404 || r.problem.Errors[0].Location != "path.step" {
			t.Errorf("approve %s, not an approval step: %d %s, want 404 at path.step", step, r.status, r.body)
		}
	}
	// What the worker does when the step's job runs.
	if _, err := b.pool.Exec(context.Background(),
		`UPDATE workflow_step_runs SET status = 'waiting', started_at = now() WHERE run_id = $1 AND step_id = 'review'`, run.ID); err != nil {
		t.Fatal(err)
	}
	if r := decideStep("review", "approve", ""); r.status != 200 { // the comment is optional
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	if n := b.countRowsT(t, `SELECT count(*) FROM workflow_step_runs WHERE run_id = '`+run.ID+`' AND step_id = 'after' AND status = 'queued'`); n != 1 {
		t.Errorf("%d queued rows for the step after the approval, want 1", n)
	}
	if r := decide("reject"); r.status != 409 {
		t.Errorf("reject after the approval: %d, want 409", r.status)
	}
	if r := b.do(t, request{method: "POST", path: "/api/v1/workflow-runs/" + run.ID + "/steps/review/approve", headers: bearer(b.reader)}); r.status != 403 {
		t.Errorf("approve without workflows:run: %d, want 403", r.status)
	}
}

const eventWorkflow = `workflow:
  metadata: {name: replied}
  inputs:
    contact: {type: string, required: true}
  steps:
    - id: reply
      wait: {event: reply, key: "${{ inputs.contact }}"}
    - id: after
      action: sync_to_crm
      inputs: {contact_ids: []}
`

// An event brought through the API completes the steps waiting for it
// and enqueues what follows; bad events are 422s naming the field.
func TestWorkflowEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	runner := b.createKey(t, "runner", auth.WorkflowsRun)
	h := bearer(runner)
	h["Content-Type"] = "application/yaml"
	if r := b.do(t, request{method: "POST", path: "/api/v1/workflows", body: eventWorkflow, headers: h}); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	r := b.do(t, request{method: "POST", path: "/api/v1/workflow-runs", body: `{"name":"replied","inputs":{"contact":"c-1"}}`, headers: bearer(runner)})
	run := decode[runJSON](t, r)
	signal := func(body string) response {
		return b.do(t, request{method: "POST", path: "/api/v1/workflow-events", body: body, headers: bearer(runner)})
	}
	if r := signal(`{"event":"reply","key":"c-1"}`); r.status != 200 || !strings.Contains(string(r.body), `"woken":0`) {
		t.Errorf("event before the step waits: %d %s, want 200 woken 0", r.status, r.body)
	}
	// What the worker does when the step's job runs.
	if _, err := b.pool.Exec(context.Background(), `
		WITH parked AS (
			UPDATE workflow_step_runs SET status = 'waiting', started_at = now(), output = '{"event":"reply","key":"c-1"}'
			WHERE run_id = $1 AND step_id = 'reply')
		INSERT INTO workflow_event_waits (run_id, step_id, event, key) VALUES ($1, 'reply', 'reply', 'c-1')`, run.ID); err != nil {
		t.Fatal(err)
	}
	if r := signal(`{"event":"reply","key":"c-2"}`); !strings.Contains(string(r.body), `"woken":0`) {
		t.Errorf("event with another key: %s, want woken 0", r.body)
	}
	if r := signal(`{"event":"reply","key":"c-1","data":{"text":"yes"}}`); r.status != 200 || !strings.Contains(string(r.body), `"woken":1`) {
		t.Fatalf("event: %d %s, want woken 1", r.status, r.body)
	}
	if n := b.countRowsT(t, `SELECT count(*) FROM workflow_step_runs WHERE run_id = '`+run.ID+`' AND step_id = 'after' AND status = 'queued'`); n != 1 {
		t.Errorf("%d queued rows for the step after the wait, want 1", n)
	}
	for body, loc := range map[string]string{
		`{"event":"Reply!"}`:                  "body.event",
		`{"key":"c-1"}`:                       "body", // huma: "expected required property event to be present"
		`{"event":"reply","key":7}`:           "body.key",
		`{"event":"reply","data":"text"}`:     "body.data",
		`{"event":"reply","unknown":"field"}`: "body.unknown",
	} {
		r := signal(body)
		if r.status != 422 || len(r.problem.Errors) == 0 || r.problem.Errors[0].Location != loc {
			t.Errorf("%s: %d %s, want 422 at %s", body, r.status, r.body, loc)
		}
	}
	if r := b.do(t, request{method: "POST", path: "/api/v1/workflow-events", body: `{"event":"reply"}`, headers: bearer(b.reader)}); r.status != 403 {
		t.Errorf("event without workflows:run: %d, want 403", r.status)
	}
}
