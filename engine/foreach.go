package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/engine/spec"
	"github.com/rtgs/sales-automation/internal/store"
)

// DefaultConcurrency is how many items of a foreach step run at once
// when the step sets no concurrency.
const DefaultConcurrency = 10

// MaxForeachItems bounds the list a foreach step fans out.
const MaxForeachItems = 10_000

func concurrency(st *spec.Step) int {
	if st.Concurrency > 0 {
		return st.Concurrency
	}
	return DefaultConcurrency
}

// items evaluates the foreach list; the same every time, since it reads
// only inputs and the outputs of finished steps.
func items(def *spec.Definition, st *spec.Step, sc spec.Scope) ([]any, error) {
	list, err := def.EvalList(st.Foreach, sc)
	if err != nil {
		return nil, err
	}
	if len(list) > MaxForeachItems {
		return nil, fmt.Errorf("foreach gave %d items, more than %d", len(list), MaxForeachItems)
	}
	return list, nil
}

// startForeach is the job of a foreach step itself: it evaluates the list
// and, in one transaction, enqueues the first items (up to the step's
// concurrency) and completes. An empty list completes the step with [].
// The step stays running until its last item finishes (finishItem).
func (e *Engine) startForeach(ctx context.Context, a Attempt, def *spec.Definition, st *spec.Step, sc spec.Scope) error {
	list, err := items(def, st, sc)
	if err != nil {
		return e.finish(ctx, a, def, nil, store.StepFailed, nil, "foreach: "+err.Error())
	}
	if len(list) == 0 {
		return e.finish(ctx, a, def, nil, store.StepCompleted, []any{}, "")
	}
	return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		run, err := store.NewWorkflowRuns(tx).Get(ctx, a.RunID, true)
		if err != nil || !live(run) {
			return errors.Join(notGone(err), e.complete(ctx, tx, a))
		}
		refs := make([]store.StepRef, min(len(list), concurrency(st)))
		for i := range refs {
			refs[i] = store.StepRef{StepID: st.ID, Item: i}
		}
		if _, err := e.enqueue(ctx, tx, a.RunID, def, refs); err != nil {
			return err
		}
		return e.complete(ctx, tx, a)
	})
}

// finishItem is an item's transition, under the run's lock: its outcome;
// the next item not started yet, keeping the concurrency; and, when it was
// the last, the step's own outcome (the items' outputs, in order), with
// what follows from it as for any step.
func (e *Engine) finishItem(ctx context.Context, a Attempt, def *spec.Definition, total int, status string, output any, reason string) error {
	return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		runs := store.NewWorkflowRuns(tx)
		run, err := runs.Get(ctx, a.RunID, true)
		if err != nil || !live(run) {
			return errors.Join(notGone(err), e.complete(ctx, tx, a))
		}
		changed, err := runs.FinishStep(ctx, a.RunID, a.Ref, status, output, reason)
		if err != nil || !changed {
			return errors.Join(err, e.complete(ctx, tx, a))
		}
		st := def.Step(a.Ref.StepID)
		if status == store.StepFailed {
			if err := runs.AddFailure(ctx, a.RunID, a.Ref, reason); err != nil {
				return err
			}
		}
		steps, err := runs.Steps(ctx, a.RunID)
		if err != nil {
			return err
		}
		outs := make([]json.RawMessage, total)
		created, finished, failed := 0, 0, ""
		for _, s := range steps {
			if s.StepID != st.ID || s.Item < 0 || s.Item >= total {
				continue
			}
			created++
			switch s.Status {
			case store.StepQueued, store.StepRunning, store.StepWaiting:
			default:
				finished++
				outs[s.Item] = s.Output
				if s.Status == store.StepFailed && st.OnError != "continue" && failed == "" {
					failed = fmt.Sprintf("item %d: %s", s.Item, s.Error)
				}
			}
		}
		if failed != "" {
			// The step fails with its first failed item; the items still
			// running find the step finished and store nothing more.
			return e.finishParent(ctx, tx, a, def, run, store.StepFailed, nil, failed)
		}
		if created < total {
			if _, err := e.enqueue(ctx, tx, a.RunID, def, []store.StepRef{{StepID: st.ID, Item: created}}); err != nil {
				return err
			}
		}
		if finished < total {
			return e.complete(ctx, tx, a)
		}
		return e.finishParent(ctx, tx, a, def, run, store.StepCompleted, outs, "")
	})
}

// finishParent concludes a foreach step from its items' transaction.
func (e *Engine) finishParent(ctx context.Context, tx pgx.Tx, a Attempt, def *spec.Definition, run store.WorkflowRun, status string, output any, reason string) error {
	parent := Attempt{RunID: a.RunID, Ref: store.StepRef{StepID: a.Ref.StepID, Item: -1}, JobID: a.JobID, Complete: a.Complete}
	return e.transition(ctx, tx, parent, def, run, status, output, reason)
}

// notGone drops store.ErrNotFound: a run deleted meanwhile leaves the job
// nothing to do.
func notGone(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
