package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/actions"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

// testActions are the contracts of the test workflows' actions.
var testActions = actions.Catalog{
	"echo":  {Name: "echo", Input: json.RawMessage(`{"type":"object"}`), Output: json.RawMessage(`{"type":"object"}`)},
	"flaky": {Name: "flaky", Input: json.RawMessage(`{"type":"object"}`), Output: json.RawMessage(`{"type":"object"}`)},
	"boom":  {Name: "boom", Input: json.RawMessage(`{"type":"object"}`), Output: json.RawMessage(`{"type":"object"}`)},
	"slow":  {Name: "slow", Input: json.RawMessage(`{"type":"object"}`), Output: json.RawMessage(`{"type":"object"}`)},
}

type workflowBundle struct {
	pool   *pgxpool.Pool
	client *river.Client[pgx.Tx]
	engine *engine.Engine

	mu    sync.Mutex
	calls map[string]int // by idempotency key
	// inFlight and maxInFlight count concurrent "slow" invocations.
	inFlight, maxInFlight int
}

func setupWorkflows(t *testing.T) *workflowBundle {
	t.Helper()
	b := &workflowBundle{pool: dbtest.Pool(t), calls: map[string]int{}}
	count := func(in engine.Invocation) int {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.calls[in.IdempotencyKey]++
		return b.calls[in.IdempotencyKey]
	}
	b.engine = engine.New(b.pool, testActions, map[string]engine.Action{
		"echo": engine.ActionFunc(func(_ context.Context, in engine.Invocation) (any, error) {
			count(in)
			return in.Inputs, nil
		}),
		"flaky": engine.ActionFunc(func(_ context.Context, in engine.Invocation) (any, error) {
			if count(in) == 1 {
				return nil, errors.New("vendor hiccup")
			}
			return in.Inputs, nil
		}),
		"slow": engine.ActionFunc(func(_ context.Context, in engine.Invocation) (any, error) {
			count(in)
			b.mu.Lock()
			b.inFlight++
			b.maxInFlight = max(b.maxInFlight, b.inFlight)
			b.mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			b.mu.Lock()
			b.inFlight--
			b.mu.Unlock()
			return in.Inputs, nil
		}),
		"boom": engine.ActionFunc(func(_ context.Context, in engine.Invocation) (any, error) {
			count(in)
			return nil, &engine.PermanentError{Err: errors.New("refused")}
		}),
	}, StepQueue{})
	client := startStepWorker(t, b.pool, b.engine)
	b.client = client
	return b
}

// startStepWorker runs e's workflow_step jobs with a River client of its
// own, stopped at the end of the test.
func startStepWorker(t *testing.T, pool *pgxpool.Pool, e *engine.Engine) *river.Client[pgx.Tx] {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, NewWorkflowStepWorker(e))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema: dbtest.Schema(pool), Workers: workers,
		Queues:            map[string]river.QueueConfig{QueueWorkflow: {MaxWorkers: 4}},
		FetchPollInterval: 20 * time.Millisecond, FetchCooldown: 10 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(ctx)
	})
	return client
}

// start stores source and starts a run of it (workflow name) with inputs.
func (b *workflowBundle) start(t *testing.T, name, source string, inputs map[string]any) uuid.UUID {
	t.Helper()
	ctx := WithClient(context.Background(), b.client)
	if _, _, err := engine.Register(ctx, b.pool, name+".yaml", []byte(source), store.OriginAPI, testActions); err != nil {
		t.Fatal(err)
	}
	var run store.WorkflowRun
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		var err error
		run, err = b.engine.Start(ctx, tx, engine.StartRequest{Name: name, Inputs: inputs})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return run.ID
}

// wait returns the run once it is no longer running, and its steps.
func (b *workflowBundle) wait(t *testing.T, id uuid.UUID) (store.WorkflowRun, map[string]store.WorkflowStepRun) {
	t.Helper()
	runs := store.NewWorkflowRuns(b.pool)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		run, err := runs.Get(context.Background(), id, false)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != store.RunRunning {
			steps, err := runs.Steps(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			byID := map[string]store.WorkflowStepRun{}
			for _, s := range steps {
				if s.Item == -1 {
					byID[s.StepID] = s
				}
			}
			return run, byID
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still running", id)
		}
	}
}

