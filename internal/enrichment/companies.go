package enrichment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/store"
)

// CompanyBatch is a claimed batch of companies.
type CompanyBatch = Batch[CompanyQuery, Company]

// Company reads a company's enrichment state; ErrGone when it was deleted.
func (s *Service) Company(ctx context.Context, db store.DBTX, id uuid.UUID) (Row, error) {
	var r Row
	err := db.QueryRow(ctx, `
		SELECT enrichment_status, enriched_at, enrichment_claimed_by, enrichment_claimed_until
		FROM companies WHERE id = $1`, id).
		Scan(&r.Status, &r.EnrichedAt, &r.ClaimedBy, &r.ClaimedUntil)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrGone
	}
	if err != nil {
		return r, fmt.Errorf("read company enrichment: %w", err)
	}
	return r, nil
}

// EnrichCompanies claims company own for job, with up to a vendor batch of
// other companies whose enrich_company jobs are waiting, and concludes each
// from the cache or, for the rest, through the waterfall (one lookup per
// domain: domains are unique and claimed rows are nobody else's). Nothing
// is written but the claims and the cache: the caller stores the batch
// (StoreCompanies) in the transaction that completes its job.
func (s *Service) EnrichCompanies(ctx context.Context, job int64, own uuid.UUID) (*CompanyBatch, error) {
	now := s.now()
	others := 0
	if s.peers.CompanyKind != "" {
		others = s.batch - 1
	}
	rows, err := s.db.Query(ctx, `
		WITH own AS (
			SELECT id FROM companies
			WHERE id = $1
			  AND (enrichment_claimed_until IS NULL OR enrichment_claimed_until <= $3 OR enrichment_claimed_by = $2)
			  AND (enrichment_status IN ('pending', 'failed') OR enriched_at IS NULL OR enriched_at < $5)
			FOR UPDATE SKIP LOCKED
		), others AS (
			SELECT c.id FROM river_job j JOIN companies c ON c.id = (j.args->>'company_id')::uuid
			WHERE j.state IN ('available', 'scheduled') AND j.scheduled_at <= $9 AND j.queue = $6 AND j.kind = $7
			  AND c.id <> $1 AND EXISTS (SELECT 1 FROM own)
			  AND (c.enrichment_claimed_until IS NULL OR c.enrichment_claimed_until <= $3)
			  AND (c.enrichment_status IN ('pending', 'failed') OR c.enriched_at IS NULL OR c.enriched_at < $5)
			ORDER BY j.priority, j.scheduled_at, j.id
			LIMIT $8
			FOR UPDATE OF c SKIP LOCKED
		)
		UPDATE companies c SET enrichment_claimed_by = $2, enrichment_claimed_until = $4
		WHERE c.id IN (SELECT id FROM own UNION ALL SELECT id FROM others)
		RETURNING c.id, c.domain, c.name, c.enriched_at`,
		own, job, now, now.Add(s.cfg.Lease), now.Add(-s.cfg.CompanyCacheTTL),
		s.peers.Queue, s.peers.CompanyKind, others, now.Add(peerWindow))
	if err != nil {
		return nil, fmt.Errorf("claim companies: %w", err)
	}
	var keys []string
	qs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CompanyQuery, error) {
		var q CompanyQuery
		var enrichedAt *time.Time
		err := row.Scan(&q.ID, &q.Domain, &q.Name, &enrichedAt)
		if s.cache != nil {
			keys = append(keys, s.cache.key(q.Domain, enrichedAt))
		}
		return q, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim companies: %w", err)
	}
	b := &CompanyBatch{JobID: job, Queries: qs, IDs: make([]uuid.UUID, len(qs)), Outcomes: make([]Outcome[Company], len(qs))}
	for i, q := range qs {
		b.IDs[i] = q.ID
		b.Own = b.Own || q.ID == own
	}
	if !b.Own {
		return b, nil
	}

	// The cache answers what it can; the waterfall the rest.
	var missIdx []int
	var missQ []CompanyQuery
	for i, hit := range s.cache.get(ctx, keys) {
		if hit != nil {
			b.Outcomes[i] = *hit
			continue
		}
		missIdx = append(missIdx, i)
		missQ = append(missQ, qs[i])
	}
	if len(keys) == 0 { // no cache
		missIdx, missQ = make([]int, len(qs)), qs
		for i := range qs {
			missIdx[i] = i
		}
	}
	if len(missQ) == 0 {
		return b, nil
	}
	got, wait, err := runWaterfall(ctx, s, "company", s.company, missQ)
	if err != nil {
		return nil, errors.Join(err, s.Release(ctx, Companies, job, b.IDs))
	}
	b.Wait = wait
	var missKeys []string
	for j, i := range missIdx {
		b.Outcomes[i] = got[j]
		if s.cache != nil {
			missKeys = append(missKeys, keys[i])
		}
	}
	s.cache.put(ctx, missKeys, got)
	return b, nil
}

// StoreCompanies writes the concluded outcomes of b on tx and releases
// every claim of b; deferred companies stay pending for their own jobs.
// The name fills an empty name only; the other typed fields replace what
// the company had where the vendor gave them.
func (s *Service) StoreCompanies(ctx context.Context, tx pgx.Tx, b *CompanyBatch) error {
	now := s.now()
	batch := &pgx.Batch{}
	for i, o := range b.Outcomes {
		id := b.IDs[i]
		switch o.Status {
		case StatusEnriched:
			c := o.Fields
			tech := c.Technologies
			if tech == nil {
				tech = []string{}
			}
			batch.Queue(`
				UPDATE companies SET
					name           = CASE WHEN name = '' THEN $3 ELSE name END,
					industry       = CASE WHEN $4 <> '' THEN $4 ELSE industry END,
					employee_count = COALESCE($5, employee_count),
					employee_range = CASE WHEN $6 <> '' THEN $6 ELSE employee_range END,
					country        = CASE WHEN $7 <> '' THEN $7 ELSE country END,
					technologies   = CASE WHEN cardinality($8::text[]) > 0 THEN $8::text[] ELSE technologies END,
					enrichment = enrichment || jsonb_build_object($9::text, $10::jsonb),
					enrichment_status = 'enriched', enrichment_source = $9, enrichment_error = '',
					enriched_at = $11, updated_at = $11,
					enrichment_claimed_by = NULL, enrichment_claimed_until = NULL
				WHERE id = $1 AND enrichment_claimed_by = $2`,
				id, b.JobID, c.Name, c.Industry, c.EmployeeCount, c.EmployeeRange, c.Country, tech,
				o.Source, rawOrEmpty(o.Raw), now)
		case StatusNotFound, StatusFailed:
			queueConclusion(batch, Companies, id, b.JobID, o, now)
		}
	}
	batch.Queue(releaseSQL(Companies), b.IDs, b.JobID)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("store company enrichment: %w", err)
	}
	return nil
}
