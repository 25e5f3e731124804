package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rtgs/sales-automation/engine/spec"
	"github.com/rtgs/sales-automation/internal/groupcommit"
	"github.com/rtgs/sales-automation/internal/store"
)

// Action runs one step (or one item of a foreach step). It may run again
// for the same invocation (a worker can die after the action and before
// its result is stored), so it passes IdempotencyKey on to vendors that
// take one and is otherwise safe to repeat.
type Action interface {
	Run(ctx context.Context, in Invocation) (any, error)
}

// ActionFunc adapts a function to Action.
type ActionFunc func(ctx context.Context, in Invocation) (any, error)

// Run implements Action.
func (f ActionFunc) Run(ctx context.Context, in Invocation) (any, error) { return f(ctx, in) }

// Invocation is what an action is asked to do.
type Invocation struct {
	RunID  uuid.UUID
	StepID string
	Item   int // -1 outside foreach
	// IdempotencyKey is the same every time this step (and item) of this
	// run is invoked: run/step/item.
	IdempotencyKey string
	Inputs         map[string]any
}

// PermanentError marks an action failure a retry cannot help (bad input,
// a refusal): the step fails at once instead of using its attempts.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// StepJob is a step (and item) to run as a job, with the attempts and
// retry delays its definition gives it.
type StepJob struct {
	store.StepRef
	MaxAttempts int
	Retry       *spec.Retry
	Timeout     int64 // milliseconds; 0 is the queue's default
}

// Queue enqueues step jobs in the caller's transaction (River's
// InsertManyTx, from the jobs package).
type Queue interface {
	Enqueue(ctx context.Context, tx pgx.Tx, runID uuid.UUID, jobs []StepJob) error
}

// DefaultMaxAttempts is a step's attempts without a retry block.
const DefaultMaxAttempts = 3

// Engine starts runs and runs their steps.
type Engine struct {
	pool    *pgxpool.Pool
	catalog spec.Catalog
	actions map[string]Action
	queue   Queue
	batch   *batcher                          // nil: each transition commits alone
	starts  *groupcommit.Group[*pendingStart] // nil: each attempt records its start alone

	mu   sync.Mutex
	defs map[uuid.UUID]*spec.Definition // parsed definitions; immutable once stored
}

// New returns an engine over pool that validates against catalog, runs
// steps with actions and enqueues them through queue.
// With a BatchQueue, concurrent transitions commit in groups (batcher).
func New(pool *pgxpool.Pool, catalog spec.Catalog, actions map[string]Action, queue Queue) *Engine {
	e := &Engine{pool: pool, catalog: catalog, actions: actions, queue: queue, defs: map[uuid.UUID]*spec.Definition{}}
	if bq, ok := queue.(BatchQueue); ok {
		e.batch = newBatcher(e, bq)
		e.starts = groupcommit.New(1, maxGroup, e.startGroup)
	}
	return e
}

// maxCachedDefinitions bounds the parsed definitions kept in memory.
const maxCachedDefinitions = 1000

// definition parses a stored definition once per process.
func (e *Engine) definition(row store.WorkflowDefinition) (*spec.Definition, error) {
	e.mu.Lock()
	def, ok := e.defs[row.ID]
	e.mu.Unlock()
	if ok {
		return def, nil
	}
	def, diags := spec.Load(row.Name+".yaml", []byte(row.Source), spec.Limits{}, e.catalog)
	if len(diags) > 0 {
		return nil, fmt.Errorf("stored workflow %s v%d no longer validates: %w", row.Name, row.Version, diags.Err())
	}
	e.mu.Lock()
	if len(e.defs) >= maxCachedDefinitions {
		clear(e.defs)
	}
	e.defs[row.ID] = def
	e.mu.Unlock()
	return def, nil
}

// definitionByID returns the parsed definition with id, read from the
// database only the first time.
func (e *Engine) definitionByID(ctx context.Context, id uuid.UUID) (*spec.Definition, error) {
	e.mu.Lock()
	def, ok := e.defs[id]
	e.mu.Unlock()
	if ok {
		return def, nil
	}
	row, err := store.NewWorkflowDefinitions(e.pool).GetByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.definition(row)
}

// InputError is a run's inputs failing the workflow's declarations.
type InputError struct{ Diagnostics spec.Diagnostics }

func (e *InputError) Error() string { return "invalid run inputs: " + e.Diagnostics.Error() }

