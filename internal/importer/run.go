package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/imports"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
)

// Hooks are what the caller (the import_contacts job) adds to the
// import's transactions.
type Hooks struct {
	// Enrich hands contacts (new ones and ones whose enrichment is stale)
	// to enrichment in tx and returns how many it handed on.
	Enrich func(ctx context.Context, tx pgx.Tx, ids []uuid.UUID) (int, error)
	// Finish runs in the import's last transaction, the one that marks it
	// completed: the job completes itself there.
	Finish func(ctx context.Context, tx pgx.Tx) error
}

// Outcomes of Run besides success.
var (
	// ErrPaused: Run committed its last batch at the deadline it was given
	// and stopped; the next Run resumes after it.
	ErrPaused = errors.New("import paused at its time budget")
	// ErrRacing: another run of the same import committed a batch first;
	// this one stopped without writing.
	ErrRacing = errors.New("another run of this import is ahead")
)

// FailedError is an import that cannot be read: Run marks it failed,
// drops its chunks and returns this; the job should be cancelled.
type FailedError struct{ Reason string }

func (e *FailedError) Error() string { return "import failed: " + e.Reason }

// maxBatchErrors flushes a batch of mostly invalid rows early.
const maxBatchErrors = 5000

// Run processes import id from the first row not yet committed
// (rows_done), in batches of Config.BatchRows rows, each batch one
// transaction; the last one marks the import completed, deletes its
// chunks and calls hooks.Finish. A batch that fails rolls back whole and
// Run returns its error, so a retry resumes where the last commit left
// off and nothing is written twice. After the batch that passes until
// (when not zero) Run stops with ErrPaused.
func (s *Service) Run(ctx context.Context, id uuid.UUID, until time.Time, hooks Hooks) error {
	imp, err := s.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted: nothing left to do
	}
	if err != nil {
		return err
	}
	switch imp.Status {
	case StatusCompleted:
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return hooks.Finish(ctx, tx) })
	case StatusFailed:
		return &FailedError{Reason: imp.Error}
	}
	format, opts, err := imp.readerOptions()
	if err != nil {
		return s.fail(ctx, imp, err.Error())
	}
	rd, err := imports.NewReader(newChunkReader(ctx, s.pool, id, imp.Bytes), format, opts)
	if err != nil {
		return s.readFailure(ctx, imp, err)
	}

	// The next batch is read and prepared while the current one's
	// transaction runs.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan gathered, 1)
	go gather(ctx, rd, imp.RowsDone, s.cfg.BatchRows, s.prepare, batches)

	r := &run{svc: s, imp: imp, hooks: hooks, done: imp.RowsDone}
	for g := range batches {
		if g.err != nil {
			return s.readFailure(ctx, imp, g.err)
		}
		if err := r.commit(ctx, g); err != nil {
			return err
		}
		if g.end {
			obs.Logger(ctx, s.logger).InfoContext(ctx, "import completed", slog.String("import_id", id.String()),
				slog.Int64("rows_read", g.stats.Rows), slog.Int64("invalid", g.stats.Invalid))
			return nil
		}
		if !until.IsZero() && s.now().After(until) {
			return ErrPaused
		}
	}
	return ctx.Err()
}

// gathered is one batch as read: its rows prepared, the row errors of
// reading, and how far the reader got.
type gathered struct {
	batch prepared
	errs  []imports.RowError
	pos   int64 // last record read
	stats imports.Stats
	end   bool
	err   error // reading failed; nothing else is set
}

// gather reads rd into batches of up to batchRows rows after row done,
// prepares them and sends them on out, which it closes when the upload
// ends, reading fails or ctx is done.
func gather(ctx context.Context, rd *imports.Reader, done int64, batchRows int, prep func([]imports.Row) prepared, out chan<- gathered) {
	defer close(out)
	send := func(g gathered) bool {
		select {
		case out <- g:
			return true
		case <-ctx.Done():
			return false
		}
	}
	pos := done
	var rows []imports.Row
	var errs []imports.RowError
	for {
		row, rowErrs, err := rd.Next()
		for _, e := range rowErrs {
			pos = max(pos, e.Row)
			if e.Row > done {
				errs = append(errs, e)
			}
		}
		if row.Number > 0 {
			pos = max(pos, row.Number)
			if row.Number > done {
				rows = append(rows, row)
			}
		}
		end := errors.Is(err, io.EOF)
		if err != nil && !end {
			send(gathered{err: err})
			return
		}
		if !end && len(rows) < batchRows && len(errs) < maxBatchErrors {
			continue
		}
		if !send(gathered{batch: prep(rows), errs: errs, pos: pos, stats: rd.Stats(), end: end}) || end {
			return
		}
		rows, errs = nil, nil
	}
}

// readFailure fails the import for an upload that cannot be read (its
// chunks are gone, its header does not parse), or returns err for a retry
// when reading the chunks failed for a reason of the database's.
func (s *Service) readFailure(ctx context.Context, imp Import, err error) error {
	var te *transientError
	if ctx.Err() != nil || errors.As(err, &te) {
		return err
	}
	return s.fail(ctx, imp, err.Error())
}

func (s *Service) fail(ctx context.Context, imp Import, reason string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return failImport(ctx, tx, imp.ID, reason) })
	if err != nil {
		return err
	}
	return &FailedError{Reason: reason}
}

// run is one pass over an import: how far its committed batches reach.
type run struct {
	svc   *Service
	imp   Import
	hooks Hooks
	done  int64 // rows_done committed
}

// commit writes the gathered batch in one transaction, under the import
// row's lock, and only if no other run moved rows_done meanwhile.
func (r *run) commit(ctx context.Context, g gathered) error {
	s := r.svc
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := getImport(ctx, tx, r.imp.ID, true)
		if err != nil {
			return err
		}
		if cur.RowsDone != r.done || cur.Status == StatusCompleted || cur.Status == StatusFailed {
			return ErrRacing
		}
		w, err := s.writeBatch(ctx, tx, r.imp.ID, g.batch)
		if err != nil {
			return err
		}
		if err := insertRowErrors(ctx, tx, r.imp.ID, append(g.errs, w.errs...)); err != nil {
			return err
		}
		enqueued := 0
		if len(w.enrich) > 0 {
			if enqueued, err = r.hooks.Enrich(ctx, tx, w.enrich); err != nil {
				return fmt.Errorf("enqueue enrichment: %w", err)
			}
		}
		p := progress{
			RowsRead: g.stats.Rows, Invalid: g.stats.Invalid, RowsDone: g.pos,
			Inserted: w.inserted, Updated: w.updated, Skipped: w.skipped, EnrichmentEnqueued: int64(enqueued),
		}
		if err := saveProgress(ctx, tx, r.imp.ID, p); err != nil {
			return err
		}
		if !g.end {
			return nil
		}
		if err := completeImport(ctx, tx, r.imp.ID); err != nil {
			return err
		}
		return r.hooks.Finish(ctx, tx)
	})
	if err != nil {
		return err
	}
	r.done = g.pos
	return nil
}
