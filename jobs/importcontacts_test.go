package jobs

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/importer"
	"github.com/rtgs/sales-automation/internal/imports"
)

// runImport stores csv as an upload with its import_contacts job, lets a
// real River client work it, and returns the job as it ended. breakIt
// runs between upload and work.
func runImport(t *testing.T, csv string, breakIt func(pool *pgxpool.Pool, id uuid.UUID)) (*pgxpool.Pool, importer.Import, *rivertype.JobRow) {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	deps := Deps{Pool: pool, Hasher: contacts.NewHasher([]byte(config.DevSuppressionKey))}
	workers := river.NewWorkers()
	river.AddWorker(workers, NewImportContactsWorker(deps))
	river.AddWorker(workers, &EnrichContactsWorker{db: pool})
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema: dbtest.Schema(pool), Workers: workers, SkipUnknownJobCheck: true,
		Queues:            map[string]river.QueueConfig{QueueMaintenance: {MaxWorkers: 1}},
		FetchPollInterval: 20 * time.Millisecond, FetchCooldown: 10 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := importer.New(pool, deps.Hasher, importer.Config{BatchRows: 2}, nil)
	imp, _, err := svc.Accept(ctx, importer.Upload{Format: imports.CSV, Body: strings.NewReader(csv), Declared: -1, MaxBytes: 1 << 20},
		func(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
			_, err := client.InsertTx(ctx, tx, ImportContactsArgs{ImportID: id}, nil)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	if breakIt != nil {
		breakIt(pool, imp.ID)
	}
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled, river.EventKindJobFailed)
	defer cancel()
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(stop)
	})
	var job *rivertype.JobRow
	for job == nil {
		select {
		case ev := <-events:
			if ev.Job.Kind == KindImportContacts {
				job = ev.Job
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the import job never finished")
		}
	}
	imp, err = svc.Get(ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	return pool, imp, job
}

func TestImportContactsWorker(t *testing.T) {
	t.Parallel()

	t.Run("imports, enqueues enrichment and completes in its last transaction", func(t *testing.T) {
		t.Parallel()
		csv := "email,first_name\nann@acme.com,Ann\nbob@acme.com,Bob\nann@acme.com,Annie\nbad,X\ncy@acme.com,Cy\n"
		pool, imp, job := runImport(t, csv, nil)
		if job.State != rivertype.JobStateCompleted || imp.Status != importer.StatusCompleted {
			t.Fatalf("job %s, import %s; want both completed", job.State, imp.Status)
		}
		if imp.Inserted != 3 || imp.Updated != 1 || imp.Invalid != 1 || imp.RowsRead != 5 {
			t.Fatalf("import = %+v", imp)
		}
		// Ann's two rows merge within the batch: one contact, one job.
		waitForJobs(t, context.Background(), pool, []string{KindEnrichContacts})
		var jobs int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = $1`, KindEnrichContact).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		if jobs != 3 || imp.EnrichmentEnqueued != 3 {
			t.Fatalf("%d enrichment jobs, %d handed on; want 3 and 3", jobs, imp.EnrichmentEnqueued)
		}
	})

	t.Run("an upload whose chunks are gone fails the import and cancels the job", func(t *testing.T) {
		t.Parallel()
		_, imp, job := runImport(t, "email\nann@acme.com\n", func(pool *pgxpool.Pool, id uuid.UUID) {
			if _, err := pool.Exec(context.Background(), `DELETE FROM import_chunks WHERE import_id = $1`, id); err != nil {
				t.Fatal(err)
			}
		})
		if job.State != rivertype.JobStateCancelled || imp.Status != importer.StatusFailed || imp.Error == "" {
			t.Fatalf("job %s, import %s %q; want cancelled and failed with a reason", job.State, imp.Status, imp.Error)
		}
	})
}
