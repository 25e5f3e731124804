package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// WorkflowRun is one row of workflow_states: a run of a pinned definition.
type WorkflowRun struct {
	ID           uuid.UUID
	DefinitionID uuid.UUID
	Name         string
	Version      int
	Status       string
	DryRun       bool
	Inputs       map[string]any
	Outputs      map[string]any
	Error        string
	APIKeyID     *uuid.UUID
	CreatedAt    time.Time
	StartedAt    *time.Time
	FinishedAt   *time.Time
	UpdatedAt    time.Time
}

// Run and step statuses.
const (
	RunRunning   = "running"
	RunPaused    = "paused"
	RunCompleted = "completed"
	RunFailed    = "failed"
	RunCancelled = "cancelled"

	StepQueued    = "queued"
	StepRunning   = "running"
	StepCompleted = "completed"
	StepFailed    = "failed"
	StepSkipped   = "skipped"
	StepWaiting   = "waiting"
	StepCancelled = "cancelled"
)

// WorkflowStepRun is one row of workflow_step_runs: a step (or one item of
// a foreach step) of a run.
type WorkflowStepRun struct {
	StepID     string
	Item       int // -1 for the step itself
	Status     string
	Attempts   int
	Output     json.RawMessage
	Error      string
	JobID      *int64
	StartedAt  *time.Time
	FinishedAt *time.Time
	CreatedAt  time.Time
}

// StepRef names a step (and item) of a run.
type StepRef struct {
	StepID string
	Item   int
}

// WorkflowRuns holds the SQL of workflow_states, workflow_step_runs and
// workflow_failures.
type WorkflowRuns struct{ db Batcher }

