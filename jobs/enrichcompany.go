package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/enrichment"
)

// EnrichCompanyWorker works EnrichCompanyArgs: the company, with a vendor
// batch of other companies whose jobs wait in the queue, is concluded from
// the company cache or the company waterfall (by domain), and the results
// are stored, and the job completed, in one transaction. A company
// concluded within the cache TTL completes without a vendor call.
type EnrichCompanyWorker struct {
	river.WorkerDefaults[EnrichCompanyArgs]

	db        txBeginner
	enricher  *enrichment.Service
	logger    *slog.Logger
	claimWait time.Duration // in-process wait behind another job's claim; 0 is claimWaitDefault
}

// Timeout keeps a job well inside the claims it takes.
func (w *EnrichCompanyWorker) Timeout(*river.Job[EnrichCompanyArgs]) time.Duration {
	return w.enricher.Lease() / 2
}

// Work enriches the company; see the type's comment.
func (w *EnrichCompanyWorker) Work(ctx context.Context, job *river.Job[EnrichCompanyArgs]) error {
	id := job.Args.CompanyID
	row, err := awaitClaim(ctx, w.enricher, job.ID, w.claimWait, func() (enrichment.Row, error) {
		return w.enricher.Company(ctx, w.enricher.DB(), id)
	})
	switch {
	case errors.Is(err, enrichment.ErrGone):
		return w.complete(ctx, job, nil)
	case err != nil:
		return err
	}
	if !row.Due(w.enricher.Now(), w.enricher.CompanyTTL()) {
		return w.complete(ctx, job, nil)
	}
	if !w.enricher.Configured() {
		return failEnrichment(ctx, w.db, w.enricher, enrichment.Companies, id, enrichment.ReasonNoVendor)
	}

	b, err := w.enricher.EnrichCompanies(ctx, job.ID, id)
	if err != nil {
		return err
	}
	if !b.Own {
		return river.JobSnooze(claimRace)
	}
	if err := w.complete(ctx, job, b); err != nil {
		return errors.Join(err, w.enricher.Release(context.WithoutCancel(ctx), enrichment.Companies, job.ID, b.IDs))
	}
	own, _ := b.Of(id)
	switch own.Status {
	case enrichment.StatusEnriched, enrichment.StatusNotFound:
		return nil
	case enrichment.StatusFailed:
		return river.JobCancel(errors.New(own.Reason))
	}
	return deferral(ctx, w.enricher, b.Wait, job.ID, w.logger)
}

// complete stores b (when there is one) and, unless the company's own
// outcome is failed or deferred, completes the job, in one transaction.
func (w *EnrichCompanyWorker) complete(ctx context.Context, job *river.Job[EnrichCompanyArgs], b *enrichment.CompanyBatch) error {
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin company enrichment: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit

	concluded := true
	if b != nil {
		if err := w.enricher.StoreCompanies(ctx, tx, b); err != nil {
			return err
		}
		if err := rescoreContactsOf(ctx, tx, enrichedIDs(b)); err != nil {
			return err
		}
		own, _ := b.Of(job.Args.CompanyID)
		concluded = own.Status == enrichment.StatusEnriched || own.Status == enrichment.StatusNotFound
	}
	if concluded {
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("complete enrich_company job: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit company enrichment: %w", err)
	}
	return nil
}

// enrichedIDs are the companies of b the waterfall enriched.
func enrichedIDs(b *enrichment.CompanyBatch) []uuid.UUID {
	var ids []uuid.UUID
	for i, o := range b.Outcomes {
		if o.Status == enrichment.StatusEnriched {
			ids = append(ids, b.IDs[i])
		}
	}
	return ids
}

// rescoreContactsOf queues, in tx, score_contact for the contacts of
// companies whose enrichment just landed. A contact's own enrichment
// usually finishes first and scores it without the company's industry,
// size and technologies; this scores it again with them. Contacts still
// waiting for their own enrichment are left to it.
func rescoreContactsOf(ctx context.Context, tx pgx.Tx, companies []uuid.UUID) error {
	if len(companies) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `
		SELECT id FROM contacts
		WHERE company_id = ANY($1) AND enrichment_status <> 'pending'
		ORDER BY id`, companies)
	if err != nil {
		return fmt.Errorf("contacts to rescore: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return fmt.Errorf("contacts to rescore: %w", err)
	}
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return fmt.Errorf("enqueue rescoring: %w", err)
	}
	for chunk := range slices.Chunk(ids, enrichFanOutChunk) {
		params := make([]river.InsertManyParams, len(chunk))
		for i, id := range chunk {
			params[i] = river.InsertManyParams{Args: ScoreContactArgs{ContactID: id}}
		}
		if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
			return fmt.Errorf("enqueue rescoring: %w", err)
		}
	}
	return nil
}

// registerEnrichment adds the enrich_contact and enrich_company workers,
// which share one enrichment Service.
func registerEnrichment(workers *river.Workers, deps Deps) error {
	cfg := deps.Enrichment
	if len(cfg.Order) == 0 {
		cfg = config.DefaultEnrichment()
	}
	enricher, err := enrichment.New(cfg, enrichment.Deps{
		DB: deps.Pool, Vendors: deps.Vendors, Redis: deps.Redis, Registerer: deps.Registerer,
		Logger: deps.Logger, Now: deps.Now,
		Peers: enrichment.Peers{Queue: QueueEnrichment, ContactKind: KindEnrichContact, CompanyKind: KindEnrichCompany},
	})
	if err != nil {
		return fmt.Errorf("register enrichment: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &EnrichContactWorker{db: deps.Pool, enricher: enricher, logger: deps.Logger}); err != nil {
		return fmt.Errorf("register %s: %w", KindEnrichContact, err)
	}
	if err := river.AddWorkerSafely(workers, &EnrichCompanyWorker{db: deps.Pool, enricher: enricher, logger: deps.Logger}); err != nil {
		return fmt.Errorf("register %s: %w", KindEnrichCompany, err)
	}
	return nil
}
