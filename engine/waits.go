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
// spent snoozing (no worker held, no attempt used), or an event.
func (e *Engine) wait(ctx context.Context, a Attempt, def *spec.Definition, st *spec.Step, own store.WorkflowStepRun, sc spec.Scope) error {
	if st.Wait.Event != "" {
		return e.awaitEvent(ctx, a, def, st, sc)
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
// its output shows the message.
func (e *Engine) awaitApproval(ctx context.Context, a Attempt, def *spec.Definition, st *spec.Step, sc spec.Scope) error {
	msg, err := def.Eval(st.Approval.Message, sc)
	if err != nil {
		return e.finish(ctx, a, def, nil, store.StepFailed, nil, "approval message: "+err.Error())
	}
	return e.park(ctx, a, map[string]any{"message": msg}, st.Approval.Timeout, "waiting for approval", nil)
}

// awaitEvent parks an event wait until Signal brings its event: its
// output names the event and key.
func (e *Engine) awaitEvent(ctx context.Context, a Attempt, def *spec.Definition, st *spec.Step, sc spec.Scope) error {
	key := ""
	if st.Wait.Key != "" {
		v, err := def.Eval(st.Wait.Key, sc)
		if err != nil {
			return e.finish(ctx, a, def, nil, store.StepFailed, nil, "wait.key: "+err.Error())
		}
		key = fmt.Sprint(v)
	}
	record := func(ctx context.Context, runs *store.WorkflowRuns) error {
		return runs.AddEventWait(ctx, a.RunID, a.Ref.StepID, st.Wait.Event, key)
	}
	return e.park(ctx, a, map[string]any{"event": st.Wait.Event, "key": key}, st.Wait.Timeout, "waiting for "+st.Wait.Event, record)
}

// park sets a running step waiting, showing shown, and calls record (when
// not nil) in the same transaction. With a timeout the job waits that long
// (snoozing) and then ends the step if it still waits (parkedTimeout);
// without one it completes and the step waits as long as it takes.
func (e *Engine) park(ctx context.Context, a Attempt, shown map[string]any, timeout time.Duration, reason string, record func(context.Context, *store.WorkflowRuns) error) error {
	var parked bool
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		run, err := store.NewWorkflowRuns(tx).Get(ctx, a.RunID, true)
		if err != nil || !live(run) {
			return errors.Join(notGone(err), e.complete(ctx, tx, a))
		}
		if timeout > 0 {
			shown["expires_at"] = time.Now().Add(timeout).UTC()
		}
		runs := store.NewWorkflowRuns(tx)
		if parked, err = runs.Park(ctx, a.RunID, a.Ref, shown); err != nil {
			return err
		}
		if parked && record != nil {
			if err := record(ctx, runs); err != nil {
				return err
			}
		}
		if !parked || timeout <= 0 {
			return e.complete(ctx, tx, a)
		}
		return nil
	})
	if err != nil || !parked || timeout <= 0 {
		return err
	}
	return &WaitError{After: timeout, Reason: reason}
}

// parkedTimeout is a parked step's job coming back: past its timeout, an
// approval nobody decided is rejected, and an event wait completes with
// timed_out (so a `when` can branch on it).
func (e *Engine) parkedTimeout(ctx context.Context, a Attempt, def *spec.Definition, st *spec.Step, own store.WorkflowStepRun) error {
	var timeout time.Duration
	switch st.Kind() {
	case spec.KindApproval:
		timeout = st.Approval.Timeout
	case spec.KindWait:
		timeout = st.Wait.Timeout
	}
	if timeout <= 0 || own.StartedAt == nil {
		return e.completeOnly(ctx, a)
	}
	if left := time.Until(own.StartedAt.Add(timeout)); left > 0 {
		return &WaitError{After: left, Reason: "waiting"}
	}
	if st.Kind() == spec.KindWait {
		// Forgotten first: should the step's outcome fail to commit, its
		// job comes back here, past the timeout, and no event may wake it.
		if err := store.NewWorkflowRuns(e.pool).DropEventWait(ctx, a.RunID, a.Ref.StepID); err != nil {
			return err
		}
		return e.finish(ctx, a, def, nil, store.StepCompleted, map[string]any{"event": st.Wait.Event, "timed_out": true}, "")
	}
	return e.finish(ctx, a, def, nil, store.StepFailed, nil, fmt.Sprintf("not approved within %s", timeout))
}

// Decision errors.
var (
	// ErrNotWaiting: the step is not waiting for a decision (never was,
	// or already decided).
	ErrNotWaiting = errors.New("the step is not waiting for a decision")
	// ErrRunNotRunning: the run has finished or was cancelled.
	ErrRunNotRunning = errors.New("the run is not running")
	// ErrNoApprovalStep: the run's workflow has no approval step of that id.
	ErrNoApprovalStep = errors.New("the run's workflow has no approval step of this id")
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
	if st := def.Step(step); st == nil || st.Kind() != spec.KindApproval {
		return ErrNoApprovalStep
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

// Signal brings event, with key, to the steps waiting for it, in tx: each
// completes with the event's data as its output and its run goes on. It
// returns how many steps it woke. An event nobody waits for is dropped: a
// wait sees only the events signalled while it waits.
func (e *Engine) Signal(ctx context.Context, tx pgx.Tx, event, key string, data map[string]any) (int, error) {
	runs := store.NewWorkflowRuns(tx)
	parked, err := runs.EventWaits(ctx, event, key)
	if err != nil {
		return 0, err
	}
	woken := 0
	for _, p := range parked { // in run order, so concurrent signals lock alike
		ok, err := e.wake(ctx, tx, p, event, key, data)
		if err != nil {
			return woken, err
		}
		if ok {
			woken++
		}
	}
	return woken, nil
}

// wake completes parked step p with the event, under its run's lock; it
// forgets the wait either way, and reports false when the step no longer
// waited (woken by another signal, timed out, or its run ended).
func (e *Engine) wake(ctx context.Context, tx pgx.Tx, p store.ParkedStep, event, key string, data map[string]any) (bool, error) {
	runs := store.NewWorkflowRuns(tx)
	run, err := runs.Get(ctx, p.RunID, true)
	if err != nil {
		return false, notGone(err)
	}
	if err := runs.DropEventWait(ctx, p.RunID, p.StepID); err != nil {
		return false, err
	}
	if !live(run) {
		return false, nil
	}
	def, err := e.definitionByID(ctx, run.DefinitionID)
	if err != nil {
		return false, err
	}
	if st := def.Step(p.StepID); st == nil || st.Kind() != spec.KindWait {
		return false, nil
	}
	if waiting, err := stillWaiting(ctx, runs, p); err != nil || !waiting {
		return false, err
	}
	a := Attempt{RunID: p.RunID, Ref: store.StepRef{StepID: p.StepID, Item: -1},
		Complete: func(context.Context, pgx.Tx) error { return nil }}
	out := map[string]any{"event": event, "key": key, "data": data, "received_at": time.Now().UTC()}
	return true, e.transition(ctx, tx, a, def, run, store.StepCompleted, out, "")
}

// stillWaiting re-reads p under its run's lock.
func stillWaiting(ctx context.Context, runs *store.WorkflowRuns, p store.ParkedStep) (bool, error) {
	steps, err := runs.Steps(ctx, p.RunID)
	if err != nil {
		return false, err
	}
	for _, s := range steps {
		if s.StepID == p.StepID && s.Item == -1 {
			return s.Status == store.StepWaiting, nil
		}
	}
	return false, nil
}
