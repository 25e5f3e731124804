package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/internal/crmsync"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/vendors"
)

// TxInserter is what can enqueue inside a transaction: the API's insert-only
// client and a worker's river.ClientFromContext[pgx.Tx](ctx) both are.
type TxInserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// RequestCRMSync marks contacts for sync (contacts.sync_requested_at, kept
// if already set; sync_attempts reset; sync_not_before cleared) and makes
// sure a crm_sync_contacts job is queued CRMSyncCoalesce ahead (unique: at
// most one waiting), in tx. Returns how many were marked.
func RequestCRMSync(ctx context.Context, tx pgx.Tx, ins TxInserter, contactIDs []uuid.UUID) (int, error) {
	marked, err := crmsync.Mark(ctx, tx, contactIDs)
	if err != nil || marked == 0 {
		return marked, err
	}
	if err := queueCRMSync(ctx, tx, ins, CRMSyncCoalesce); err != nil {
		return 0, err
	}
	return marked, nil
}

// queueCRMSync inserts a crm_sync_contacts job to run after delay, unless
// one is already waiting or running (then that one takes the marks). A zero
// delay makes the job available at once: any ScheduledAt, even a past one,
// would leave it for River's scheduler to move, seconds later.
func queueCRMSync(ctx context.Context, tx pgx.Tx, ins TxInserter, delay time.Duration) error {
	var opts *river.InsertOpts
	if delay > 0 {
		opts = &river.InsertOpts{ScheduledAt: time.Now().Add(delay)}
	}
	if _, err := ins.InsertTx(ctx, tx, CRMSyncContactsArgs{}, opts); err != nil {
		return fmt.Errorf("queue %s: %w", KindCRMSyncContacts, err)
	}
	return nil
}

// CRMSyncWorker works CRMSyncContactsArgs: it takes the oldest marked
// contacts (crmsync.BatchSize), locked for the run, pushes them with their
// companies and associations to HubSpot, then records every row's outcome,
// completes its job and, when marks are left, queues the next batch, all in
// the transaction that took the rows. A crash or failed commit records
// nothing and the job runs again; HubSpot's upserts make the repeat
// harmless.
type CRMSyncWorker struct {
	river.WorkerDefaults[CRMSyncContactsArgs]

	db     txBeginner
	syncer *crmsync.Syncer // nil without a HubSpot account
	now    func() time.Time
	logger *slog.Logger
}

// Work syncs one batch; see the type's comment.
func (w *CRMSyncWorker) Work(ctx context.Context, job *river.Job[CRMSyncContactsArgs]) error {
	if w.syncer == nil {
		return river.JobCancel(fmt.Errorf("%s: %w", vendors.HubSpot, vendors.ErrNotConfigured))
	}
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin crm sync: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit

	now := w.now()
	batch, err := crmsync.Take(ctx, tx, now, crmsync.BatchSize)
	if err != nil {
		return err
	}
	var sum crmsync.Summary
	if len(batch.Contacts) > 0 {
		out, err := w.syncer.Push(ctx, batch)
		var refused *guard.APIError
		switch {
		case errors.As(err, &refused):
			return w.refuse(ctx, tx, batch, refused, now)
		case err != nil:
			return VendorOutcome(err)
		}
		if sum, err = crmsync.Record(ctx, tx, batch, out, now); err != nil {
			return err
		}
	}
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("complete %s job: %w", KindCRMSyncContacts, err)
	}
	// After completing: this job, while running, would make the unique
	// insert a no-op. A full batch suggests more are waiting now; a partial
	// one lets late requests coalesce first.
	delay := CRMSyncCoalesce
	if len(batch.Contacts) == crmsync.BatchSize {
		delay = 0
	}
	if err := queueIfWaiting(ctx, tx, now, delay); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit crm sync: %w", err)
	}
	if len(batch.Contacts) > 0 {
		obs.Logger(ctx, w.logger).InfoContext(ctx, "crm sync batch recorded",
			slog.Int("contacts", len(batch.Contacts)), slog.Int("companies", len(batch.Companies)),
			slog.Int("synced", sum.Synced), slog.Int("failed", sum.Failed), slog.Int("gave_up", sum.GaveUp))
	}
	return nil
}

