package worker

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/internal/dbtest"
)

func TestQueueStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	schema := dbtest.Schema(pool)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)

	reg := prometheus.NewRegistry()
	// The transaction is the querier: it sees the jobs inserted below
	// without committing them.
	stats, err := NewQueueStats(tx, schema, []string{"ai", "crm", "enrichment"}, reg)
	if err != nil {
		t.Fatal(err)
	}
	gauges := func(queue string) (available, age float64) {
		return testutil.ToFloat64(stats.available.WithLabelValues(queue)),
			testutil.ToFloat64(stats.oldest.WithLabelValues(queue))
	}

	// Configured queues are reported before the first refresh.
	if n := testutil.CollectAndCount(stats.available); n != 3 {
		t.Errorf("available series before refresh = %d, want 3", n)
	}

	client, err := river.NewClient(riverpgxv5.New(nil), &river.Config{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	insert := []river.InsertManyParams{
		{Args: outcomeArgs{}, InsertOpts: &river.InsertOpts{Queue: "crm"}},
		{Args: outcomeArgs{}, InsertOpts: &river.InsertOpts{Queue: "crm"}},
		{Args: outcomeArgs{}, InsertOpts: &river.InsertOpts{Queue: "crm"}},
		{Args: outcomeArgs{}, InsertOpts: &river.InsertOpts{Queue: "ai"}},
		// Not configured here, still reported: jobs nobody serves are
		// exactly what an operator needs to see.
		{Args: outcomeArgs{}, InsertOpts: &river.InsertOpts{Queue: "orphan"}},
		// Scheduled for later: not available, not counted.
		{Args: outcomeArgs{}, InsertOpts: &river.InsertOpts{Queue: "ai", ScheduledAt: now.Add(time.Hour)}},
	}
	if _, err := client.InsertManyTx(ctx, tx, insert); err != nil {
		t.Fatalf("insert jobs: %v", err)
	}
	// River inserts any job with a ScheduledAt as scheduled, so age one crm
	// job by hand: it has been available for two minutes.
	if _, err := tx.Exec(ctx, `UPDATE river_job SET scheduled_at = now() - interval '2 minutes'
		WHERE id = (SELECT min(id) FROM river_job WHERE queue = 'crm')`); err != nil {
		t.Fatal(err)
	}

	if err := stats.Refresh(ctx); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	for _, tc := range []struct {
		queue          string
		available      float64
		minAge, maxAge float64
	}{
		{"crm", 3, 110, 3600}, // oldest waited ~120 s
		{"ai", 1, 0, 60},
		{"orphan", 1, 0, 60},
		{"enrichment", 0, 0, 0},
	} {
		available, age := gauges(tc.queue)
		if available != tc.available {
			t.Errorf("river_queue_available_jobs{queue=%q} = %v, want %v", tc.queue, available, tc.available)
		}
		if age < tc.minAge || age > tc.maxAge {
			t.Errorf("river_queue_oldest_available_age_seconds{queue=%q} = %v, want in [%v, %v]", tc.queue, age, tc.minAge, tc.maxAge)
		}
	}

	// Once worked, a queue drops back to zero rather than keeping its
	// last value.
	if _, err := tx.Exec(ctx, `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE queue IN ('crm', 'orphan')`); err != nil {
		t.Fatal(err)
	}
	if err := stats.Refresh(ctx); err != nil {
		t.Fatalf("second Refresh: %v", err)
	}
	for _, q := range []string{"crm", "orphan"} {
		if available, age := gauges(q); available != 0 || age != 0 {
			t.Errorf("queue %s after draining: available %v, age %v; want 0, 0", q, available, age)
		}
	}
	if available, _ := gauges("ai"); available != 1 {
		t.Errorf("ai after draining others = %v, want 1", available)
	}
}
