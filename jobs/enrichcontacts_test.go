package jobs

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/internal/dbtest"
)

// The fan-out runs under a real client: rivertest turns River's unique
// jobs off, and a contact whose enrichment already waits must keep one job.
func TestEnrichContactsWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	var ann, bob uuid.UUID
	for _, c := range []struct {
		email string
		id    *uuid.UUID
	}{{"ann@acme.example", &ann}, {"bob@acme.example", &bob}} {
		if err := pool.QueryRow(ctx, `INSERT INTO contacts (email) VALUES ($1) RETURNING id`, c.email).Scan(c.id); err != nil {
			t.Fatal(err)
		}
	}
	erased := uuid.New() // not there, as after an erasure

	workers := river.NewWorkers()
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
	// Bob's enrichment already waits.
	if _, err := client.Insert(ctx, EnrichContactArgs{ContactID: bob}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Insert(ctx, EnrichContactsArgs{ContactIDs: []uuid.UUID{ann, erased, bob}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(stop)
	})
	waitForJobs(t, ctx, pool, []string{KindEnrichContacts})

	rows, err := pool.Query(ctx, `SELECT (args->>'contact_id')::uuid FROM river_job WHERE kind = $1`, KindEnrichContact)
	if err != nil {
		t.Fatal(err)
	}
	var got []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	slices.SortFunc(got, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	want := []uuid.UUID{ann, bob}
	slices.SortFunc(want, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	if !slices.Equal(got, want) {
		t.Fatalf("enrich_contact jobs for %v, want one each for %v and none for the erased contact", got, want)
	}
}

func TestRequestEnrichmentChunks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx, schema := schemaTx(t)
	client := insertClient(t, schema)
	ids := make([]uuid.UUID, 2*enrichFanOutChunk+1)
	for i := range ids {
		ids[i] = uuid.New()
	}
	n, err := RequestEnrichment(ctx, tx, client, ids)
	if err != nil {
		t.Fatal(err)
	}
	var jobs, carried int
	if err := tx.QueryRow(ctx, `SELECT count(*), coalesce(sum(jsonb_array_length(args->'contact_ids')), 0) FROM river_job WHERE kind = $1`,
		KindEnrichContacts).Scan(&jobs, &carried); err != nil {
		t.Fatal(err)
	}
	if n != len(ids) || jobs != 3 || carried != len(ids) {
		t.Fatalf("handed on %d in %d jobs carrying %d ids; want %d in 3 jobs", n, jobs, carried, len(ids))
	}
	if n, err := RequestEnrichment(ctx, tx, client, nil); n != 0 || err != nil {
		t.Fatalf("nothing to enrich = %d, %v; want 0 and no job", n, err)
	}
}