const diamond = `workflow:
  metadata: {name: diamond}
  inputs:
    n: {type: integer, required: true}
  steps:
    - id: a
      action: echo
      inputs: {value: "${{ inputs.n }}"}
    - id: b
      action: echo
      depends_on: [a]
      inputs: {value: "${{ steps.a.output.value + 1 }}"}
    - id: c
      action: flaky
      depends_on: [a]
      retry: {max_attempts: 3, backoff: fixed, delay: 10ms}
      inputs: {value: "${{ steps.a.output.value * 2 }}"}
    - id: big-only
      action: echo
      depends_on: [a]
      when: "${{ inputs.n > 100 }}"
      inputs: {value: 0}
    - id: d
      action: echo
      depends_on: [b, c, big-only]
      inputs: {value: "${{ steps.b.output.value + steps.c.output.value }}"}
  outputs:
    total: "${{ steps.d.output.value }}"
`

// A DAG with parallel branches, a retried step and a skipped one runs to
// its outputs; each step's action ran once per success (the flaky one
// twice: its first attempt failed).
func TestWorkflowRunsToCompletion(t *testing.T) {
	t.Parallel()
	b := setupWorkflows(t)
	id := b.start(t, "diamond", diamond, map[string]any{"n": 1})
	run, steps := b.wait(t, id)
	if run.Status != store.RunCompleted || run.Outputs["total"] != float64(4) {
		t.Fatalf("run = %s %v (%s), want completed with total 4", run.Status, run.Outputs, run.Error)
	}
	want := map[string]string{"a": "completed", "b": "completed", "c": "completed", "big-only": "skipped", "d": "completed"}
	for id, status := range want {
		if steps[id].Status != status {
			t.Errorf("step %s = %s, want %s", id, steps[id].Status, status)
		}
	}
	if steps["c"].Attempts != 2 {
		t.Errorf("step c attempts = %d, want 2", steps["c"].Attempts)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := b.calls[id.String()+"/c/-1"]; n != 2 {
		t.Errorf("flaky action called %d times, want 2", n)
	}
	if n := b.calls[id.String()+"/d/-1"]; n != 1 {
		t.Errorf("d called %d times, want once", n)
	}
}

const failing = `workflow:
  metadata: {name: failing}
  steps:
    - id: first
      action: echo
      inputs: {}
    - id: refuse
      action: boom
      inputs: {}
    - id: never
      action: echo
      inputs: {}
`

// A step that fails for good fails the run with a workflow_failures row;
// the steps after it never run.
func TestWorkflowStepFailureFailsTheRun(t *testing.T) {
	t.Parallel()
	b := setupWorkflows(t)
	id := b.start(t, "failing", failing, nil)
	run, steps := b.wait(t, id)
	if run.Status != store.RunFailed || run.Error != "step refuse: refused" {
		t.Fatalf("run = %s %q, want failed by step refuse", run.Status, run.Error)
	}
	if steps["refuse"].Status != store.StepFailed || steps["refuse"].Attempts != 1 {
		t.Errorf("refuse = %+v, want failed after one attempt (a permanent error)", steps["refuse"])
	}
	if _, ok := steps["never"]; ok {
		t.Error("a step after the failure was created")
	}
	var failures int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM workflow_failures WHERE workflow_id = $1 AND failed_step = 'refuse'`, id).Scan(&failures); err != nil {
		t.Fatal(err)
	}
	if failures != 1 {
		t.Errorf("%d workflow_failures rows, want 1", failures)
	}
}

const fanOut = `workflow:
  metadata: {name: fan-out}
  inputs:
    names: {type: array, required: true}
  steps:
    - id: greet
      action: slow
      foreach: "${{ inputs.names }}"
      concurrency: 3
      inputs: {text: "hello ${{ item }}", position: "${{ index }}"}
    - id: count
      action: echo
      inputs: {n: "${{ len(steps.greet.output) }}", last: "${{ steps.greet.output[24].text }}"}
  outputs:
    n: "${{ steps.count.output.n }}"
    last: "${{ steps.count.output.last }}"
`

// A foreach step runs each item once, never more than its concurrency at
// a time, and its dependants see the items' outputs in order.
func TestWorkflowForeach(t *testing.T) {
	t.Parallel()
	b := setupWorkflows(t)
	names := make([]any, 25)
	for i := range names {
		names[i] = fmt.Sprintf("p%d", i)
	}
	id := b.start(t, "fan-out", fanOut, map[string]any{"names": names})
	run, steps := b.wait(t, id)
	if run.Status != store.RunCompleted || run.Outputs["n"] != float64(25) || run.Outputs["last"] != "hello p24" {
		t.Fatalf("run = %s %v (%s), want completed with 25 items, the last hello p24", run.Status, run.Outputs, run.Error)
	}
	if steps["greet"].Status != store.StepCompleted {
		t.Errorf("greet = %s, want completed", steps["greet"].Status)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.maxInFlight > 3 {
		t.Errorf("%d items ran at once, want at most the concurrency 3", b.maxInFlight)
	}
	for i := range names {
		if n := b.calls[fmt.Sprintf("%s/greet/%d", id, i)]; n != 1 {
			t.Errorf("item %d ran %d times, want once", i, n)
		}
	}
}

const reviewed = `workflow:
  metadata: {name: reviewed}
  inputs:
    who: {type: string, required: true}
  steps:
    - id: pause
      wait: {duration: 200ms}
    - id: review
      approval: {message: "Send to ${{ inputs.who }}?"}
    - id: send
      action: echo
      inputs: {to: "${{ inputs.who }}", ok: "${{ steps.review.output.approved }}"}
    - id: late
      depends_on: []
      approval: {message: "Anyone?", timeout: 300ms}
      on_error: continue
`

// A wait step waits its duration; an approval step holds the run until it
// is decided, and one with a timeout is rejected when nobody decides.
func TestWorkflowWaitAndApproval(t *testing.T) {
	t.Parallel()
	b := setupWorkflows(t)
	ctx := WithClient(context.Background(), b.client)
	id := b.start(t, "reviewed", reviewed, map[string]any{"who": "ann@acme.example"})
	review := b.awaitStatus(t, id, "review", store.StepWaiting)
	if !strings.Contains(string(review.Output), "Send to ann@acme.example?") {
		t.Errorf("review shows %s, want its message", review.Output)
	}
	if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		return b.engine.Decide(ctx, tx, id, "send", true, "")
	}); !errors.Is(err, engine.ErrNoApprovalStep) {
		t.Errorf("deciding a step that is not an approval: err = %v, want ErrNoApprovalStep", err)
	}
	if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		return b.engine.Decide(ctx, tx, id, "review", true, "looks right")
	}); err != nil {
		t.Fatal(err)
	}
	run, steps := b.wait(t, id)
	if run.Status != store.RunCompleted {
		t.Fatalf("run = %s (%s), want completed", run.Status, run.Error)
	}
	if s := steps["send"]; s.Status != store.StepCompleted || !strings.Contains(string(s.Output), `"ok": true`) {
		t.Errorf("send = %s %s, want completed after the approval", s.Status, s.Output)
	}
	if s := steps["late"]; s.Status != store.StepFailed || !strings.Contains(s.Error, "not approved within") {
		t.Errorf("late = %s %q, want rejected by its timeout", s.Status, s.Error)
	}
	if p := steps["pause"]; p.Status != store.StepCompleted || p.FinishedAt.Sub(*p.StartedAt) < 200*time.Millisecond {
		t.Errorf("pause = %s from %v to %v, want completed after its 200ms", p.Status, p.StartedAt, p.FinishedAt)
	}
}

const awaitsReply = `workflow:
  metadata: {name: awaits-reply}
  inputs:
    contact: {type: string, required: true}
  steps:
    - id: reply
      wait: {event: reply, key: "${{ inputs.contact }}", timeout: 1h}
    - id: follow-up
      action: echo
      when: "${{ steps.reply.output.timed_out != true }}"
      inputs: {said: "${{ steps.reply.output.data.text }}"}
    - id: nudge
      depends_on: []
      wait: {event: reply, key: "nobody", timeout: 300ms}
`

// An event wait holds its step until Signal brings its event with its
// key, and one with a timeout completes with timed_out when none comes.
func TestWorkflowEventWait(t *testing.T) {
	t.Parallel()
	b := setupWorkflows(t)
	ctx := WithClient(context.Background(), b.client)
	contact := uuid.NewString()
	id := b.start(t, "awaits-reply", awaitsReply, map[string]any{"contact": contact})
	b.awaitStatus(t, id, "reply", store.StepWaiting)
	signal := func(key string, data map[string]any) int {
		t.Helper()
		var n int
		if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) (err error) {
			n, err = b.engine.Signal(ctx, tx, "reply", key, data)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := signal(uuid.NewString(), nil); n != 0 {
		t.Errorf("an event with another key woke %d steps", n)
	}
	if n := signal(contact, map[string]any{"text": "yes please"}); n != 1 {
		t.Fatalf("the awaited event woke %d steps, want 1", n)
	}
	if n := signal(contact, map[string]any{"text": "again"}); n != 0 {
		t.Errorf("a second event woke %d steps, want 0", n)
	}
	run, steps := b.wait(t, id)
	if run.Status != store.RunCompleted {
		t.Fatalf("run = %s (%s), want completed", run.Status, run.Error)
	}
	if s := steps["follow-up"]; s.Status != store.StepCompleted || !strings.Contains(string(s.Output), "yes please") {
		t.Errorf("follow-up = %s %s, want completed with the reply", s.Status, s.Output)
	}
	if s := steps["nudge"]; s.Status != store.StepCompleted || !strings.Contains(string(s.Output), `"timed_out": true`) {
		t.Errorf("nudge = %s %s, want completed by its timeout", s.Status, s.Output)
	}
	if n := signal("nobody", nil); n != 0 {
		t.Errorf("an event after the timeout woke %d steps", n)
	}
	var left int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM workflow_event_waits WHERE run_id = $1`, id).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d event waits left after the run (%v), want 0", left, err)
	}
}

