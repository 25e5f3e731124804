package enrichment

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Table names a kind of enriched row. Contacts and companies carry the same
// enrichment and claim columns, so the statements below serve both; the
// name is always one of these constants, never input.
type Table string

// The enriched tables.
const (
	Contacts  Table = "contacts"
	Companies Table = "companies"
)

// queueConclusion queues the write of a not_found or failed outcome of the
// row id claimed by job, releasing the claim. A failure keeps the last
// conclusion's enriched_at.
func queueConclusion[T any](batch *pgx.Batch, t Table, id uuid.UUID, job int64, o Outcome[T], now time.Time) {
	enrichedAt := &now
	if o.Status == StatusFailed {
		enrichedAt = nil
	}
	batch.Queue(`
		UPDATE `+string(t)+` SET enrichment_status = $3, enrichment_source = '', enrichment_error = $4,
			enriched_at = COALESCE($5, enriched_at), updated_at = $6,
			enrichment_claimed_by = NULL, enrichment_claimed_until = NULL
		WHERE id = $1 AND enrichment_claimed_by = $2`,
		id, job, o.Status, o.Reason, enrichedAt, now)
}

// releaseSQL gives up job ($2)'s claims on the rows ids ($1).
func releaseSQL(t Table) string {
	return `UPDATE ` + string(t) + ` SET enrichment_claimed_by = NULL, enrichment_claimed_until = NULL
		WHERE id = ANY($1) AND enrichment_claimed_by = $2`
}

// Fail marks the row id of t failed with reason (no vendor configured, a
// permanent refusal) and releases any claim on it, on tx.
func (s *Service) Fail(ctx context.Context, tx pgx.Tx, t Table, id uuid.UUID, reason string) error {
	_, err := tx.Exec(ctx, `
		UPDATE `+string(t)+` SET enrichment_status = 'failed', enrichment_error = $2, updated_at = $3,
			enrichment_claimed_by = NULL, enrichment_claimed_until = NULL
		WHERE id = $1`, id, truncate(reason, maxReason), s.now())
	if err != nil {
		return fmt.Errorf("mark %s enrichment failed: %w", t, err)
	}
	return nil
}

// Release gives up job's claims on ids of t without writing anything, so
// their own jobs may look them up.
func (s *Service) Release(ctx context.Context, t Table, job int64, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.db.Exec(ctx, releaseSQL(t), ids, job); err != nil {
		return fmt.Errorf("release %s claims: %w", t, err)
	}
	return nil
}