// Batcher is a pool or a transaction: DBTX that also pipelines a batch of
// statements in one round trip.
type Batcher interface {
	DBTX
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// NewWorkflowRuns returns the queries on db, a pool or a transaction.
func NewWorkflowRuns(db Batcher) *WorkflowRuns { return &WorkflowRuns{db: db} }

const runColumns = `id, definition_id, workflow_name, version, status, dry_run, inputs, outputs, error,
	api_key_id, created_at, started_at, finished_at, updated_at`

func scanRun(row pgx.Row) (WorkflowRun, error) {
	var r WorkflowRun
	err := row.Scan(&r.ID, &r.DefinitionID, &r.Name, &r.Version, &r.Status, &r.DryRun, &r.Inputs, &r.Outputs,
		&r.Error, &r.APIKeyID, &r.CreatedAt, &r.StartedAt, &r.FinishedAt, &r.UpdatedAt)
	return r, err
}

// Create inserts a running run of definition d and returns it.
func (s *WorkflowRuns) Create(ctx context.Context, d WorkflowDefinition, inputs map[string]any, dryRun bool, apiKey *uuid.UUID) (WorkflowRun, error) {
	r, err := scanRun(s.db.QueryRow(ctx, `
		INSERT INTO workflow_states (definition_id, workflow_name, version, status, dry_run, inputs, api_key_id, started_at)
		VALUES ($1, $2, $3, 'running', $4, $5, $6, now())
		RETURNING `+runColumns, d.ID, d.Name, d.Version, dryRun, inputs, apiKey))
	if err != nil {
		return r, fmt.Errorf("create workflow run: %w", err)
	}
	return r, nil
}

// Get returns run id; lock takes its row lock, which every transition of
// the run holds, so transitions are applied one at a time.
func (s *WorkflowRuns) Get(ctx context.Context, id uuid.UUID, lock bool) (WorkflowRun, error) {
	q := `SELECT ` + runColumns + ` FROM workflow_states WHERE id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	r, err := scanRun(s.db.QueryRow(ctx, q, id))
	if err != nil {
		return r, notFound(fmt.Errorf("workflow run: %w", err))
	}
	return r, nil
}

// Finish sets a run's final status, outputs and error.
func (s *WorkflowRuns) Finish(ctx context.Context, id uuid.UUID, status string, outputs map[string]any, reason string) error {
	_, err := s.db.Exec(ctx, `
		UPDATE workflow_states SET status = $2, outputs = $3, error = $4, finished_at = now(), updated_at = now()
		WHERE id = $1`, id, status, outputs, reason)
	if err != nil {
		return fmt.Errorf("finish workflow run: %w", err)
	}
	return nil
}

// AddSteps creates queued rows for refs and returns those that were not
// there yet.
func (s *WorkflowRuns) AddSteps(ctx context.Context, runID uuid.UUID, refs []StepRef) ([]StepRef, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	ids, items := refColumns(refs)
	rows, err := s.db.Query(ctx, `
		INSERT INTO workflow_step_runs (run_id, step_id, item_index, status)
		SELECT $1, u.step_id, u.item, 'queued' FROM unnest($2::text[], $3::int[]) AS u (step_id, item)
		ON CONFLICT (run_id, step_id, item_index) DO NOTHING
		RETURNING step_id, item_index`, runID, ids, items)
	if err != nil {
		return nil, fmt.Errorf("add workflow steps: %w", err)
	}
	return collect(rows, "add workflow steps", func(r pgx.CollectableRow) (StepRef, error) {
		var ref StepRef
		return ref, r.Scan(&ref.StepID, &ref.Item)
	})
}

// Steps returns every step row of a run, in creation order.
func (s *WorkflowRuns) Steps(ctx context.Context, runID uuid.UUID) ([]WorkflowStepRun, error) {
	rows, err := s.db.Query(ctx, `
		SELECT `+stepColumns+` FROM workflow_step_runs WHERE run_id = $1 ORDER BY created_at, step_id, item_index`, runID)
	if err != nil {
		return nil, fmt.Errorf("workflow steps: %w", err)
	}
	return collect(rows, "workflow steps", scanStepRun)
}

func scanStepRun(r pgx.CollectableRow) (WorkflowStepRun, error) {
	var st WorkflowStepRun
	return st, r.Scan(&st.StepID, &st.Item, &st.Status, &st.Attempts, &st.Output, &st.Error, &st.JobID,
		&st.StartedAt, &st.FinishedAt, &st.CreatedAt)
}

const stepColumns = `step_id, item_index, status, attempts, output, error, job_id, started_at, finished_at, created_at`

// StartStep reads run runID and, when it is running, records an attempt of
// a step by a job; it returns the run and every step row of the run as it
// was before (the step's own row with its status before this attempt), in
// one round trip.
//
// The record is for people watching the run, nothing decides by it, so it
// commits without waiting for its WAL flush: a database crash may forget
// it, never the step's outcome, which its transition writes durably. Its
// statements, like a transition's, are lookups by key, planned once per
// connection (a generic plan) rather than at every execution.
func (s *WorkflowRuns) StartStep(ctx context.Context, runID uuid.UUID, ref StepRef, attempt int, jobID int64) (WorkflowRun, []WorkflowStepRun, error) {
	st, err := s.StartSteps(ctx, []StepStart{{RunID: runID, Ref: ref, Attempt: attempt, JobID: jobID}})
	if err != nil {
		return WorkflowRun{}, nil, err
	}
	return st[0].Run, st[0].Steps, st[0].Err
}

// StepStart is an attempt of a step by a job.
type StepStart struct {
	RunID   uuid.UUID
	Ref     StepRef
	Attempt int
	JobID   int64
}

// Started is what StartSteps read for one attempt: its run and the run's
// step rows, or Err (ErrNotFound for a run that does not exist).
type Started struct {
	Run   WorkflowRun
	Steps []WorkflowStepRun
	Err   error
}

// StartSteps is StartStep for several attempts in one round trip.
func (s *WorkflowRuns) StartSteps(ctx context.Context, starts []StepStart) ([]Started, error) {
	out := make([]Started, len(starts))
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('synchronous_commit', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true)`)
	for i, st := range starts {
		o := &out[i]
		b.Queue(`SELECT `+runColumns+` FROM workflow_states WHERE id = $1`, st.RunID).Query(func(rows pgx.Rows) error {
			runs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (WorkflowRun, error) { return scanRun(r) })
			if len(runs) == 0 && err == nil {
				o.Err = fmt.Errorf("start workflow step: %w", ErrNotFound)
			} else if len(runs) > 0 {
				o.Run = runs[0]
			}
			return err
		})
		b.Queue(`
			WITH started AS (
				UPDATE workflow_step_runs SET status = 'running', attempts = $4, job_id = $5, started_at = coalesce(started_at, now())
				WHERE run_id = $1 AND step_id = $2 AND item_index = $3 AND status IN ('queued', 'running')
					AND EXISTS (SELECT 1 FROM workflow_states WHERE id = $1 AND status = 'running')
				RETURNING 1)
			SELECT `+stepColumns+` FROM workflow_step_runs WHERE run_id = $1 ORDER BY created_at, step_id, item_index`,
			st.RunID, st.Ref.StepID, st.Ref.Item, st.Attempt, st.JobID).Query(func(rows pgx.Rows) error {
			var err error
			o.Steps, err = pgx.CollectRows(rows, scanStepRun)
			return err
		})
	}
	if err := s.db.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("start workflow steps: %w", err)
	}
	return out, nil
}