// awaitStatus polls until step of run id has status.
func (b *workflowBundle) awaitStatus(t *testing.T, id uuid.UUID, step, status string) store.WorkflowStepRun {
	t.Helper()
	runs := store.NewWorkflowRuns(b.pool)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		steps, err := runs.Steps(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range steps {
			if s.StepID == step && s.Item == -1 && s.Status == status {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("step %s never became %s", step, status)
		}
	}
}

const twoStep = `workflow:
  metadata: {name: two-step}
  steps:
    - id: first
      action: echo
      inputs: {}
    - id: second
      action: flaky
      retry: {max_attempts: 1}
      inputs: {}
`

// A paused run starts no step until resumed, which wakes its snoozed
// jobs; a failed run retried from its failed step completes, the
// completed step not run again.
func TestWorkflowPauseResumeRetry(t *testing.T) {
	t.Parallel()
	b := setupWorkflows(t)
	ctx := WithClient(context.Background(), b.client)
	if _, _, err := engine.Register(ctx, b.pool, "two-step.yaml", []byte(twoStep), store.OriginAPI, testActions); err != nil {
		t.Fatal(err)
	}
	// Started and paused in one transaction: no step can start before.
	var id uuid.UUID
	if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		run, err := b.engine.Start(ctx, tx, engine.StartRequest{Name: "two-step"})
		if err != nil {
			return err
		}
		id = run.ID
		return b.engine.Pause(ctx, tx, id)
	}); err != nil {
		t.Fatal(err)
	}
	// The first step's job finds the run paused and snoozes.
	jobState := func() string {
		var state string
		if err := b.pool.QueryRow(ctx, `SELECT state FROM river_job WHERE kind = $1 AND args->>'run_id' = $2`,
			KindWorkflowStep, id.String()).Scan(&state); err != nil {
			t.Fatal(err)
		}
		return state
	}
	for deadline := time.Now().Add(30 * time.Second); jobState() != "scheduled"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the paused run's job is %s, never snoozed", jobState())
		}
	}
	b.mu.Lock()
	calls := len(b.calls)
	b.mu.Unlock()
	if calls != 0 {
		t.Fatalf("%d actions ran while the run was paused, want none", calls)
	}
	if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error { return b.engine.Pause(ctx, tx, id) }); !errors.Is(err, engine.ErrWrongState) {
		t.Errorf("pausing a paused run: err = %v, want ErrWrongState", err)
	}
	if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error { return b.engine.Resume(ctx, tx, id) }); err != nil {
		t.Fatal(err)
	}
	// Resuming wakes the snoozed job rather than leaving it to its next look.
	if state := jobState(); state == "scheduled" {
		t.Errorf("after resume the step's job is still %s, want it woken", state)
	}
	run, steps := b.wait(t, id)
	if run.Status != store.RunFailed || steps["second"].Status != store.StepFailed {
		t.Fatalf("run = %s, second = %s; want both failed (flaky fails its first call, one attempt)", run.Status, steps["second"].Status)
	}
	if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error { return b.engine.Retry(ctx, tx, id) }); err != nil {
		t.Fatal(err)
	}
	run, steps = b.wait(t, id)
	if run.Status != store.RunCompleted || steps["second"].Status != store.StepCompleted || run.Error != "" {
		t.Fatalf("after retry: run = %s %q, second = %s; want completed", run.Status, run.Error, steps["second"].Status)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := b.calls[id.String()+"/first/-1"]; n != 1 {
		t.Errorf("first ran %d times, want once (its output kept by the retry)", n)
	}
}

