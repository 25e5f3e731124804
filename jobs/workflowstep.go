package jobs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/actions"
	"github.com/rtgs/sales-automation/internal/store"
)

// KindWorkflowStep runs one step of a workflow run.
const KindWorkflowStep = "workflow_step"

// WorkflowStepArgs names a step (and item) of a run, with the retry and
// timeout its definition gives it, so River applies them.
type WorkflowStepArgs struct {
	RunID  uuid.UUID `json:"run_id"`
	StepID string    `json:"step_id"`
	Item   int       `json:"item"`
	// RetryDelayMS and Exponential are the step's retry backoff; zero
	// delay leaves River's default.
	RetryDelayMS int64 `json:"retry_delay_ms,omitempty"`
	Exponential  bool  `json:"exponential,omitempty"`
	TimeoutMS    int64 `json:"timeout_ms,omitempty"`
}

// Kind implements river.JobArgs.
func (WorkflowStepArgs) Kind() string { return KindWorkflowStep }

// InsertOpts puts steps on the workflow queue. They need no River unique
// key: the engine enqueues a step's job only in the transaction that
// creates its step row, which is unique per run, step and item.
func (WorkflowStepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueWorkflow}
}

// StepQueue enqueues workflow_step jobs through a River client.
type StepQueue struct{}

// Enqueue implements engine.Queue with the client in ctx (a worker's) or
// the one given by the caller through WithClient.
func (q StepQueue) Enqueue(ctx context.Context, tx pgx.Tx, runID uuid.UUID, steps []engine.StepJob) error {
	jobs := make([]engine.RunStepJob, len(steps))
	for i, s := range steps {
		jobs[i] = engine.RunStepJob{RunID: runID, StepJob: s}
	}
	return q.EnqueueRuns(ctx, tx, jobs)
}

// EnqueueRuns implements engine.BatchQueue: one InsertManyTx for the step
// jobs of several runs.
func (StepQueue) EnqueueRuns(ctx context.Context, tx pgx.Tx, jobs []engine.RunStepJob) error {
	client, err := clientFor(ctx)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, s := range jobs {
		args := WorkflowStepArgs{RunID: s.RunID, StepID: s.StepID, Item: s.Item, TimeoutMS: s.Timeout}
		if s.Retry != nil {
			args.RetryDelayMS, args.Exponential = s.Retry.Delay.Milliseconds(), s.Retry.Backoff == "exponential"
		}
		params[i] = river.InsertManyParams{Args: args, InsertOpts: &river.InsertOpts{MaxAttempts: s.MaxAttempts}}
	}
	if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue workflow steps: %w", err)
	}
	return nil
}

