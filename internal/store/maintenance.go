package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Purged counts the rows PurgeExpired deleted, per table.
type Purged struct {
	IdempotencyKeys int64
	JWTRevocations  int64
}

// purgeBatchSize bounds one DELETE statement, so no single statement has to
// sort or hold locks on an unbounded backlog (e.g. after cleanup was off for
// a week).
const purgeBatchSize = 10_000

// Each statement deletes at most $2 expired rows picked by ctid. SKIP LOCKED
// leaves rows an API request is using right now for the next run instead of
// waiting on them.
const (
	purgeIdempotencyKeysSQL = `
DELETE FROM idempotency_keys
WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM idempotency_keys
    WHERE expires_at <= $1
    LIMIT $2
    FOR UPDATE SKIP LOCKED))`

	purgeJWTRevocationsSQL = `
DELETE FROM jwt_revocations
WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM jwt_revocations
    WHERE expires_at <= $1
    LIMIT $2
    FOR UPDATE SKIP LOCKED))`
)

// PurgeExpired deletes idempotency keys and JWT revocations that expired at
// or before now. It runs inside tx so the caller can commit the deletion
// together with other state (the maintenance job completes itself in the
// same transaction).
func PurgeExpired(ctx context.Context, tx pgx.Tx, now time.Time) (Purged, error) {
	keys, err := purgeBatches(ctx, tx, purgeIdempotencyKeysSQL, now, purgeBatchSize)
	if err != nil {
		return Purged{}, fmt.Errorf("purge expired idempotency keys: %w", err)
	}
	revocations, err := purgeBatches(ctx, tx, purgeJWTRevocationsSQL, now, purgeBatchSize)
	if err != nil {
		return Purged{}, fmt.Errorf("purge expired jwt revocations: %w", err)
	}
	return Purged{IdempotencyKeys: keys, JWTRevocations: revocations}, nil
}

// purgeBatches runs one bounded DELETE until a batch comes back short, which
// means nothing deletable is left (rows skipped as locked wait for the next
// run).
func purgeBatches(ctx context.Context, tx pgx.Tx, sql string, now time.Time, batch int) (int64, error) {
	var total int64
	for {
		tag, err := tx.Exec(ctx, sql, now, batch)
		if err != nil {
			return total, err
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < int64(batch) {
			return total, nil
		}
	}
}
