package jobs

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// enrichFanOutChunk is how many contacts one enrich_contacts job hands on.
const enrichFanOutChunk = 1000

// EnrichContactsArgs hands a set of contacts to enrichment: its job queues
// an enrich_contact job for each contact that still exists. A bulk writer
// (an import batch) queues a few of these in its own transaction instead
// of a job per contact, which would cost it about as much again as writing
// its rows; the per-contact jobs follow within moments.
type EnrichContactsArgs struct {
	ContactIDs []uuid.UUID `json:"contact_ids"`
}

// Kind implements river.JobArgs.
func (EnrichContactsArgs) Kind() string { return KindEnrichContacts }

// InsertOpts: database work with no vendor in it, beside the imports.
func (EnrichContactsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 25}
}

// inserter is the part of a River client that queues jobs in a caller's
// transaction.
type inserter interface {
	InsertManyFastTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) (int, error)
}

// RequestEnrichment queues, in tx, enrichment of ids as enrich_contacts
// jobs of up to enrichFanOutChunk contacts each, and returns how many
// contacts it handed on.
func RequestEnrichment(ctx context.Context, tx pgx.Tx, client inserter, ids []uuid.UUID) (int, error) {
	var params []river.InsertManyParams
	for chunk := range slices.Chunk(ids, enrichFanOutChunk) {
		params = append(params, river.InsertManyParams{Args: EnrichContactsArgs{ContactIDs: chunk}})
	}
	if len(params) == 0 {
		return 0, nil
	}
	if _, err := client.InsertManyFastTx(ctx, tx, params); err != nil {
		return 0, fmt.Errorf("enqueue enrich_contacts: %w", err)
	}
	return len(ids), nil
}

// EnrichContactsWorker works EnrichContactsArgs: one enrich_contact job
// per contact still there (an erased one is skipped; one whose job waits
// already keeps that one), queued in the transaction that completes it.
type EnrichContactsWorker struct {
	river.WorkerDefaults[EnrichContactsArgs]

	db txBeginner
}

// NewEnrichContactsWorker returns the worker over deps' pool.
func NewEnrichContactsWorker(deps Deps) *EnrichContactsWorker {
	return &EnrichContactsWorker{db: deps.Pool}
}

// Work fans the contacts out; see the type's comment.
func (w *EnrichContactsWorker) Work(ctx context.Context, job *river.Job[EnrichContactsArgs]) error {
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return err
	}
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin enrichment fan-out: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	rows, err := tx.Query(ctx, `SELECT id FROM contacts WHERE id = ANY($1) ORDER BY id`, job.Args.ContactIDs)
	if err != nil {
		return fmt.Errorf("read contacts to enrich: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return fmt.Errorf("read contacts to enrich: %w", err)
	}
	if len(ids) > 0 {
		if _, err := client.InsertManyTx(ctx, tx, enrichParams(ids)); err != nil {
			return fmt.Errorf("enqueue enrich_contact: %w", err)
		}
	}
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("complete enrich_contacts job: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit enrichment fan-out: %w", err)
	}
	return nil
}
