package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/engine/spec"
	"github.com/rtgs/sales-automation/internal/groupcommit"
	"github.com/rtgs/sales-automation/internal/store"
)

// BatchQueue is a Queue that also enqueues the step jobs of several runs
// and completes several step jobs, each in one statement. With one, the
// engine commits the step transitions of concurrent attempts in groups.
type BatchQueue interface {
	Queue
	EnqueueRuns(ctx context.Context, tx pgx.Tx, jobs []RunStepJob) error
	CompleteJobs(ctx context.Context, tx pgx.Tx, jobIDs []int64) error
}

// RunStepJob is a step job of a given run.
type RunStepJob struct {
	RunID uuid.UUID
	StepJob
}

// Limits of a group commit.
const (
	// maxGroup bounds the transitions committed together: each holds its
	// run's row lock until the commit.
	maxGroup = 32
	// groupTimeout bounds one group's transaction.
	groupTimeout = 30 * time.Second
)

// batcher commits step transitions in groups. One transaction holds the
// transitions of the attempts that finished while the previous group was
// committing, each exactly what it would be alone: its run's row lock, its
// outcome, the steps it made ready, its run's end. Their first statements
// go in one round trip; then one River insert carries every step job they
// made ready and one statement completes every attempt's job. A group
// commits or rolls back whole, so a transition still commits together
// with its job's completion and its dependants' jobs; neighbours only
// share the transaction's fixed costs (round trips, BEGIN, COMMIT and its
// WAL flush, River's two statements), which are most of a no-op step's.
//
// A group holds one transition per run (a second waits for the next
// group) and locks its runs in run id order, so groups never wait on each
// other in a cycle. A transition that fails rolls its group back: it gets
// its error and the others are committed without it.
type batcher struct {
	e     *Engine
	queue BatchQueue
	group *groupcommit.Group[*pendingTransition]
}

func newBatcher(e *Engine, queue BatchQueue) *batcher {
	b := &batcher{e: e, queue: queue}
	b.group = groupcommit.New(1, maxGroup, b.flush)
	return b
}

// pendingTransition is an attempt's finish (see Engine.finish) waiting for
// its group.
type pendingTransition struct {
	ctx context.Context
	a   Attempt
	def *spec.Definition
	out store.StepOutcome
	err error // the transition's outcome, set by its group
}

// collector gathers the River work of a group's transitions: the jobs they
// enqueue and complete, written once the last transition has run.
type collector struct {
	jobs     []RunStepJob
	complete []int64
}

type collectorKey struct{}

func collectorFrom(ctx context.Context) *collector {
	c, _ := ctx.Value(collectorKey{}).(*collector)
	return c
}

// submit hands the transition to the group being formed and returns its
// outcome once its group has committed or failed. Once a group took it,
// the outcome is the group's even if ctx ends, so the caller never
// reports a transition that then commits.
func (b *batcher) submit(ctx context.Context, p *pendingTransition) error {
	p.ctx = ctx
	if err := b.group.Do(ctx, p); err != nil {
		return err
	}
	return p.err
}

// flush commits the transitions waiting, one group per transition of each
// run: a run's second transition goes in the group after its first.
func (b *batcher) flush(items []*pendingTransition) {
	for len(items) > 0 {
		seen := make(map[uuid.UUID]bool, len(items))
		var group, later []*pendingTransition
		for _, p := range items {
			if seen[p.a.RunID] {
				later = append(later, p)
				continue
			}
			seen[p.a.RunID] = true
			group = append(group, p)
		}
		b.run(group)
		items = later
	}
}

// run commits group, dropping failing transitions one by one; when the
// group's shared statements fail, each transition is tried alone so the
// error reaches only its own.
func (b *batcher) run(group []*pendingTransition) {
	slices.SortFunc(group, func(x, y *pendingTransition) int { return bytes.Compare(x.a.RunID[:], y.a.RunID[:]) })
	for len(group) > 0 {
		failed, err := b.try(group)
		switch {
		case failed >= 0:
			group[failed].err = err
			group = slices.Delete(group, failed, failed+1)
			continue
		case err != nil && len(group) > 1:
			for _, p := range group {
				b.run([]*pendingTransition{p})
			}
			return
		}
		for _, p := range group {
			p.err = err
		}
		return
	}
}

