package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
)

// KindMaintenanceCleanup is the kind of MaintenanceArgs. Kinds are stored on
// job rows: never rename it in place (use KindAliases).
const KindMaintenanceCleanup = "maintenance_cleanup"

// maintenanceTimeout is longer than River's one-minute default because a
// first run after a long pause may have a large backlog to delete.
const maintenanceTimeout = 10 * time.Minute

// MaintenanceArgs asks for one cleanup run: expired idempotency keys and JWT
// revocations are deleted. It carries nothing; the run works on whatever has
// expired when it starts.
type MaintenanceArgs struct{}

// Kind returns KindMaintenanceCleanup.
func (MaintenanceArgs) Kind() string { return KindMaintenanceCleanup }

// InsertOpts puts cleanup on the maintenance queue, unique per hour so that
// restarts and several leader-eligible workers never queue it twice; the
// periodic job narrows the period to its own interval. Few attempts, because
// the next periodic run retries anyway.
func (MaintenanceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       QueueMaintenance,
		MaxAttempts: 3,
		UniqueOpts:  river.UniqueOpts{ByPeriod: time.Hour},
	}
}

// txBeginner starts a transaction: a pool in production, a test's own
// transaction (begin = savepoint) in tests.
type txBeginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// dbBeginner runs statements and begins transactions: a pool, or a
// transaction in tests.
type dbBeginner interface {
	store.DBTX
	txBeginner
}

// MaintenanceWorker works MaintenanceArgs. It deletes the expired rows and
// completes its own job in one transaction, so a crash either keeps both or
// loses both and the job simply runs again.
type MaintenanceWorker struct {
	river.WorkerDefaults[MaintenanceArgs]

	db     txBeginner
	now    func() time.Time
	logger *slog.Logger
}

// Timeout gives cleanup more than River's default job timeout.
func (w *MaintenanceWorker) Timeout(*river.Job[MaintenanceArgs]) time.Duration {
	return maintenanceTimeout
}

// Work deletes expired rows, completes the job in the same transaction and
// logs what it deleted.
func (w *MaintenanceWorker) Work(ctx context.Context, job *river.Job[MaintenanceArgs]) error {
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin cleanup: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit; a failed rollback ends the connection anyway

	purged, err := store.PurgeExpired(ctx, tx, w.now())
	if err != nil {
		return err
	}
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("complete cleanup job: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit cleanup: %w", err)
	}

	obs.Logger(ctx, w.logger).InfoContext(ctx, "expired rows purged",
		slog.Int64("idempotency_keys", purged.IdempotencyKeys),
		slog.Int64("jwt_revocations", purged.JWTRevocations))
	return nil
}
