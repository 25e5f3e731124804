// Package pipeline reports the progress of the prospect pipeline: where
// contacts and companies stand in enrichment and CRM sync, the pipeline's
// jobs waiting or running, and the imports not yet finished. Every figure
// is one grouped count over an indexed column, cheap enough to poll.
package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/store"
)

// Statuses a count is reported for, zeros included, so a client can rely
// on every key being present.
var (
	EnrichmentStatuses = []string{"pending", "enriched", "not_found", "failed"}
	SyncStatuses       = []string{"pending", "synced", "failed"}
	// JobStates are the states of jobs not yet finished.
	JobStates = []string{"available", "scheduled", "running", "retryable", "pending"}
)

// maxActiveImports bounds the imports listed; more than a handful at once
// is already unusual.
const maxActiveImports = 100

// Progress is the pipeline's state at one moment.
type Progress struct {
	ContactsByEnrichment map[string]int64
	ContactsBySync       map[string]int64
	// SyncWaiting counts contacts marked for sync; SyncBackingOff those of
	// them waiting out a backoff after a failure.
	SyncWaiting, SyncBackingOff int64
	CompaniesByEnrichment       map[string]int64
	// Jobs counts unfinished jobs per kind (each of kinds) and state (each
	// of JobStates).
	Jobs          map[string]map[string]int64
	ActiveImports []Import
}

// Import is an import queued or running, with its counters so far.
type Import struct {
	ID                 uuid.UUID
	Status             string
	Filename           string
	Bytes              int64
	RowsRead           int64
	Inserted           int64
	Updated            int64
	Skipped            int64
	Invalid            int64
	EnrichmentEnqueued int64
	CreatedAt          time.Time
	StartedAt          *time.Time
}

// Read returns the progress at now of the pipeline whose job kinds are
// kinds.
func Read(ctx context.Context, db store.DBTX, kinds []string, now time.Time) (*Progress, error) {
	p := &Progress{Jobs: make(map[string]map[string]int64, len(kinds))}
	var err error
	if p.ContactsByEnrichment, err = countBy(ctx, db, `SELECT enrichment_status, count(*) FROM contacts GROUP BY 1`, EnrichmentStatuses); err != nil {
		return nil, fmt.Errorf("count contacts by enrichment: %w", err)
	}
	if p.ContactsBySync, err = countBy(ctx, db, `SELECT sync_status, count(*) FROM contacts GROUP BY 1`, SyncStatuses); err != nil {
		return nil, fmt.Errorf("count contacts by sync: %w", err)
	}
	if p.CompaniesByEnrichment, err = countBy(ctx, db, `SELECT enrichment_status, count(*) FROM companies GROUP BY 1`, EnrichmentStatuses); err != nil {
		return nil, fmt.Errorf("count companies by enrichment: %w", err)
	}
	if err := db.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE sync_not_before > $1)
		FROM contacts WHERE sync_requested_at IS NOT NULL`, now).Scan(&p.SyncWaiting, &p.SyncBackingOff); err != nil {
		return nil, fmt.Errorf("count sync marks: %w", err)
	}
	for _, k := range kinds {
		p.Jobs[k] = zeros(JobStates)
	}
	rows, err := db.Query(ctx, `
		SELECT kind, state::text, count(*) FROM river_job
		WHERE kind = ANY($1::text[]) AND state = ANY($2::text[]::river_job_state[])
		GROUP BY 1, 2`, kinds, JobStates)
	if err != nil {
		return nil, fmt.Errorf("count pipeline jobs: %w", err)
	}
	var kind, state string
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&kind, &state, &n}, func() error {
		p.Jobs[kind][state] = n
		return nil
	}); err != nil {
		return nil, fmt.Errorf("count pipeline jobs: %w", err)
	}
	if p.ActiveImports, err = activeImports(ctx, db); err != nil {
		return nil, err
	}
	return p, nil
}

func activeImports(ctx context.Context, db store.DBTX) ([]Import, error) {
	rows, err := db.Query(ctx, `
		SELECT id, status, filename, bytes, rows_read, inserted, updated, skipped, invalid,
			enrichment_enqueued, created_at, started_at
		FROM imports WHERE status IN ('queued', 'running')
		ORDER BY created_at, id LIMIT $1`, maxActiveImports)
	if err != nil {
		return nil, fmt.Errorf("list active imports: %w", err)
	}
	out := []Import{}
	var i Import
	if _, err := pgx.ForEachRow(rows, []any{&i.ID, &i.Status, &i.Filename, &i.Bytes, &i.RowsRead, &i.Inserted,
		&i.Updated, &i.Skipped, &i.Invalid, &i.EnrichmentEnqueued, &i.CreatedAt, &i.StartedAt}, func() error {
		out = append(out, i)
		i = Import{} // a fresh StartedAt pointer for the next row
		return nil
	}); err != nil {
		return nil, fmt.Errorf("list active imports: %w", err)
	}
	return out, nil
}

// countBy runs a "SELECT key, count" query into a map holding every one of
// keys.
func countBy(ctx context.Context, db store.DBTX, sql string, keys []string) (map[string]int64, error) {
	out := zeros(keys)
	rows, err := db.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	var k string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&k, &n}, func() error {
		out[k] = n
		return nil
	})
	return out, err
}

func zeros(keys []string) map[string]int64 {
	m := make(map[string]int64, len(keys))
	for _, k := range keys {
		m[k] = 0
	}
	return m
}
