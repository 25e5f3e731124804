package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/engine/spec"
	"github.com/rtgs/sales-automation/internal/store"
)

// Attempt is one execution of a step job.
type Attempt struct {
	RunID       uuid.UUID
	Ref         store.StepRef
	Attempt     int
	MaxAttempts int
	JobID       int64
	// Complete completes the job in tx: the step's outcome, the steps it
	// made ready and the job's completion commit together.
	Complete func(ctx context.Context, tx pgx.Tx) error
}

// RunStep executes one attempt of a step. It returns nil when the step's
// outcome was stored and the job completed with it, or the action's error
// for the job to be retried (its attempts left, per the step's retry).
func (e *Engine) RunStep(ctx context.Context, a Attempt) error {
	runs := store.NewWorkflowRuns(e.pool)
	run, steps, err := e.startStep(ctx, a)
	if errors.Is(err, store.ErrNotFound) {
		return e.completeOnly(ctx, a)
	}
	if err != nil {
		return err
	}
	if run.Status == store.RunPaused {
		return &WaitError{After: pausePoll, Reason: "the run is paused"}
	}
	if run.Status != store.RunRunning {
		return e.completeOnly(ctx, a) // cancelled or finished: nothing more to do
	}
	def, err := e.definitionByID(ctx, run.DefinitionID)
	if err != nil {
		return err
	}
	st := def.Step(a.Ref.StepID)
	if st == nil {
		return e.finish(ctx, a, def, nil, store.StepFailed, nil, "the workflow has no step "+a.Ref.StepID)
	}
	var own store.WorkflowStepRun
	for _, s := range steps {
		if s.StepID == a.Ref.StepID && s.Item == a.Ref.Item {
			own = s
		}
	}
	switch own.Status {
	case store.StepQueued, store.StepRunning:
	case store.StepWaiting:
		return e.parkedTimeout(ctx, a, def, st, own) // an approval's or event wait's timeout came
	default:
		return e.completeOnly(ctx, a) // finished by an earlier attempt
	}
	sc, err := scope(run, steps)
	if err != nil {
		return err
	}

	// conclude stores the outcome of this attempt's step, or of its item
	// of a foreach step (total items).
	total := 0
	conclude := func(status string, output any, reason string) error {
		if a.Ref.Item < 0 {
			return e.finish(ctx, a, def, steps, status, output, reason)
		}
		return e.finishItem(ctx, a, def, total, status, output, reason)
	}
	fail := func(reason string) error { return conclude(store.StepFailed, nil, reason) }
	if a.Ref.Item < 0 {
		ok, err := def.EvalBool(st.When, sc)
		if err != nil {
			return fail("when: " + err.Error())
		}
		if !ok {
			return e.finish(ctx, a, def, steps, store.StepSkipped, nil, "")
		}
		if st.Foreach != "" {
			return e.startForeach(ctx, a, def, st, sc)
		}
	} else {
		list, err := items(def, st, sc)
		if err != nil {
			return err
		}
		total = len(list)
		if a.Ref.Item >= total {
			return fail(fmt.Sprintf("foreach item %d of a list of %d", a.Ref.Item, total))
		}
		sc.Item, sc.Index = list[a.Ref.Item], a.Ref.Item
	}
	switch {
	case run.DryRun && st.Kind() != spec.KindAction:
		return conclude(store.StepCompleted, map[string]any{"dry_run": true}, "")
	case st.Kind() == spec.KindWait:
		return e.wait(ctx, a, def, st, own, sc)
	case st.Kind() == spec.KindApproval:
		return e.awaitApproval(ctx, a, def, st, sc)
	}
	in, err := def.Eval(st.Inputs, sc)
	if err != nil {
		return fail("inputs: " + err.Error())
	}
	if run.DryRun {
		contract, _ := e.catalog.Action(st.Action)
		return conclude(store.StepCompleted, stubOutput(contract.Output), "")
	}
	inputs, _ := in.(map[string]any)
	action, ok := e.actions[st.Action]
	if !ok {
		return fail(fmt.Sprintf("action %s is not available in this worker", st.Action))
	}
	out, err := action.Run(ctx, Invocation{RunID: a.RunID, StepID: a.Ref.StepID, Item: a.Ref.Item,
		IdempotencyKey: fmt.Sprintf("%s/%s/%d", a.RunID, a.Ref.StepID, a.Ref.Item), Inputs: inputs})
	var wait *WaitError
	if errors.As(err, &wait) {
		return err // the job snoozes; the step stays running
	}
	if err != nil {
		var perm *PermanentError
		if errors.As(err, &perm) || a.Attempt >= a.MaxAttempts {
			return fail(err.Error())
		}
		if nerr := runs.NoteStepError(context.WithoutCancel(ctx), a.RunID, a.Ref, err.Error()); nerr != nil {
			return errors.Join(err, nerr)
		}
		return err
	}
	return conclude(store.StepCompleted, out, "")
}

