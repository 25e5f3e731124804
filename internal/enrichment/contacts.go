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

// ErrGone means the row no longer exists (a contact erased, a company
// deleted): its job has nothing left to do.
var ErrGone = errors.New("enrichment: row gone")

// Row is the enrichment state of one contact or company.
type Row struct {
	Status       string
	EnrichedAt   *time.Time
	ClaimedBy    *int64
	ClaimedUntil *time.Time
	CompanyID    *uuid.UUID // contacts only
}

// Due reports whether the row needs a lookup: never concluded, failed, or
// concluded longer than ttl ago.
func (r Row) Due(now time.Time, ttl time.Duration) bool {
	switch {
	case r.Status == StatusPending || r.Status == StatusFailed || r.EnrichedAt == nil:
		return true
	default:
		return r.EnrichedAt.Before(now.Add(-ttl))
	}
}

// ClaimedElsewhere returns how long another job's claim on the row still
// holds; ok is false when the row is free or claimed by job itself.
func (r Row) ClaimedElsewhere(job int64, now time.Time) (left time.Duration, ok bool) {
	if r.ClaimedUntil == nil || !r.ClaimedUntil.After(now) || (r.ClaimedBy != nil && *r.ClaimedBy == job) {
		return 0, false
	}
	return r.ClaimedUntil.Sub(now), true
}

// Contact reads a contact's enrichment state; ErrGone when it was erased.
func (s *Service) Contact(ctx context.Context, db store.DBTX, id uuid.UUID) (Row, error) {
	var r Row
	err := db.QueryRow(ctx, `
		SELECT enrichment_status, enriched_at, enrichment_claimed_by, enrichment_claimed_until, company_id
		FROM contacts WHERE id = $1`, id).
		Scan(&r.Status, &r.EnrichedAt, &r.ClaimedBy, &r.ClaimedUntil, &r.CompanyID)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrGone
	}
	if err != nil {
		return r, fmt.Errorf("read contact enrichment: %w", err)
	}
	return r, nil
}

// Batch is a job's claimed rows and what the waterfall concluded for each.
type Batch[Q, T any] struct {
	JobID int64
	// Own is false when the job's own row could not be claimed (another
	// job took it, or it was concluded meanwhile): then nothing is claimed.
	Own      bool
	IDs      []uuid.UUID
	Queries  []Q
	Outcomes []Outcome[T]
	Wait     Wait
}

// Of returns the outcome of row id.
func (b *Batch[Q, T]) Of(id uuid.UUID) (Outcome[T], bool) {
	for i, x := range b.IDs {
		if x == id {
			return b.Outcomes[i], true
		}
	}
	return Outcome[T]{}, false
}

// ContactBatch is a claimed batch of contacts.
type ContactBatch = Batch[PersonQuery, Person]

// EnrichContacts claims contact own for job, with up to a vendor batch of
// other contacts whose enrich_contact jobs are waiting, looks them all up
// through the waterfall and returns what it concluded. Nothing is written
// but the claims: the caller stores the batch (StoreContacts) in the
// transaction that completes its job, or releases it.
func (s *Service) EnrichContacts(ctx context.Context, job int64, own uuid.UUID) (*ContactBatch, error) {
	now := s.now()
	others := 0
	if s.peers.ContactKind != "" {
		others = s.batch - 1
	}
	rows, err := s.db.Query(ctx, `
		WITH own AS (
			SELECT id FROM contacts
			WHERE id = $1
			  AND (enrichment_claimed_until IS NULL OR enrichment_claimed_until <= $3 OR enrichment_claimed_by = $2)
			  AND (enrichment_status IN ('pending', 'failed') OR enriched_at IS NULL OR enriched_at < $5)
			FOR UPDATE SKIP LOCKED
		), others AS (
			SELECT c.id FROM river_job j JOIN contacts c ON c.id = (j.args->>'contact_id')::uuid
			WHERE j.state IN ('available', 'scheduled') AND j.scheduled_at <= $9 AND j.queue = $6 AND j.kind = $7
			  AND c.id <> $1 AND EXISTS (SELECT 1 FROM own)
			  AND (c.enrichment_claimed_until IS NULL OR c.enrichment_claimed_until <= $3)
			  AND (c.enrichment_status IN ('pending', 'failed') OR c.enriched_at IS NULL OR c.enriched_at < $5)
			ORDER BY j.priority, j.scheduled_at, j.id
			LIMIT $8
			FOR UPDATE OF c SKIP LOCKED
		)
		UPDATE contacts c SET enrichment_claimed_by = $2, enrichment_claimed_until = $4
		WHERE c.id IN (SELECT id FROM own UNION ALL SELECT id FROM others)
		RETURNING c.id, c.email, c.first_name, c.last_name, c.company_name, c.domain, c.linkedin_url`,
		own, job, now, now.Add(s.cfg.Lease), now.Add(-s.cfg.ContactTTL),
		s.peers.Queue, s.peers.ContactKind, others, now.Add(peerWindow))
	if err != nil {
		return nil, fmt.Errorf("claim contacts: %w", err)
	}
	qs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (PersonQuery, error) {
		var q PersonQuery
		err := row.Scan(&q.ID, &q.Email, &q.FirstName, &q.LastName, &q.CompanyName, &q.Domain, &q.LinkedInURL)
		return q, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim contacts: %w", err)
	}
	b := &ContactBatch{JobID: job, Queries: qs, IDs: make([]uuid.UUID, len(qs))}
	for i, q := range qs {
		b.IDs[i] = q.ID
		b.Own = b.Own || q.ID == own
	}
	if !b.Own {
		return b, nil
	}
	b.Outcomes, b.Wait, err = runWaterfall(ctx, s, "person", s.people, qs)
	if err != nil {
		return nil, errors.Join(err, s.Release(ctx, Contacts, job, b.IDs))
	}
	return b, nil
}