// CompleteJobs implements engine.BatchQueue: the step jobs of a group of
// transitions are completed in tx by one statement, the one River's
// JobCompleteTx runs for a single job (JobSetStateIfRunningMany). A job no
// longer running (cancelled meanwhile) is left as it is.
func (StepQueue) CompleteJobs(ctx context.Context, tx pgx.Tx, jobIDs []int64) error {
	client, err := clientFor(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	p := &riverdriver.JobSetStateIfRunningManyParams{Schema: client.Schema()}
	for _, id := range jobIDs {
		s := riverdriver.JobSetStateCompleted(id, now, nil)
		p.ID = append(p.ID, s.ID)
		p.Attempt = append(p.Attempt, s.Attempt)
		p.ErrData = append(p.ErrData, s.ErrData)
		p.FinalizedAt = append(p.FinalizedAt, s.FinalizedAt)
		p.MetadataDoMerge = append(p.MetadataDoMerge, false)
		p.MetadataUpdates = append(p.MetadataUpdates, nil)
		p.ScheduledAt = append(p.ScheduledAt, s.ScheduledAt)
		p.State = append(p.State, s.State)
	}
	if _, err := client.Driver().UnwrapExecutor(tx).JobSetStateIfRunningMany(ctx, p); err != nil {
		return fmt.Errorf("complete workflow step jobs: %w", err)
	}
	return nil
}

type clientKey struct{}

// WithClient puts client into ctx for StepQueue, for callers outside a
// worker (the API starting a run).
func WithClient(ctx context.Context, client *river.Client[pgx.Tx]) context.Context {
	return context.WithValue(ctx, clientKey{}, client)
}

func clientFor(ctx context.Context) (*river.Client[pgx.Tx], error) {
	if c, ok := ctx.Value(clientKey{}).(*river.Client[pgx.Tx]); ok {
		return c, nil
	}
	return river.ClientFromContextSafely[pgx.Tx](ctx)
}

// WorkflowStepWorker works WorkflowStepArgs through the engine: the
// step's outcome, the steps it made ready and this job's completion
// commit in one transaction (engine.RunStep).
type WorkflowStepWorker struct {
	river.WorkerDefaults[WorkflowStepArgs]

	engine *engine.Engine
}

// workflowEngine is the engine of the platform's actions, which runs the
// workflow_step jobs and takes campaign events to event waits.
func workflowEngine(deps Deps) (*engine.Engine, error) {
	cat, err := actions.Builtin()
	if err != nil {
		return nil, fmt.Errorf("workflow actions: %w", err)
	}
	return engine.New(deps.Pool, cat, workflowActions(deps), StepQueue{}), nil
}

// NewWorkflowStepWorker returns the worker running steps on e.
func NewWorkflowStepWorker(e *engine.Engine) *WorkflowStepWorker {
	return &WorkflowStepWorker{engine: e}
}

// Timeout is the step's timeout, or River's default.
func (w *WorkflowStepWorker) Timeout(job *river.Job[WorkflowStepArgs]) time.Duration {
	return time.Duration(job.Args.TimeoutMS) * time.Millisecond
}

// NextRetry applies the step's retry backoff: a fixed delay, or doubling
// from it.
func (w *WorkflowStepWorker) NextRetry(job *river.Job[WorkflowStepArgs]) time.Time {
	d := time.Duration(job.Args.RetryDelayMS) * time.Millisecond
	if d <= 0 {
		return time.Time{} // River's default
	}
	if job.Args.Exponential {
		d = time.Duration(float64(d) * math.Pow(2, float64(min(job.Attempt-1, 20))))
	}
	return time.Now().Add(min(d, 24*time.Hour))
}

// Work runs the step; see the type's comment.
func (w *WorkflowStepWorker) Work(ctx context.Context, job *river.Job[WorkflowStepArgs]) error {
	err := w.engine.RunStep(ctx, engine.Attempt{
		RunID: job.Args.RunID, Ref: store.StepRef{StepID: job.Args.StepID, Item: job.Args.Item},
		Attempt: job.Attempt, MaxAttempts: job.MaxAttempts, JobID: job.ID,
		Complete: func(ctx context.Context, tx pgx.Tx) error {
			_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
			return err
		},
	})
	var wait *engine.WaitError
	if errors.As(err, &wait) {
		return river.JobSnooze(wait.After)
	}
	return err
}

// WakeRun implements engine.Waker: the run's snoozed step jobs become
// available now (River's JobRetryTx, which leaves a running job alone). A
// snooze shorter than River's scheduler interval leaves its job available
// with a future scheduled_at, so those are woken too; jobs waiting out a
// retry's backoff (retryable) are not.
func (StepQueue) WakeRun(ctx context.Context, tx pgx.Tx, run uuid.UUID) error {
	client, err := clientFor(ctx)
	if err != nil {
		return err
	}
	ids, err := runJobs(ctx, tx, run, `(state = 'scheduled' OR (state = 'available' AND scheduled_at > now()))`)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := client.JobRetryTx(ctx, tx, id); err != nil {
			return fmt.Errorf("wake job %d: %w", id, err)
		}
	}
	return nil
}

// runJobs are the ids of run's workflow_step jobs in the states cond
// selects.
func runJobs(ctx context.Context, tx pgx.Tx, run uuid.UUID, cond string) ([]int64, error) {
	rows, err := tx.Query(ctx, `
		SELECT id FROM river_job
		WHERE kind = $1 AND args @> jsonb_build_object('run_id', $2::text) AND `+cond, KindWorkflowStep, run)
	if err != nil {
		return nil, fmt.Errorf("find run jobs: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("find run jobs: %w", err)
	}
	return ids, nil
}

// CancelRunJobs cancels, in tx, the workflow_step jobs of run that have
// not finished: queued ones never start, and a running one is told to stop
// (its step's outcome is refused anyway, the run being cancelled).
func CancelRunJobs(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], run uuid.UUID) (int, error) {
	ids, err := runJobs(ctx, tx, run, `state NOT IN ('completed', 'cancelled', 'discarded')`)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if _, err := client.JobCancelTx(ctx, tx, id); err != nil {
			return 0, fmt.Errorf("cancel job %d: %w", id, err)
		}
	}
	return len(ids), nil
}