// completeOnly completes the job with nothing else written.
func (e *Engine) completeOnly(ctx context.Context, a Attempt) error {
	return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error { return a.Complete(ctx, tx) })
}

// live reports whether a run takes step outcomes: running, or paused (a
// paused run starts no step, but what its running steps did is kept and
// carried on from, so Resume has nothing to redo).
func live(run store.WorkflowRun) bool {
	return run.Status == store.RunRunning || run.Status == store.RunPaused
}

// finish is the step's transition, in one transaction under the run's
// lock (see proceed). A run cancelled or failed meanwhile takes nothing
// from it: cancel wins.
//
// seen are the run's step rows as the attempt read them at its start; the
// dependants they show ready once this step is done are created with the
// step's outcome in the same round trip. Step rows only ever move forward
// while a run is live, so that guess can only fall short (proceed adds
// what it missed) unless the run was retried meanwhile, which proceed
// detects: then the transaction is redone without guessing.
func (e *Engine) finish(ctx context.Context, a Attempt, def *spec.Definition, seen []store.WorkflowStepRun, status string, output any, reason string) error {
	var guess []store.StepRef
	if status != store.StepFailed && a.Ref.Item < 0 && seen != nil {
		guess = readySteps(def, a.Ref.StepID, withStatus(seen, a.Ref, status))
	}
	err := e.finishTx(ctx, a, def, status, output, reason, guess)
	if errors.Is(err, errStaleGuess) {
		return e.finishTx(ctx, a, def, status, output, reason, nil)
	}
	return err
}

func (e *Engine) finishTx(ctx context.Context, a Attempt, def *spec.Definition, status string, output any, reason string, guess []store.StepRef) error {
	if e.batch != nil {
		return e.batch.submit(ctx, &pendingTransition{a: a, def: def,
			out: store.StepOutcome{RunID: a.RunID, Ref: a.Ref, Status: status, Output: output, Reason: reason, Add: guess}})
	}
	return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		f, err := store.NewWorkflowRuns(tx).LockAndFinishStep(ctx, a.RunID, a.Ref, status, output, reason, guess)
		if err != nil || !f.Changed {
			// gone, not live, or a repeated transition
			return errors.Join(notGone(err), e.complete(ctx, tx, a))
		}
		return e.proceed(ctx, tx, a, def, f.Run, status, reason, f.Steps, f.Added)
	})
}

// errStaleGuess: a dependant created with a step's outcome is not ready
// after all.
var errStaleGuess = errors.New("workflow: the steps guessed ready are not")

// transition stores a step's outcome and what follows from it (proceed),
// in tx under the run's lock.
func (e *Engine) transition(ctx context.Context, tx pgx.Tx, a Attempt, def *spec.Definition, run store.WorkflowRun, status string, output any, reason string) error {
	runs := store.NewWorkflowRuns(tx)
	changed, err := runs.FinishStep(ctx, a.RunID, a.Ref, status, output, reason)
	if err != nil {
		return err
	}
	if !changed {
		return e.complete(ctx, tx, a) // a repeated transition
	}
	steps, err := runs.Steps(ctx, a.RunID)
	if err != nil {
		return err
	}
	return e.proceed(ctx, tx, a, def, run, status, reason, steps, nil)
}