// A dry run of the shipped yolo-cycle follows its real plan with every
// action stubbed by its output schema: no action runs (this engine has
// none), and the branches on the stubbed counts are skipped.
func TestWorkflowDryRun(t *testing.T) {
	t.Parallel()
	b := setupWorkflows(t)
	ctx := WithClient(context.Background(), b.client)
	cat, err := actions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../workflows/yolo-cycle.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := engine.Register(ctx, b.pool, "yolo-cycle.yaml", src, store.OriginAPI, cat); err != nil {
		t.Fatal(err)
	}
	// Only an engine with the platform's catalog and no actions works this
	// run: the bundle's client (test actions) stops first.
	stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.client.Stop(stop); err != nil {
		t.Fatal(err)
	}
	e := engine.New(b.pool, cat, nil, StepQueue{})
	client := startStepWorker(t, b.pool, e)
	var run store.WorkflowRun
	if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		run, err = e.Start(WithClient(ctx, client), tx, engine.StartRequest{Name: "yolo-cycle", DryRun: true,
			Inputs: map[string]any{"profile_id": "p", "campaign_instance_id": "c"}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got, steps := b.wait(t, run.ID)
	if got.Status != store.RunCompleted || !got.DryRun || got.Outputs["qualified"] != float64(0) {
		t.Fatalf("dry run = %s dry=%v %v (%s), want completed with qualified 0", got.Status, got.DryRun, got.Outputs, got.Error)
	}
	want := map[string]string{"search": "completed", "sync-previous": "skipped", "find": "completed", "enrich": "completed",
		"score": "completed", "sync": "skipped", "enroll": "skipped"}
	for id, status := range want {
		if steps[id].Status != status {
			t.Errorf("step %s = %s, want %s", id, steps[id].Status, status)
		}
	}
	if s := string(steps["score"].Output); !strings.Contains(s, `"qualified_ids": []`) {
		t.Errorf("score output %s, want the stub of its schema", s)
	}
}

const pinnedV1 = `workflow:
  metadata: {name: pinned, version: 1}
  steps:
    - id: review
      approval: {message: "Go?"}
    - id: send
      action: echo
      inputs: {version: 1}
`

// pinnedV2 renames the step after the approval and changes its input.
const pinnedV2 = `workflow:
  metadata: {name: pinned, version: 2}
  steps:
    - id: review
      approval: {message: "Go?"}
    - id: deliver
      action: echo
      inputs: {version: 2}
`

// A run keeps the version it started with: a new version stored while it
// waits changes nothing of it, and a run started afterwards takes the new
// one.
func TestWorkflowRunPinsItsVersion(t *testing.T) {
	t.Parallel()
	b := setupWorkflows(t)
	ctx := WithClient(context.Background(), b.client)
	old := b.start(t, "pinned", pinnedV1, nil)
	b.awaitStatus(t, old, "review", store.StepWaiting)
	if _, _, err := engine.Register(ctx, b.pool, "pinned.yaml", []byte(pinnedV2), store.OriginAPI, testActions); err != nil {
		t.Fatal(err)
	}
	var fresh uuid.UUID
	if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		run, err := b.engine.Start(ctx, tx, engine.StartRequest{Name: "pinned"})
		fresh = run.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uuid.UUID{old, fresh} {
		b.awaitStatus(t, id, "review", store.StepWaiting)
		if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
			return b.engine.Decide(ctx, tx, id, "review", true, "")
		}); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[uuid.UUID]struct {
		version int
		step    string
	}{old: {1, "send"}, fresh: {2, "deliver"}} {
		run, steps := b.wait(t, id)
		out := steps[want.step].Output
		if run.Status != store.RunCompleted || run.Version != want.version || len(steps) != 2 ||
			!strings.Contains(string(out), fmt.Sprintf(`"version": %d`, want.version)) {
			t.Errorf("run %s: %s at version %d, steps %v, %s output %s; want completed at version %d through %s",
				id, run.Status, run.Version, slices.Collect(maps.Keys(steps)), want.step, out, want.version, want.step)
		}
	}
}
