package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/internal/enrichment"
	"github.com/rtgs/sales-automation/internal/obs"
)

// Waits of an enrichment job that meets another job's claim on its row:
// the claiming job usually concludes the row within a vendor call or two,
// so the job waits in process for a moment, polling, before it snoozes.
const (
	// claimWaitDefault is how long a job waits in process.
	claimWaitDefault = 3 * time.Second
	// claimPoll is how often it looks again meanwhile.
	claimPoll = 25 * time.Millisecond
	// claimWaitMax bounds the snooze that follows.
	claimWaitMax = 5 * time.Second
	// claimRace is the snooze when the row was claimed between reading it
	// and claiming it.
	claimRace = time.Second
)

// companyCoalesce is how long a company job waits before it runs, so the
// company jobs its contacts' jobs queue one by one gather into full vendor
// batches (the first to run claims the others).
const companyCoalesce = 5 * time.Second

// awaitClaim reads the row until no other job's claim holds it, for at
// most wait (claimWaitDefault when zero); a claim still held then becomes
// a snooze for what remains of it, at most claimWaitMax.
func awaitClaim(ctx context.Context, e *enrichment.Service, job int64, wait time.Duration, read func() (enrichment.Row, error)) (enrichment.Row, error) {
	deadline := time.Now().Add(cmp.Or(wait, claimWaitDefault))
	for {
		row, err := read()
		if err != nil {
			return row, err
		}
		left, claimed := row.ClaimedElsewhere(job, e.Now())
		if !claimed {
			return row, nil
		}
		if !time.Now().Before(deadline) {
			return row, river.JobSnooze(min(left, claimWaitMax))
		}
		select {
		case <-ctx.Done():
			return row, ctx.Err()
		case <-time.After(claimPoll):
		}
	}
}

// EnrichContactWorker works EnrichContactArgs: the contact, with a vendor
// batch of other contacts whose jobs wait in the queue, goes through the
// people waterfall; results are stored, and the job completes, in one
// transaction that also enqueues the contact's score_contact job and, when
// the contact's company is due, its enrich_company job (unique per
// company, so a thousand contacts at one company queue one). The other
// contacts' jobs then find their rows concluded and complete without a
// vendor call.
type EnrichContactWorker struct {
	river.WorkerDefaults[EnrichContactArgs]

	db        txBeginner
	enricher  *enrichment.Service
	logger    *slog.Logger
	claimWait time.Duration // in-process wait behind another job's claim; 0 is claimWaitDefault
}

// Timeout keeps a job well inside the claims it takes, so no job works on
// rows whose claim has passed to another.
func (w *EnrichContactWorker) Timeout(*river.Job[EnrichContactArgs]) time.Duration {
	return w.enricher.Lease() / 2
}

// Work enriches the contact; see the type's comment.
func (w *EnrichContactWorker) Work(ctx context.Context, job *river.Job[EnrichContactArgs]) error {
	id := job.Args.ContactID
	if done, err := w.finishIfConcluded(ctx, job); done || err != nil {
		return err
	}
	if !w.enricher.Configured() {
		return failEnrichment(ctx, w.db, w.enricher, enrichment.Contacts, id, enrichment.ReasonNoVendor)
	}
	row, err := awaitClaim(ctx, w.enricher, job.ID, w.claimWait, func() (enrichment.Row, error) {
		return w.enricher.Contact(ctx, w.enricher.DB(), id)
	})
	switch {
	case errors.Is(err, enrichment.ErrGone):
		return w.complete(ctx, job, nil)
	case err != nil:
		return err
	}
	if !row.Due(w.enricher.Now(), w.enricher.ContactTTL()) {
		return w.complete(ctx, job, nil)
	}

	b, err := w.enricher.EnrichContacts(ctx, job.ID, id)
	if err != nil {
		return err
	}
	if !b.Own {
		return river.JobSnooze(claimRace)
	}
	own, _ := b.Of(id)
	if err := w.complete(ctx, job, b); err != nil {
		return errors.Join(err, w.enricher.Release(context.WithoutCancel(ctx), enrichment.Contacts, job.ID, b.IDs))
	}
	switch own.Status {
	case enrichment.StatusEnriched, enrichment.StatusNotFound:
		return nil
	case enrichment.StatusFailed:
		return river.JobCancel(errors.New(own.Reason))
	}
	return deferral(ctx, w.enricher, b.Wait, job.ID, w.logger)
}

