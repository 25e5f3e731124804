package engine

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/store"
)

// pausePoll is how often a step job of a paused run looks again. Resume
// wakes the run's waiting jobs (Waker), so this is only the safety net of
// a job that read the run paused just as it was resumed.
const pausePoll = 30 * time.Second

// Waker is a Queue that can bring a run's waiting step jobs forward, in
// tx: Resume uses it so a resumed run goes on at once. A woken job that
// waits for something else (a duration, a breaker) waits again.
type Waker interface {
	WakeRun(ctx context.Context, tx pgx.Tx, runID uuid.UUID) error
}

// ErrWrongState: the run is not in a state the operation applies to
// (pausing a run that is not running, resuming one not paused, retrying
// one that has not failed).
var ErrWrongState = errors.New("the run is not in a state this applies to")

// Pause stops a running run from starting steps: steps running now finish
// and store their outcome, nothing new starts until Resume.
func (e *Engine) Pause(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	runs := store.NewWorkflowRuns(tx)
	if _, err := runs.Get(ctx, id, true); err != nil {
		return err
	}
	ok, err := runs.SetStatus(ctx, id, []string{store.RunRunning}, store.RunPaused)
	if err == nil && !ok {
		err = ErrWrongState
	}
	return err
}

// Resume lets a paused run go on: its step jobs, waiting meanwhile, are
// woken when the queue is a Waker, else start within pausePoll.
func (e *Engine) Resume(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	runs := store.NewWorkflowRuns(tx)
	if _, err := runs.Get(ctx, id, true); err != nil {
		return err
	}
	ok, err := runs.SetStatus(ctx, id, []string{store.RunPaused}, store.RunRunning)
	switch {
	case err != nil:
		return err
	case !ok:
		return ErrWrongState
	}
	if w, ok := e.queue.(Waker); ok {
		return w.WakeRun(ctx, tx, id)
	}
	return nil
}

// Retry runs a failed run again from its failed steps: they (and their
// foreach items) start afresh; steps that completed keep their outputs.
func (e *Engine) Retry(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	runs := store.NewWorkflowRuns(tx)
	run, err := runs.Get(ctx, id, true)
	if err != nil {
		return err
	}
	ok, err := runs.SetStatus(ctx, id, []string{store.RunFailed}, store.RunRunning)
	if err != nil {
		return err
	}
	if !ok {
		return ErrWrongState
	}
	if _, err := runs.ForgetFailedSteps(ctx, id); err != nil {
		return err
	}
	run.Status = store.RunRunning
	def, err := e.definitionByID(ctx, run.DefinitionID)
	if err != nil {
		return err
	}
	steps, err := runs.Steps(ctx, id)
	if err != nil {
		return err
	}
	// Every step not started whose dependencies are done is ready.
	finished, exists := map[string]bool{}, map[string]bool{}
	for _, s := range steps {
		if s.Item == -1 {
			exists[s.StepID], finished[s.StepID] = true, done(def, s)
		}
	}
	var ready []store.StepRef
	for _, stepID := range def.Order() {
		if exists[stepID] {
			continue
		}
		all := true
		for _, dep := range def.Deps(stepID) {
			all = all && finished[dep]
		}
		if all {
			ready = append(ready, store.StepRef{StepID: stepID, Item: -1})
		}
	}
	if _, err := e.enqueue(ctx, tx, id, def, ready); err != nil {
		return err
	}
	if len(ready) > 0 {
		return nil
	}
	noJob := Attempt{RunID: id, Complete: func(context.Context, pgx.Tx) error { return nil }}
	return e.settle(ctx, tx, run, def, noJob, steps)
}
