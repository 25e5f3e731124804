package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/jobs"
)

type pipelineJSON struct {
	Contacts struct {
		ByEnrichmentStatus map[string]int64 `json:"by_enrichment_status"`
		BySyncStatus       map[string]int64 `json:"by_sync_status"`
		SyncWaiting        int64            `json:"sync_waiting"`
		SyncBackingOff     int64            `json:"sync_backing_off"`
	} `json:"contacts"`
	Companies struct {
		ByEnrichmentStatus map[string]int64 `json:"by_enrichment_status"`
	} `json:"companies"`
	Jobs          map[string]map[string]int64 `json:"jobs"`
	ActiveImports []struct {
		Status   string `json:"status"`
		Filename string `json:"filename"`
		RowsRead int64  `json:"rows_read"`
	} `json:"active_imports"`
}

// The pipeline shows each stage's counts, the unfinished jobs per kind and
// state, and only the imports still in progress.
func TestPipelineProgress(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := b.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO companies (domain, enrichment_status) VALUES ('a.example', 'enriched'), ('b.example', 'pending')`)
	exec(`INSERT INTO contacts (email, enrichment_status, sync_status, sync_requested_at, sync_not_before) VALUES
		('p1@a.example', 'enriched', 'synced', NULL, NULL),
		('p2@a.example', 'enriched', 'failed', now(), now() + interval '1 hour'),
		('p3@a.example', 'not_found', 'pending', now(), NULL),
		('p4@a.example', 'pending', 'pending', NULL, NULL)`)
	exec(`INSERT INTO imports (format, status, filename, rows_read, created_at) VALUES
		('csv', 'running', 'running.csv', 500, now() - interval '2 minutes'),
		('jsonl', 'queued', 'queued.jsonl', 0, now() - interval '1 minute'),
		('csv', 'completed', 'done.csv', 9, now() - interval '3 minutes')`)
	for _, args := range []river.JobArgs{
		jobs.EnrichContactArgs{ContactID: uuid.New()}, jobs.EnrichContactArgs{ContactID: uuid.New()},
		jobs.EnrichContactArgs{ContactID: uuid.New()}, jobs.ScoreContactArgs{ContactID: uuid.New()},
	} {
		if _, err := b.river.Insert(ctx, args, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.river.Insert(ctx, jobs.CRMSyncContactsArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now()
		WHERE id = (SELECT min(id) FROM river_job WHERE kind = $1)`, jobs.KindEnrichContact)
	exec(`UPDATE river_job SET state = 'completed', finalized_at = now()
		WHERE id = (SELECT max(id) FROM river_job WHERE kind = $1)`, jobs.KindEnrichContact)

	r := b.do(t, request{method: "GET", path: "/api/v1/pipeline", headers: bearer(b.reader)})
	if r.status != 200 {
		t.Fatalf("status = %d; body %s", r.status, r.body)
	}
	got := decode[pipelineJSON](t, r)
	checks := []struct {
		name      string
		got, want any
	}{
		{"contacts by enrichment", got.Contacts.ByEnrichmentStatus, map[string]int64{"pending": 1, "enriched": 2, "not_found": 1, "failed": 0}},
		{"contacts by sync", got.Contacts.BySyncStatus, map[string]int64{"pending": 2, "synced": 1, "failed": 1}},
		{"sync waiting, backing off", [2]int64{got.Contacts.SyncWaiting, got.Contacts.SyncBackingOff}, [2]int64{2, 1}},
		{"companies by enrichment", got.Companies.ByEnrichmentStatus, map[string]int64{"pending": 1, "enriched": 1, "not_found": 0, "failed": 0}},
		{"enrich_contact jobs", got.Jobs[jobs.KindEnrichContact], map[string]int64{"available": 1, "scheduled": 0, "running": 1, "retryable": 0, "pending": 0}},
		{"score_contact jobs", got.Jobs[jobs.KindScoreContact]["available"], int64(1)},
		{"crm sync jobs", got.Jobs[jobs.KindCRMSyncContacts]["scheduled"], int64(1)},
		{"import jobs", got.Jobs[jobs.KindImportContacts]["available"], int64(0)},
		{"kinds", len(got.Jobs), 6},
		{"enrich_contacts jobs", got.Jobs[jobs.KindEnrichContacts]["available"], int64(0)},
		{"active imports", fmt.Sprint(got.ActiveImports), "[{running running.csv 500} {queued queued.jsonl 0}]"},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if r := b.do(t, request{method: "GET", path: "/api/v1/pipeline"}); r.status != 401 {
		t.Errorf("without a key: status = %d, want 401", r.status)
	}
}
