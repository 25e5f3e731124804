package crmsync

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/hubspot"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/dbtest"
)

// BenchmarkSyncBatch measures one run of 100 contacts at 10 companies
// against a zero-latency, unlimited HubSpot simulator: take (locked), push
// (3 HubSpot calls), record and commit. The anchor, measured in the same
// run, is the push alone on the same batch: the vendor side no sync can
// avoid. The gap is what the database work adds.
func BenchmarkSyncBatch(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.Pool(b)
	knobs := vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {}, "search": {}}}
	sim := vendorsim.New(vendorsim.Options{Knobs: map[string]vendorsim.Knobs{"hubspot": knobs}}, vendorsim.NewHubSpot("pat-bench"))
	srv := httptest.NewServer(sim.Handler())
	b.Cleanup(srv.Close)
	hs, err := hubspot.NewClient(hubspot.Config{BaseURL: srv.URL + "/hubspot", Token: "pat-bench", HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		b.Fatal(err)
	}
	syncer := NewSyncer(hs)
	if _, err := pool.Exec(ctx, `INSERT INTO companies (domain, name) SELECT 'co' || i || '.example', 'Co ' || i FROM generate_series(0, 9) i`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO contacts (email, first_name, title, domain, company_id)
		SELECT 'p' || i || '@co' || (i % 10) || '.example', 'P' || i, 'CTO', 'co' || (i % 10) || '.example',
			(SELECT id FROM companies WHERE domain = 'co' || (i % 10) || '.example')
		FROM generate_series(0, 99) i`); err != nil {
		b.Fatal(err)
	}
	mark := func() {
		if _, err := pool.Exec(ctx, `UPDATE contacts SET sync_requested_at = now()`); err != nil {
			b.Fatal(err)
		}
	}

	run := func() {
		tx, err := pool.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback(ctx)
		now := time.Now()
		batch, err := Take(ctx, tx, now, BatchSize)
		if err != nil || len(batch.Contacts) != BatchSize {
			b.Fatalf("take: %d contacts, %v", len(batch.Contacts), err)
		}
		out, err := syncer.Push(ctx, batch)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Record(ctx, tx, batch, out, now); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	mark()
	tx, err := pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	batch, err := Take(ctx, tx, time.Now(), BatchSize)
	tx.Rollback(ctx)
	if err != nil {
		b.Fatal(err)
	}

	var ours, anchor time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		mark()
		b.StartTimer()
		start := time.Now()
		run()
		ours += time.Since(start)

		start = time.Now()
		if _, err := syncer.Push(ctx, batch); err != nil {
			b.Fatal(err)
		}
		anchor += time.Since(start)
	}
	perSec := func(d time.Duration) float64 { return float64(b.N*BatchSize) / d.Seconds() }
	b.ReportMetric(perSec(ours), "contacts/s")
	b.ReportMetric(perSec(anchor), "anchor_push_only_contacts/s")
	b.ReportMetric(perSec(ours)/perSec(anchor), "x_anchor")
	b.Logf("sync batch of %d: %.0f contacts/s; push alone (anchor) %.0f contacts/s; %.2fx", BatchSize,
		perSec(ours), perSec(anchor), perSec(ours)/perSec(anchor))
}