// Finished is what LockAndFinishStep found and did.
type Finished struct {
	Run WorkflowRun
	// Changed: the step was unfinished and the run live (running or
	// paused), so its outcome was stored; otherwise nothing was written.
	Changed bool
	// Added are the rows of then created for the steps asked to be
	// added (queued; those already there are left out).
	Added []StepRef
	// Steps are the run's step rows after the change.
	Steps []WorkflowStepRun
	// Gone: the run does not exist (any more); nothing was written.
	Gone bool
}

// LockAndFinishStep is a step's transition in tx in one round trip: it
// takes the run's row lock, stores the step's outcome when the run is live
// and the step unfinished, and then creates queued rows for add and reads
// every step row of the run. Each statement runs after the lock is held,
// so each sees what the transitions before this one committed.
func (s *WorkflowRuns) LockAndFinishStep(ctx context.Context, runID uuid.UUID, ref StepRef, status string, output any, reason string, add []StepRef) (Finished, error) {
	fs, err := s.LockAndFinishSteps(ctx, []StepOutcome{{RunID: runID, Ref: ref, Status: status, Output: output, Reason: reason, Add: add}})
	if err != nil {
		return Finished{}, err
	}
	if fs[0].Gone {
		return fs[0], fmt.Errorf("finish workflow step: %w", ErrNotFound)
	}
	return fs[0], nil
}

// StepOutcome is a step's outcome to store, with the dependants to create
// with it.
type StepOutcome struct {
	RunID  uuid.UUID
	Ref    StepRef
	Status string
	Output any
	Reason string
	Add    []StepRef
}

// LockAndFinishSteps is LockAndFinishStep for the outcomes of steps of
// distinct runs, in one round trip, taking the runs' locks in the order
// given. A run that no longer exists is Gone in its Finished.
func (s *WorkflowRuns) LockAndFinishSteps(ctx context.Context, outs []StepOutcome) ([]Finished, error) {
	fs := make([]Finished, len(outs))
	b := &pgx.Batch{}
	// The transition's own statements are lookups by key: a generic plan
	// per connection serves them as well as planning at every execution,
	// at a fraction of the CPU. Set for these statements only.
	b.Queue(`SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`)
	for i, o := range outs {
		queueFinish(b, o, &fs[i])
	}
	// River's statements that follow in the transaction (the insert of the
	// next steps' jobs, the jobs' completion) take arrays whose sizes a
	// generic plan cannot see: they keep being planned per execution, which
	// measured at about half the time of their generic plans.
	b.Queue(`SELECT set_config('plan_cache_mode', 'auto', true)`)
	if err := s.db.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("finish workflow steps: %w", err)
	}
	return fs, nil
}

// queueFinish queues one outcome's statements, which fill f.
func queueFinish(b *pgx.Batch, o StepOutcome, f *Finished) {
	ids, items := refColumns(o.Add)
	b.Queue(`SELECT `+runColumns+` FROM workflow_states WHERE id = $1 FOR UPDATE`, o.RunID).Query(func(rows pgx.Rows) error {
		runs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (WorkflowRun, error) { return scanRun(r) })
		f.Gone = len(runs) == 0
		if len(runs) > 0 {
			f.Run = runs[0]
		}
		return err
	})
	b.Queue(`
		WITH finished AS (
			UPDATE workflow_step_runs SET status = $4, output = $5, error = $6, finished_at = now()
			WHERE run_id = $1 AND step_id = $2 AND item_index = $3 AND status IN ('queued', 'running', 'waiting')
				AND EXISTS (SELECT 1 FROM workflow_states WHERE id = $1 AND status IN ('running', 'paused'))
			RETURNING 1),
		added AS (
			INSERT INTO workflow_step_runs (run_id, step_id, item_index, status)
			SELECT $1, u.step_id, u.item, 'queued' FROM unnest($7::text[], $8::int[]) AS u (step_id, item)
			WHERE EXISTS (SELECT 1 FROM finished)
			ON CONFLICT (run_id, step_id, item_index) DO NOTHING
			RETURNING step_id, item_index)
		SELECT EXISTS (SELECT 1 FROM finished), coalesce(array_agg(step_id), '{}'), coalesce(array_agg(item_index), '{}') FROM added`,
		o.RunID, o.Ref.StepID, o.Ref.Item, o.Status, o.Output, o.Reason, ids, items).QueryRow(func(row pgx.Row) error {
		var addedIDs []string
		var addedItems []int32
		if err := row.Scan(&f.Changed, &addedIDs, &addedItems); err != nil {
			return err
		}
		for i := range addedIDs {
			f.Added = append(f.Added, StepRef{StepID: addedIDs[i], Item: int(addedItems[i])})
		}
		return nil
	})
	b.Queue(`SELECT `+stepColumns+` FROM workflow_step_runs WHERE run_id = $1 ORDER BY created_at, step_id, item_index`, o.RunID).
		Query(func(rows pgx.Rows) error {
			var err error
			f.Steps, err = pgx.CollectRows(rows, scanStepRun)
			return err
		})
}