// proceed carries a stored step outcome on, in tx under the run's lock,
// with steps the run's step rows after it and added the dependants already
// created with it: the failure record and on_error, the steps it made
// ready (enqueued), the run's end when nothing is left, and the job's
// completion.
func (e *Engine) proceed(ctx context.Context, tx pgx.Tx, a Attempt, def *spec.Definition, run store.WorkflowRun, status, reason string, steps []store.WorkflowStepRun, added []store.StepRef) error {
	runs := store.NewWorkflowRuns(tx)
	st := def.Step(a.Ref.StepID)
	if status == store.StepFailed {
		if err := runs.AddFailure(ctx, a.RunID, a.Ref, reason); err != nil {
			return err
		}
		switch {
		case st != nil && st.OnError == "continue":
		case st != nil && st.GotoTarget() != "":
			n, err := e.enqueue(ctx, tx, a.RunID, def, []store.StepRef{{StepID: st.GotoTarget(), Item: -1}})
			if err != nil || n > 0 {
				return errors.Join(err, e.complete(ctx, tx, a))
			}
			return e.settle(ctx, tx, run, def, a, steps)
		default:
			if err := runs.Finish(ctx, a.RunID, store.RunFailed, nil, fmt.Sprintf("step %s: %s", a.Ref.StepID, reason)); err != nil {
				return err
			}
			return e.complete(ctx, tx, a)
		}
	}
	for _, ref := range added {
		if !depsDone(def, ref.StepID, steps) {
			return errStaleGuess
		}
	}
	more, err := runs.AddSteps(ctx, a.RunID, readySteps(def, a.Ref.StepID, steps))
	if err != nil {
		return err
	}
	ready := append(added, more...)
	if err := e.queueJobs(ctx, tx, a.RunID, def, ready); err != nil || len(ready) > 0 {
		return errors.Join(err, e.complete(ctx, tx, a))
	}
	return e.settle(ctx, tx, run, def, a, steps)
}

// done reports whether a step row lets its dependants run: completed,
// skipped, or failed with on_error continue.
func done(def *spec.Definition, s store.WorkflowStepRun) bool {
	switch s.Status {
	case store.StepCompleted, store.StepSkipped:
		return true
	case store.StepFailed:
		st := def.Step(s.StepID)
		return st != nil && st.OnError == "continue"
	}
	return false
}

// readySteps are the dependants of step that have no row in steps yet and
// whose dependencies are all done.
func readySteps(def *spec.Definition, step string, steps []store.WorkflowStepRun) []store.StepRef {
	exists := map[string]bool{}
	for _, s := range steps {
		if s.Item == -1 {
			exists[s.StepID] = true
		}
	}
	var ready []store.StepRef
	for _, d := range def.Dependants(step) {
		if !exists[d] && depsDone(def, d, steps) {
			ready = append(ready, store.StepRef{StepID: d, Item: -1})
		}
	}
	return ready
}

// depsDone reports whether every dependency of step is done in steps.
func depsDone(def *spec.Definition, step string, steps []store.WorkflowStepRun) bool {
	finished := map[string]bool{}
	for _, s := range steps {
		if s.Item == -1 {
			finished[s.StepID] = done(def, s)
		}
	}
	for _, dep := range def.Deps(step) {
		if !finished[dep] {
			return false
		}
	}
	return true
}

// withStatus is steps with ref's row given status.
func withStatus(steps []store.WorkflowStepRun, ref store.StepRef, status string) []store.WorkflowStepRun {
	out := append([]store.WorkflowStepRun(nil), steps...)
	for i := range out {
		if out[i].StepID == ref.StepID && out[i].Item == ref.Item {
			out[i].Status = status
			return out
		}
	}
	return append(out, store.WorkflowStepRun{StepID: ref.StepID, Item: ref.Item, Status: status})
}

// settle ends the run when no step row in steps (the run's, as of this
// transition) is queued or running any more, with its outputs, then
// completes the job.
func (e *Engine) settle(ctx context.Context, tx pgx.Tx, run store.WorkflowRun, def *spec.Definition, a Attempt, steps []store.WorkflowStepRun) error {
	runs := store.NewWorkflowRuns(tx)
	for _, s := range steps {
		if s.Status == store.StepQueued || s.Status == store.StepRunning || s.Status == store.StepWaiting {
			return e.complete(ctx, tx, a)
		}
	}
	sc, err := scope(run, steps)
	if err != nil {
		return err
	}
	outputs, err := def.EvalOutputs(sc)
	status, reason := store.RunCompleted, ""
	if err != nil {
		status, reason, outputs = store.RunFailed, "outputs: "+err.Error(), nil
	}
	if err := runs.Finish(ctx, run.ID, status, outputs, reason); err != nil {
		return err
	}
	return e.complete(ctx, tx, a)
}