// try runs group's transitions in one transaction and commits it. A
// transition's own error returns its index; an error of the group's
// shared statements returns -1.
func (b *batcher) try(group []*pendingTransition) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	for i, p := range group {
		if err := p.ctx.Err(); err != nil {
			return i, err // the attempt timed out waiting: River retries it
		}
	}
	tx, err := b.e.pool.Begin(ctx)
	if err != nil {
		return -1, fmt.Errorf("begin step transitions: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	outs := make([]store.StepOutcome, len(group))
	for i, p := range group {
		outs[i] = p.out
	}
	fs, err := store.NewWorkflowRuns(tx).LockAndFinishSteps(ctx, outs)
	if err != nil {
		return -1, err
	}
	col := &collector{}
	for i, p := range group {
		// The transition sees its attempt's context values (River's client)
		// but the group's deadline: one attempt's cancellation must not
		// abort its neighbours' transaction.
		pctx, pcancel := context.WithDeadline(context.WithValue(context.WithoutCancel(p.ctx), collectorKey{}, col), deadline)
		f := fs[i]
		if f.Gone || !f.Changed {
			err = b.e.complete(pctx, tx, p.a) // gone, not live, or a repeated transition
		} else {
			err = b.e.proceed(pctx, tx, p.a, p.def, f.Run, p.out.Status, p.out.Reason, f.Steps, f.Added)
		}
		pcancel()
		if err != nil {
			return i, err
		}
	}
	fctx, fcancel := context.WithDeadline(context.WithoutCancel(group[0].ctx), deadline)
	defer fcancel()
	if len(col.jobs) > 0 {
		if err := b.queue.EnqueueRuns(fctx, tx, col.jobs); err != nil {
			return -1, err
		}
	}
	if len(col.complete) > 0 {
		if err := b.queue.CompleteJobs(fctx, tx, col.complete); err != nil {
			return -1, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return -1, fmt.Errorf("commit step transitions: %w", err)
	}
	return -1, nil
}

// complete completes the attempt's job in tx: with its group's, when the
// transition is part of one.
func (e *Engine) complete(ctx context.Context, tx pgx.Tx, a Attempt) error {
	if c := collectorFrom(ctx); c != nil && a.JobID != 0 {
		c.complete = append(c.complete, a.JobID)
		return nil
	}
	if a.Complete == nil {
		return errors.New("workflow: the attempt has no way to complete its job")
	}
	return a.Complete(ctx, tx)
}

// starter records the starts of concurrent attempts (store.StartSteps) in
// one round trip per group, as batcher commits their transitions. A start
// is its own transaction whose record nothing decides by (see StartStep),
// so grouping changes no outcome.
type pendingStart struct {
	start store.StepStart
	out   store.Started
}

// startStep records the attempt's start and reads its run and steps: with
// the other attempts starting, when the engine groups.
func (e *Engine) startStep(ctx context.Context, a Attempt) (store.WorkflowRun, []store.WorkflowStepRun, error) {
	if e.starts == nil {
		return store.NewWorkflowRuns(e.pool).StartStep(ctx, a.RunID, a.Ref, a.Attempt, a.JobID)
	}
	p := &pendingStart{start: store.StepStart{RunID: a.RunID, Ref: a.Ref, Attempt: a.Attempt, JobID: a.JobID}}
	if err := e.starts.Do(ctx, p); err != nil {
		return store.WorkflowRun{}, nil, err
	}
	return p.out.Run, p.out.Steps, p.out.Err
}

// startGroup reads a group's starts; when that fails, each start is tried
// alone so the error reaches only its own.
func (e *Engine) startGroup(group []*pendingStart) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	starts := make([]store.StepStart, len(group))
	for i, p := range group {
		starts[i] = p.start
	}
	st, err := store.NewWorkflowRuns(e.pool).StartSteps(ctx, starts)
	switch {
	case err != nil && len(group) > 1:
		for _, p := range group {
			e.startGroup([]*pendingStart{p})
		}
	case err != nil:
		group[0].out = store.Started{Err: err}
	default:
		for i, p := range group {
			p.out = st[i]
		}
	}
}