// finishIfConcluded completes the job, with its follow-ups, in one
// transaction when the contact is gone or concluded within the TTL (mostly
// by another job's batch): the common case, done with one read. It reports
// false, having done nothing, when the contact still needs the waterfall.
func (w *EnrichContactWorker) finishIfConcluded(ctx context.Context, job *river.Job[EnrichContactArgs]) (bool, error) {
	id, now := job.Args.ContactID, w.enricher.Now()
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("begin contact enrichment: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	row, err := w.enricher.Contact(ctx, tx, id)
	gone := errors.Is(err, enrichment.ErrGone)
	if err != nil && !gone {
		return false, err
	}
	if !gone {
		if _, claimed := row.ClaimedElsewhere(job.ID, now); claimed || row.Due(now, w.enricher.ContactTTL()) {
			return false, nil
		}
		if err := w.followUp(ctx, tx, id, &row); err != nil {
			return false, err
		}
	}
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return false, fmt.Errorf("complete enrich_contact job: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("commit contact enrichment: %w", err)
	}
	return true, nil
}

// complete stores b (when there is one) and, unless the contact's own
// outcome is failed or deferred, enqueues its follow-up jobs and completes
// the job, all in one transaction. A contact gone meanwhile completes the
// job with nothing else done.
func (w *EnrichContactWorker) complete(ctx context.Context, job *river.Job[EnrichContactArgs], b *enrichment.ContactBatch) error {
	id := job.Args.ContactID
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin contact enrichment: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit

	concluded := true
	if b != nil {
		if err := w.enricher.StoreContacts(ctx, tx, b); err != nil {
			return err
		}
		own, _ := b.Of(id)
		concluded = own.Status == enrichment.StatusEnriched || own.Status == enrichment.StatusNotFound
	}
	if concluded {
		if err := w.followUp(ctx, tx, id, nil); err != nil {
			return err
		}
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("complete enrich_contact job: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit contact enrichment: %w", err)
	}
	return nil
}

// followUp enqueues, on tx, the contact's enrich_company job when its
// company is due and its score_contact job; nothing for a contact gone.
// row is the contact as read on tx, nil to read it.
func (w *EnrichContactWorker) followUp(ctx context.Context, tx pgx.Tx, id uuid.UUID, row *enrichment.Row) error {
	if row == nil {
		r, err := w.enricher.Contact(ctx, tx, id)
		if errors.Is(err, enrichment.ErrGone) {
			return nil
		}
		if err != nil {
			return err
		}
		row = &r
	}
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return fmt.Errorf("enqueue after enrichment: %w", err)
	}
	params := []river.InsertManyParams{{Args: ScoreContactArgs{ContactID: id}}}
	if row.CompanyID != nil {
		due, err := w.enricher.CompanyDue(ctx, tx, *row.CompanyID)
		if err != nil {
			return err
		}
		if due {
			params = append(params, river.InsertManyParams{Args: EnrichCompanyArgs{CompanyID: *row.CompanyID},
				InsertOpts: &river.InsertOpts{ScheduledAt: time.Now().Add(companyCoalesce)}})
		}
	}
	if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue after enrichment: %w", err)
	}
	return nil
}

// failEnrichment marks row id of t failed with reason and cancels the job:
// retrying cannot help until someone changes the configuration and asks
// again.
func failEnrichment(ctx context.Context, db txBeginner, e *enrichment.Service, t enrichment.Table, id uuid.UUID, reason string) error {
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return e.Fail(ctx, tx, t, id, reason) })
	if err != nil {
		return fmt.Errorf("fail %s enrichment: %w", t, err)
	}
	return river.JobCancel(errors.New(reason))
}

// deferral is what a job whose own row was left pending returns: the
// vendor error's outcome (snooze for a limit or open breaker, retry for a
// transient failure), or a snooze to the next UTC day when the vendors'
// credit ceilings were reached. Jobs put off to the next day are spread
// over its first minute by job id.
func deferral(ctx context.Context, e *enrichment.Service, wait enrichment.Wait, jobID int64, logger *slog.Logger) error {
	if wait.Err != nil {
		return VendorOutcome(wait.Err)
	}
	if len(wait.Ceiling) == 0 {
		return errors.New("enrichment left the row pending without a reason")
	}
	if err := e.CeilingSnoozed(ctx, wait.Ceiling); err != nil {
		obs.Logger(ctx, logger).WarnContext(ctx, "ceiling snooze not counted", slog.Any("error", err))
	}
	now := e.Now()
	spread := time.Duration(jobID%60) * time.Second
	obs.Logger(ctx, logger).InfoContext(ctx, "enrichment credit ceiling reached; snoozing to the next day",
		slog.Any("vendors", wait.Ceiling))
	return river.JobSnooze(enrichment.NextDay(now).Sub(now) + spread)
}