func refColumns(refs []StepRef) ([]string, []int32) {
	ids, items := make([]string, len(refs)), make([]int32, len(refs))
	for i, r := range refs {
		ids[i], items[i] = r.StepID, int32(r.Item)
	}
	return ids, items
}

// Park parks a running step until a person decides (an approval) or an
// event comes (an event wait): status waiting, with what it waits for as
// its output. It reports false when the step was not running.
func (s *WorkflowRuns) Park(ctx context.Context, runID uuid.UUID, ref StepRef, shown any) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		UPDATE workflow_step_runs SET status = 'waiting', output = $4
		WHERE run_id = $1 AND step_id = $2 AND item_index = $3 AND status = 'running'`,
		runID, ref.StepID, ref.Item, shown)
	if err != nil {
		return false, fmt.Errorf("park workflow step: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ParkedStep is a step waiting for an event.
type ParkedStep struct {
	RunID  uuid.UUID
	StepID string
}

// AddEventWait records that step of run waits for event with key.
func (s *WorkflowRuns) AddEventWait(ctx context.Context, runID uuid.UUID, step, event, key string) error {
	_, err := s.db.Exec(ctx, `
		INSERT INTO workflow_event_waits (run_id, step_id, event, key) VALUES ($1, $2, $3, $4)
		ON CONFLICT (run_id, step_id) DO UPDATE SET event = excluded.event, key = excluded.key`, runID, step, event, key)
	if err != nil {
		return fmt.Errorf("add event wait: %w", err)
	}
	return nil
}

// EventWaits lists the steps recorded as waiting for event with key, in
// run order (their step rows say whether they still wait).
func (s *WorkflowRuns) EventWaits(ctx context.Context, event, key string) ([]ParkedStep, error) {
	rows, err := s.db.Query(ctx, `
		SELECT run_id, step_id FROM workflow_event_waits WHERE event = $1 AND key = $2 ORDER BY run_id, step_id`, event, key)
	if err != nil {
		return nil, fmt.Errorf("event waits: %w", err)
	}
	return collect(rows, "event waits", func(r pgx.CollectableRow) (ParkedStep, error) {
		var p ParkedStep
		return p, r.Scan(&p.RunID, &p.StepID)
	})
}

// DropEventWait forgets the event wait of step of run.
func (s *WorkflowRuns) DropEventWait(ctx context.Context, runID uuid.UUID, step string) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM workflow_event_waits WHERE run_id = $1 AND step_id = $2`, runID, step); err != nil {
		return fmt.Errorf("drop event wait: %w", err)
	}
	return nil
}

// NoteStepError records the error of an attempt that will be retried.
func (s *WorkflowRuns) NoteStepError(ctx context.Context, runID uuid.UUID, ref StepRef, reason string) error {
	_, err := s.db.Exec(ctx, `
		UPDATE workflow_step_runs SET error = $4 WHERE run_id = $1 AND step_id = $2 AND item_index = $3`,
		runID, ref.StepID, ref.Item, reason)
	if err != nil {
		return fmt.Errorf("note workflow step error: %w", err)
	}
	return nil
}