// StartRequest starts a run of a workflow.
type StartRequest struct {
	Name    string
	Version int // 0: the latest
	Inputs  map[string]any
	APIKey  *uuid.UUID
	// DryRun follows the real plan and branching with every action
	// stubbed by its declared output schema: nothing is written but the
	// run's own records.
	DryRun bool
}

// Start creates a run pinned to the definition's version and enqueues
// its first steps, in tx. store.ErrNotFound: no such workflow or version;
// *InputError: the inputs do not fit.
func (e *Engine) Start(ctx context.Context, tx pgx.Tx, req StartRequest) (store.WorkflowRun, error) {
	row, err := store.NewWorkflowDefinitions(tx).Get(ctx, req.Name, req.Version)
	if err != nil {
		return store.WorkflowRun{}, err
	}
	def, err := e.definition(row)
	if err != nil {
		return store.WorkflowRun{}, err
	}
	inputs, diags := def.BindInputs(req.Inputs)
	if len(diags) > 0 {
		return store.WorkflowRun{}, &InputError{Diagnostics: diags}
	}
	runs := store.NewWorkflowRuns(tx)
	run, err := runs.Create(ctx, row, inputs, req.DryRun, req.APIKey)
	if err != nil {
		return run, err
	}
	refs := make([]store.StepRef, 0)
	for _, id := range def.Roots() {
		refs = append(refs, store.StepRef{StepID: id, Item: -1})
	}
	_, err = e.enqueue(ctx, tx, run.ID, def, refs)
	return run, err
}

// enqueue creates the step rows of refs not created yet and queues their
// jobs.
func (e *Engine) enqueue(ctx context.Context, tx pgx.Tx, runID uuid.UUID, def *spec.Definition, refs []store.StepRef) (int, error) {
	added, err := store.NewWorkflowRuns(tx).AddSteps(ctx, runID, refs)
	if err != nil {
		return 0, err
	}
	return len(added), e.queueJobs(ctx, tx, runID, def, added)
}

// queueJobs enqueues in tx the jobs of step rows just created.
func (e *Engine) queueJobs(ctx context.Context, tx pgx.Tx, runID uuid.UUID, def *spec.Definition, refs []store.StepRef) error {
	if len(refs) == 0 {
		return nil
	}
	jobs := make([]StepJob, len(refs))
	for i, ref := range refs {
		st := def.Step(ref.StepID)
		jobs[i] = StepJob{StepRef: ref, MaxAttempts: DefaultMaxAttempts, Retry: st.Retry, Timeout: st.Timeout.Milliseconds()}
		if st.Retry != nil && st.Retry.MaxAttempts > 0 {
			jobs[i].MaxAttempts = st.Retry.MaxAttempts
		}
	}
	if c := collectorFrom(ctx); c != nil {
		for _, j := range jobs {
			c.jobs = append(c.jobs, RunStepJob{RunID: runID, StepJob: j})
		}
		return nil
	}
	return e.queue.Enqueue(ctx, tx, runID, jobs)
}

// scope is what a run's expressions see: its inputs and the outputs of
// its finished steps.
func scope(run store.WorkflowRun, steps []store.WorkflowStepRun) (spec.Scope, error) {
	sc := spec.Scope{Inputs: run.Inputs, Steps: map[string]spec.StepState{}, Index: -1,
		Run: spec.RunInfo{ID: run.ID.String(), Name: run.Name, Version: run.Version}}
	for _, st := range steps {
		if st.Item != -1 {
			continue
		}
		var out any
		if len(st.Output) > 0 {
			if err := json.Unmarshal(st.Output, &out); err != nil {
				return sc, fmt.Errorf("step %s output: %w", st.StepID, err)
			}
		}
		sc.Steps[st.StepID] = spec.StepState{Status: st.Status, Output: out}
	}
	return sc, nil
}

// Cancel cancels run id in tx (the caller cancels its step jobs in the
// same transaction). Cancel wins: a step finishing afterwards finds the
// run cancelled and stores nothing. ErrWrongState for a run that had
// already finished; store.ErrNotFound for no such run.
func (e *Engine) Cancel(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	runs := store.NewWorkflowRuns(tx)
	if _, err := runs.Get(ctx, id, true); err != nil {
		return err
	}
	ok, err := runs.Cancel(ctx, id)
	if err == nil && !ok {
		err = ErrWrongState
	}
	return err
}

// WaitError asks for the step to be run again after a while without
// using an attempt: the action started work that finishes elsewhere
// (enrichment jobs) and looks again later.
type WaitError struct {
	After  time.Duration
	Reason string
}

func (e *WaitError) Error() string { return "waiting: " + e.Reason }
