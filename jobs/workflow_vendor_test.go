package jobs

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/actions"
	"github.com/rtgs/sales-automation/integrations/anthropic"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

const askClaude = `workflow:
  metadata: {name: ask}
  steps:
    - id: ask
      action: ai_generate
      retry: {max_attempts: 1}
      inputs: {prompt: "Write one line about Acme.", provider: anthropic}
`

// A step whose vendor is down and whose breaker is open waits (snoozes)
// without using its one attempt, and finishes once the vendor is back and
// the breaker lets a call through. Had the wait used the attempt, the run
// would have failed.
func TestWorkflowStepOutlivesVendorOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim := vendorsim.Default(vendorsim.Options{Seed: 1})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	if err := sim.SetKnobs("anthropic", vendorsim.Knobs{Outage: true}); err != nil {
		t.Fatal(err)
	}
	// The breaker stays open long enough for the step to meet it on a
	// loaded machine (at 2 s it was seen half-open by the step's first try).
	set := simVendors(t, srv.URL, map[string]string{"VENDOR_BREAKER_FAILURES": "1", "VENDOR_BREAKER_OPEN_FOR": "5s"})
	// A failed call opens the breaker.
	if _, err := set.Anthropic.Complete(ctx, anthropic.Request{Prompt: "hi", MaxTokens: 10}); err == nil {
		t.Fatal("a call during the outage succeeded")
	}

	pool := dbtest.Pool(t)
	cat, err := actions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(pool, cat, workflowActions(Deps{Pool: pool, Vendors: set}), StepQueue{})
	client := startStepWorker(t, pool, e)
	if _, _, err := engine.Register(ctx, pool, "ask.yaml", []byte(askClaude), store.OriginAPI, cat); err != nil {
		t.Fatal(err)
	}
	var run store.WorkflowRun
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		run, err = e.Start(WithClient(ctx, client), tx, engine.StartRequest{Name: "ask"})
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// Keep the vendor down until the step has met the open breaker and
	// snoozed: tried, due again later, with no error recorded.
	runs := store.NewWorkflowRuns(pool)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var state string
		var errs int
		var snoozed bool
		if err := pool.QueryRow(ctx, `
			SELECT state, coalesce(array_length(errors, 1), 0),
			       attempted_at IS NOT NULL AND state IN ('available', 'scheduled') AND scheduled_at > now()
			FROM river_job WHERE kind = $1`, KindWorkflowStep).Scan(&state, &errs, &snoozed); err != nil {
			t.Fatal(err)
		}
		if snoozed && errs == 0 {
			break
		}
		if r, _ := runs.Get(ctx, run.ID, false); r.Status != store.RunRunning {
			t.Fatalf("run %s (%s) during the outage, want it waiting", r.Status, r.Error)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the step never snoozed (job %s, %d errors)", state, errs)
		}
	}
	if err := sim.SetKnobs("anthropic", vendorsim.Knobs{}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r, err := runs.Get(ctx, run.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == store.RunCompleted {
			break
		}
		if r.Status != store.RunRunning || time.Now().After(deadline) {
			t.Fatalf("run %s (%s) after the vendor came back, want completed", r.Status, r.Error)
		}
	}
	steps, err := runs.Steps(ctx, run.ID)
	if err != nil || len(steps) != 1 || steps[0].Status != store.StepCompleted || len(steps[0].Output) < 10 {
		t.Fatalf("steps = %+v, %v; want ask completed with the model's text", steps, err)
	}
}