// refuse records HubSpot's refusal of a whole batch call on every contact
// of the batch (each counts an attempt) and cancels the job: the same call
// would be refused again. Marks left are picked up by the sweep. The
// cancellation names the status and category only: HubSpot's message may
// quote property values, which stay in the contacts' sync_error.
func (w *CRMSyncWorker) refuse(ctx context.Context, tx pgx.Tx, batch *crmsync.Batch, refused *guard.APIError, now time.Time) error {
	reason := fmt.Sprintf("HubSpot refused the batch: %d %s: %s", refused.Status, refused.Code, refused.Message)
	sum, err := crmsync.RecordRefusal(ctx, tx, batch, reason, now)
	if err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit crm sync refusal: %w", err)
	}
	obs.Logger(ctx, w.logger).WarnContext(ctx, "hubspot refused a crm sync batch",
		slog.Int("status", refused.Status), slog.String("category", refused.Code),
		slog.Int("contacts", len(batch.Contacts)), slog.Int("gave_up", sum.GaveUp))
	return river.JobCancel(fmt.Errorf("hubspot refused the batch: %d %s", refused.Status, refused.Code))
}

// queueIfWaiting queues the next crm_sync_contacts job after delay, in tx,
// when a marked contact is due at now.
func queueIfWaiting(ctx context.Context, tx pgx.Tx, now time.Time, delay time.Duration) error {
	waiting, err := crmsync.Waiting(ctx, tx, now)
	if err != nil || !waiting {
		return err
	}
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return fmt.Errorf("queue next crm sync: %w", err)
	}
	return queueCRMSync(ctx, tx, client, delay)
}

// KindCRMSyncSweep is the kind of CRMSyncSweepArgs. Never rename it in
// place.
const KindCRMSyncSweep = "crm_sync_sweep"

// crmSyncSweepInterval is how often the sweep looks for marks left behind.
const crmSyncSweepInterval = time.Minute

// CRMSyncSweepArgs asks for one look for due sync marks that no queued job
// will take: requests that arrived while a batch ran (its unique job made
// their insert a no-op, and it had already looked for more), and retries
// whose backoff has passed.
type CRMSyncSweepArgs struct{}

// Kind returns KindCRMSyncSweep.
func (CRMSyncSweepArgs) Kind() string { return KindCRMSyncSweep }

// InsertOpts: a cheap database check on the maintenance queue, unique per
// interval, so several leaders or restarts never queue it twice.
func (CRMSyncSweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 3,
		UniqueOpts: river.UniqueOpts{ByPeriod: crmSyncSweepInterval}}
}

// CRMSyncSweepWorker works CRMSyncSweepArgs: it queues a crm_sync_contacts
// job now when a mark is due, and completes itself, in one transaction.
type CRMSyncSweepWorker struct {
	river.WorkerDefaults[CRMSyncSweepArgs]

	db         txBeginner
	configured bool // a HubSpot account exists; without one there is nothing to queue
	now        func() time.Time
}

// Work sweeps once; see the type's comment.
func (w *CRMSyncSweepWorker) Work(ctx context.Context, job *river.Job[CRMSyncSweepArgs]) error {
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin crm sync sweep: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if w.configured {
		now := w.now()
		if err := queueIfWaiting(ctx, tx, now, 0); err != nil {
			return err
		}
	}
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("complete %s job: %w", KindCRMSyncSweep, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit crm sync sweep: %w", err)
	}
	return nil
}

// crmSyncSweepJob is the sweep's periodic job.
func crmSyncSweepJob() *river.PeriodicJob {
	return river.NewPeriodicJob(
		river.PeriodicInterval(crmSyncSweepInterval),
		func() (river.JobArgs, *river.InsertOpts) { return CRMSyncSweepArgs{}, nil },
		&river.PeriodicJobOpts{ID: KindCRMSyncSweep},
	)
}

// registerCRMSync adds the CRM sync workers to workers.
func registerCRMSync(workers *river.Workers, deps Deps) error {
	var syncer *crmsync.Syncer
	if deps.Vendors != nil && deps.Vendors.HubSpot != nil {
		syncer = crmsync.NewSyncer(deps.Vendors.HubSpot)
	}
	if err := river.AddWorkerSafely(workers, &CRMSyncWorker{db: deps.Pool, syncer: syncer, now: deps.Now, logger: deps.Logger}); err != nil {
		return fmt.Errorf("register %s: %w", KindCRMSyncContacts, err)
	}
	sweep := &CRMSyncSweepWorker{db: deps.Pool, configured: syncer != nil, now: deps.Now}
	if err := river.AddWorkerSafely(workers, sweep); err != nil {
		return fmt.Errorf("register %s: %w", KindCRMSyncSweep, err)
	}
	return nil
}
