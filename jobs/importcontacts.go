package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/importer"
)

// An import of millions of rows takes minutes. The job stops at
// importBudget, after committing its batch, and snoozes to resume: it
// stays inside importTimeout, and both stay under River's one-hour rescue
// of jobs it believes stuck, which would run a second copy of the import.
const (
	importTimeout = 50 * time.Minute
	importBudget  = 40 * time.Minute
)

// ImportContactsWorker works ImportContactsArgs: the import's stored
// upload is read back and upserted batch by batch (internal/importer),
// each batch one transaction with its enrichment jobs, the last one also
// completing this job. A retry resumes after the last committed batch.
type ImportContactsWorker struct {
	river.WorkerDefaults[ImportContactsArgs]

	importer *importer.Service
	now      func() time.Time
}

// NewImportContactsWorker returns the worker over deps' pool; deps.Hasher
// matches rows against the suppression list.
func NewImportContactsWorker(deps Deps) *ImportContactsWorker {
	hasher := deps.Hasher
	if reflect.ValueOf(hasher).IsZero() {
		// Processes that import nothing (tests of other kinds) may leave
		// it unset; the worker process always sets it from its config.
		hasher = contacts.NewHasher([]byte(config.DevSuppressionKey))
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	stale := cmp.Or(deps.Enrichment.ContactTTL, importer.DefaultStaleAfter)
	return &ImportContactsWorker{
		importer: importer.New(deps.Pool, hasher, importer.Config{StaleAfter: stale}, deps.Logger),
		now:      now,
	}
}

func registerImport(workers *river.Workers, deps Deps) error {
	if err := river.AddWorkerSafely(workers, NewImportContactsWorker(deps)); err != nil {
		return fmt.Errorf("register %s: %w", KindImportContacts, err)
	}
	if err := river.AddWorkerSafely(workers, NewEnrichContactsWorker(deps)); err != nil {
		return fmt.Errorf("register %s: %w", KindEnrichContacts, err)
	}
	return nil
}

// Timeout overrides River's one-minute default; see importTimeout.
func (w *ImportContactsWorker) Timeout(*river.Job[ImportContactsArgs]) time.Duration {
	return importTimeout
}

// Work runs the import from where it stopped. An upload that cannot be
// read (its chunks gone) fails the import and cancels the job.
func (w *ImportContactsWorker) Work(ctx context.Context, job *river.Job[ImportContactsArgs]) error {
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return err
	}
	hooks := importer.Hooks{
		// The batch hands its contacts to enrichment through a few
		// enrich_contacts jobs: a job per contact here would cost the
		// import about as much again as its rows.
		Enrich: func(ctx context.Context, tx pgx.Tx, ids []uuid.UUID) (int, error) {
			return RequestEnrichment(ctx, tx, client, ids)
		},
		Finish: func(ctx context.Context, tx pgx.Tx) error {
			_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
			return err
		},
	}
	err = w.importer.Run(ctx, job.Args.ImportID, w.now().Add(importBudget), hooks)
	var failed *importer.FailedError
	switch {
	case errors.As(err, &failed):
		return river.JobCancel(err)
	case errors.Is(err, importer.ErrPaused):
		return river.JobSnooze(time.Second)
	}
	return err
}

func enrichParams(ids []uuid.UUID) []river.InsertManyParams {
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: EnrichContactArgs{ContactID: id}}
	}
	return params
}
