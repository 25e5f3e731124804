package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"
)

type maintenanceBundle struct {
	tx     pgx.Tx
	now    time.Time
	schema string
}

// setupMaintenance gives a test its own transaction on a migrated schema,
// holding 4 expired and 2 live rows in each table the cleanup purges.
func setupMaintenance(t *testing.T) (*maintenanceBundle, context.Context) {
	t.Helper()
	ctx := context.Background()
	tx, schema := schemaTx(t)

	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var keyID string
	if err := tx.QueryRow(ctx,
		`INSERT INTO api_keys (name, prefix, key_hash) VALUES ('m', 'm', 'h') RETURNING id`).Scan(&keyID); err != nil {
		t.Fatalf("insert api key: %v", err)
	}
	for i, at := range []time.Duration{-time.Hour, -time.Minute, -time.Second, 0, time.Second, time.Hour} {
		if _, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (api_key_id, key, method, path, request_hash, expires_at)
			VALUES ($1, $2, 'POST', '/x', '\x00', $3)`, keyID, fmt.Sprint("k", i), now.Add(at)); err != nil {
			t.Fatalf("insert idempotency key: %v", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO jwt_revocations (jti, expires_at) VALUES ($1, $2)`,
			fmt.Sprint("j", i), now.Add(at)); err != nil {
			t.Fatalf("insert revocation: %v", err)
		}
	}
	return &maintenanceBundle{tx: tx, now: now, schema: schema}, ctx
}

func (b *maintenanceBundle) count(t *testing.T, ctx context.Context, table string) int {
	t.Helper()
	var n int
	if err := b.tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestMaintenanceWorker(t *testing.T) {
	t.Parallel()

	t.Run("purges expired rows and completes its job", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupMaintenance(t)
		// The worker's transaction is a savepoint inside the test's, so
		// JobCompleteTx sees the job rivertest inserted there.
		w := &MaintenanceWorker{db: b.tx, now: func() time.Time { return b.now }, logger: slog.New(slog.DiscardHandler)}
		tw := rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema}, w)

		res, err := tw.Work(ctx, t, b.tx, MaintenanceArgs{}, nil)
		if err != nil {
			t.Fatalf("Work: %v", err)
		}
		if res.EventKind != river.EventKindJobCompleted || res.Job.State != rivertype.JobStateCompleted {
			t.Errorf("event %s, state %s; want completed", res.EventKind, res.Job.State)
		}
		for _, table := range []string{"idempotency_keys", "jwt_revocations"} {
			if got := b.count(t, ctx, table); got != 2 {
				t.Errorf("%s rows left = %d, want the 2 live ones", table, got)
			}
		}
	})

	t.Run("failed commit keeps rows and leaves the job to retry", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupMaintenance(t)
		w := &MaintenanceWorker{db: failingCommit{b.tx}, now: func() time.Time { return b.now }, logger: slog.New(slog.DiscardHandler)}
		tw := rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema}, w)

		res, err := tw.Work(ctx, t, b.tx, MaintenanceArgs{}, nil)
		if !errors.Is(err, errCommit) {
			t.Fatalf("Work error = %v, want %v", err, errCommit)
		}
		// Deletion and completion were one transaction: both are gone, and
		// River schedules the retry (available at once for a first, short
		// backoff).
		if s := res.Job.State; s != rivertype.JobStateRetryable && s != rivertype.JobStateAvailable {
			t.Errorf("job state = %s, want retryable or available", s)
		}
		if len(res.Job.Errors) != 1 {
			t.Errorf("job errors = %d, want 1", len(res.Job.Errors))
		}
		if got := b.count(t, ctx, "idempotency_keys"); got != 6 {
			t.Errorf("idempotency_keys rows = %d, want all 6 kept", got)
		}
	})
}

var errCommit = errors.New("commit refused by test")

// failingCommit begins real (nested) transactions whose Commit rolls back
// and fails, as a lost connection at commit time would.
type failingCommit struct{ db txBeginner }

func (f failingCommit) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := f.db.Begin(ctx)
	return failingCommitTx{tx}, err
}

type failingCommitTx struct{ pgx.Tx }

func (tx failingCommitTx) Commit(ctx context.Context) error {
	if err := tx.Rollback(ctx); err != nil {
		return err
	}
	return errCommit
}

func TestMaintenanceUniquePerPeriod(t *testing.T) {
	t.Parallel()
	b, ctx := setupMaintenance(t)
	client := insertClient(t, b.schema)
	periodic := PeriodicJobs(time.Hour)
	if len(periodic) < 1 {
		t.Fatalf("PeriodicJobs returned %d jobs, want the cleanup among them", len(periodic))
	}

	// What the periodic enqueuer inserts, twice: two leaders in a row, or a
	// restart with RunOnStart.
	var results []*rivertype.JobInsertResult
	for range 2 {
		args, opts := MaintenanceArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
		res, err := client.InsertTx(ctx, b.tx, args, opts)
		if err != nil {
			t.Fatalf("InsertTx: %v", err)
		}
		results = append(results, res)
	}
	if results[0].Job.Queue != QueueMaintenance {
		t.Errorf("queue = %q, want %q", results[0].Job.Queue, QueueMaintenance)
	}
	if results[0].UniqueSkippedAsDuplicate || !results[1].UniqueSkippedAsDuplicate {
		t.Errorf("skipped as duplicate = %v, %v; want false, true",
			results[0].UniqueSkippedAsDuplicate, results[1].UniqueSkippedAsDuplicate)
	}
	if results[0].Job.ID != results[1].Job.ID {
		t.Errorf("second insert made job %d, want the first, %d", results[1].Job.ID, results[0].Job.ID)
	}
}
