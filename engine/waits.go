package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/engine/spec"
	"github.com/rtgs/sales-automation/internal/store"
)

// wait runs a wait step: a duration counted from the step's first start,
// spent snoozing (no worker held, no attempt used).
func (e *Engine) wait(ctx context.Context, a Attempt, def *spec.Definition, st *spec.Step, own store.WorkflowStepRun) error {
	if st.Wait.Event != "" {
		return e.finish(ctx, a, def, nil, store.StepFailed, nil, "waiting for events ("+st.Wait.Event+") is not supported yet")
	}
	started := time.Now()
	if own.StartedAt != nil {
		started = *own.StartedAt
	}
	due := started.Add(st.Wait.Duration)
	if left := time.Until(due); left > 0 {
		return &WaitError{After: left, Reason: "waiting until " + due.UTC().Format(time.RFC3339)}
	}
	return e.finish(ctx, a, def, nil, store.StepCompleted, map[string]any{"waited_until": due.UTC()}, "")
}

// awaitApproval parks an approval step until a person decides (Decide):
// its output shows the message. With a timeout the job waits that long
// (snoozing) and then rejects the step if nobody decided; without one it
// completes and the step waits as long as it takes.
func (e *Engine) awaitApproval(ctx context.Context, a Attempt, def *spec.Definition, st *spec.Step, sc spec.Scope) error {
	msg, err := def.Eval(st.Approval.Message, sc)
	if err != nil {
		return e.finish(ctx, a, def, nil, store.StepFailed, nil, "approval message: "+err.Error())
	}
	var parked bool
	err = pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		run, err := store.NewWorkflowRuns(tx).Get(ctx, a.RunID, true)
		if err != nil || !live(run) {
			return errors.Join(notGone(err), a.Complete(ctx, tx))
		}
		shown := map[string]any{"message": msg}
		if st.Approval.Timeout > 0 {
			shown["expires_at"] = time.Now().Add(st.Approval.Timeout).UTC()
		}
		if parked, err = store.NewWorkflowRuns(tx).AwaitDecision(ctx, a.RunID, a.Ref, shown); err != nil {
			return err
		}
		if !parked || st.Approval.Timeout <= 0 {
			return a.Complete(ctx, tx)
		}
		return nil
	})
	if err != nil || !parked || st.Approval.Timeout <= 0 {
		return err
	}
	return &WaitError{After: st.Approval.Timeout, Reason: "waiting for approval"}
}

// approvalTimeout is an approval step's job coming back: past its timeout
// with nobody having decided, the step is rejected.
func (e *Engine) approvalTimeout(ctx context.Context, a Attempt, def *spec.Definition, st *spec.Step, own store.WorkflowStepRun) error {
	if st.Kind() != spec.KindApproval || st.Approval.Timeout <= 0 || own.StartedAt == nil {
		return e.completeOnly(ctx, a)
	}
	if left := time.Until(own.StartedAt.Add(st.Approval.Timeout)); left > 0 {
		return &WaitError{After: left, Reason: "waiting for approval"}
	}
	return e.finish(ctx, a, def, nil, store.StepFailed, nil, fmt.Sprintf("not approved within %s", st.Approval.Timeout))
}

// Decision errors.
var (
	// ErrNotWaiting: the step is not waiting for a decision (never was,
	// or already decided).
	ErrNotWaiting = errors.New("the step is not waiting for a decision")
	// ErrRunNotRunning: the run has finished or was cancelled.
	ErrRunNotRunning = errors.New("the run is not running")
)

// Decide approves or rejects a waiting approval step of run id, in tx, with
// what follows from it. A rejection fails the step (on_error applies).
func (e *Engine) Decide(ctx context.Context, tx pgx.Tx, id uuid.UUID, step string, approve bool, comment string) error {
	runs := store.NewWorkflowRuns(tx)
	run, err := runs.Get(ctx, id, true)
	if err != nil {
		return err
	}
	if !live(run) {
		return ErrRunNotRunning
	}
	def, err := e.definitionByID(ctx, run.DefinitionID)
	if err != nil {
		return err
	}
	steps, err := runs.Steps(ctx, id)
	if err != nil {
		return err
	}
	waiting := false
	for _, s := range steps {
		waiting = waiting || (s.StepID == step && s.Item == -1 && s.Status == store.StepWaiting)
	}
	if !waiting {
		return ErrNotWaiting
	}
	a := Attempt{RunID: id, Ref: store.StepRef{StepID: step, Item: -1},
		Complete: func(context.Context, pgx.Tx) error { return nil }}
	decision := map[string]any{"approved": approve, "comment": comment, "decided_at": time.Now().UTC()}
	if approve {
		return e.transition(ctx, tx, a, def, run, store.StepCompleted, decision, "")
	}
	return e.transition(ctx, tx, a, def, run, store.StepFailed, decision, "rejected: "+comment)
}