// FinishStep sets a step's final status, output and error; it reports
// false when the step had finished already (a repeated transition).
func (s *WorkflowRuns) FinishStep(ctx context.Context, runID uuid.UUID, ref StepRef, status string, output any, reason string) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		UPDATE workflow_step_runs SET status = $4, output = $5, error = $6, finished_at = now()
		WHERE run_id = $1 AND step_id = $2 AND item_index = $3 AND status IN ('queued', 'running', 'waiting')`,
		runID, ref.StepID, ref.Item, status, output, reason)
	if err != nil {
		return false, fmt.Errorf("finish workflow step: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// AddFailure records a step's failure in workflow_failures.
func (s *WorkflowRuns) AddFailure(ctx context.Context, runID uuid.UUID, ref StepRef, reason string) error {
	_, err := s.db.Exec(ctx, `
		INSERT INTO workflow_failures (workflow_id, failed_step, item_index, error) VALUES ($1, $2, $3, $4)`,
		runID, ref.StepID, ref.Item, reason)
	if err != nil {
		return fmt.Errorf("record workflow failure: %w", err)
	}
	return nil
}

// RunFilter narrows List; empty fields match everything.
type RunFilter struct {
	Status string
	Name   string
}

// List returns runs, oldest first, after the cursor, at most limit.
func (s *WorkflowRuns) List(ctx context.Context, f RunFilter, after *Cursor, limit int) ([]WorkflowRun, error) {
	var at *time.Time
	var id *uuid.UUID
	if after != nil {
		at, id = &after.CreatedAt, &after.ID
	}
	rows, err := s.db.Query(ctx, `
		SELECT `+runColumns+` FROM workflow_states
		WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1, $2::uuid))
		  AND ($3 = '' OR status = $3) AND ($4 = '' OR workflow_name = $4)
		ORDER BY created_at, id LIMIT $5`, at, id, f.Status, f.Name, limit)
	if err != nil {
		return nil, fmt.Errorf("list workflow runs: %w", err)
	}
	return collect(rows, "list workflow runs", func(r pgx.CollectableRow) (WorkflowRun, error) { return scanRun(r) })
}

// Cancel marks a run that has not finished, and its unfinished steps,
// cancelled. It reports false when the run had finished.
func (s *WorkflowRuns) Cancel(ctx context.Context, id uuid.UUID) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		UPDATE workflow_states SET status = 'cancelled', error = 'cancelled', finished_at = now(), updated_at = now()
		WHERE id = $1 AND status IN ('pending', 'running', 'paused', 'waiting')`, id)
	if err != nil {
		return false, fmt.Errorf("cancel workflow run: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	if _, err := s.db.Exec(ctx, `
		UPDATE workflow_step_runs SET status = 'cancelled', finished_at = now()
		WHERE run_id = $1 AND status IN ('queued', 'running', 'waiting')`, id); err != nil {
		return false, fmt.Errorf("cancel workflow steps: %w", err)
	}
	return true, nil
}

// SetStatus moves run id from one of from to status, clearing its end
// (error, outputs, finished_at) when status is running. It reports false
// when the run was in none of from.
func (s *WorkflowRuns) SetStatus(ctx context.Context, id uuid.UUID, from []string, status string) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		UPDATE workflow_states SET status = $3, updated_at = now(),
			error = CASE WHEN $3 = 'running' THEN '' ELSE error END,
			outputs = CASE WHEN $3 = 'running' THEN NULL ELSE outputs END,
			finished_at = CASE WHEN $3 = 'running' THEN NULL ELSE finished_at END
		WHERE id = $1 AND status = ANY($2)`, id, from, status)
	if err != nil {
		return false, fmt.Errorf("set workflow run status: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ForgetFailedSteps deletes the failed step rows of a run (a foreach
// step's items with it), so that retrying creates them afresh; the
// failures stay in workflow_failures. It returns how many steps it reset.
func (s *WorkflowRuns) ForgetFailedSteps(ctx context.Context, id uuid.UUID) (int, error) {
	tag, err := s.db.Exec(ctx, `
		DELETE FROM workflow_step_runs r
		WHERE r.run_id = $1 AND (r.status IN ('failed', 'cancelled') OR EXISTS (
			SELECT 1 FROM workflow_step_runs p
			WHERE p.run_id = r.run_id AND p.step_id = r.step_id AND p.item_index = -1 AND p.status IN ('failed', 'cancelled')))`, id)
	if err != nil {
		return 0, fmt.Errorf("reset failed workflow steps: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