// StoreContacts writes the concluded outcomes of b on tx, filling only the
// fields the contacts do not have yet, and releases every claim of b;
// deferred contacts stay pending for their own jobs. Rows whose claim
// passed to another job meanwhile are left to it.
func (s *Service) StoreContacts(ctx context.Context, tx pgx.Tx, b *ContactBatch) error {
	now := s.now()
	batch := &pgx.Batch{}
	for i, o := range b.Outcomes {
		id := b.IDs[i]
		switch o.Status {
		case StatusEnriched:
			p := o.Fields
			batch.Queue(`
				UPDATE contacts SET
					first_name   = CASE WHEN first_name = '' THEN $3 ELSE first_name END,
					last_name    = CASE WHEN last_name = '' THEN $4 ELSE last_name END,
					title        = CASE WHEN title = '' THEN $5 ELSE title END,
					seniority    = CASE WHEN seniority = '' THEN $6 ELSE seniority END,
					phone        = CASE WHEN phone = '' THEN $7 ELSE phone END,
					linkedin_url = CASE WHEN linkedin_url = '' THEN $8 ELSE linkedin_url END,
					country      = CASE WHEN country = '' THEN $9 ELSE country END,
					enrichment = enrichment || jsonb_build_object($10::text, $11::jsonb),
					enrichment_status = 'enriched', enrichment_source = $10, enrichment_error = '',
					enriched_at = $12, updated_at = $12,
					enrichment_claimed_by = NULL, enrichment_claimed_until = NULL
				WHERE id = $1 AND enrichment_claimed_by = $2`,
				id, b.JobID, p.FirstName, p.LastName, p.Title, p.Seniority, p.Phone, p.LinkedInURL, p.Country,
				o.Source, rawOrEmpty(o.Raw), now)
		case StatusNotFound, StatusFailed:
			queueConclusion(batch, Contacts, id, b.JobID, o, now)
		}
	}
	batch.Queue(releaseSQL(Contacts), b.IDs, b.JobID)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("store contact enrichment: %w", err)
	}
	return nil
}

// CompanyDue reports whether company id should be looked up: pending, or
// concluded (enriched or not_found) longer than the cache TTL ago. A failed
// company waits for an explicit request rather than one per contact.
func (s *Service) CompanyDue(ctx context.Context, db store.DBTX, id uuid.UUID) (bool, error) {
	var due bool
	err := db.QueryRow(ctx, `
		SELECT enrichment_status = 'pending'
		    OR (enrichment_status IN ('enriched', 'not_found') AND (enriched_at IS NULL OR enriched_at < $2))
		FROM companies WHERE id = $1`, id, s.now().Add(-s.cfg.CompanyCacheTTL)).Scan(&due)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read company enrichment: %w", err)
	}
	return due, nil
}

func rawOrEmpty(raw []byte) []byte {
	if len(raw) == 0 {
		return []byte(`{}`)
	}
	return raw
}
