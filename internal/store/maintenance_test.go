package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/dbtest"
)

// purgeFixture inserts one API key and, relative to now, expired and live
// idempotency keys and JWT revocations.
func purgeFixture(t *testing.T, ctx context.Context, tx pgx.Tx, now time.Time, expired, live int) {
	t.Helper()
	var keyID string
	if err := tx.QueryRow(ctx,
		`INSERT INTO api_keys (name, prefix, key_hash) VALUES ('purge', 'purge', 'h') RETURNING id`,
	).Scan(&keyID); err != nil {
		t.Fatalf("insert api key: %v", err)
	}
	insert := func(i int, expiresAt time.Time) {
		if _, err := tx.Exec(ctx,
			`INSERT INTO idempotency_keys (api_key_id, key, method, path, request_hash, expires_at)
			 VALUES ($1, $2, 'POST', '/x', '\x00', $3)`, keyID, fmt.Sprintf("k%d", i), expiresAt); err != nil {
			t.Fatalf("insert idempotency key: %v", err)
		}
		if _, err := tx.Exec(ctx,
			`INSERT INTO jwt_revocations (jti, expires_at) VALUES ($1, $2)`, fmt.Sprintf("j%d", i), expiresAt); err != nil {
			t.Fatalf("insert jwt revocation: %v", err)
		}
	}
	for i := range expired {
		// The first expired row expires exactly at now: "<= now" is expired.
		insert(i, now.Add(-time.Duration(i)*time.Minute))
	}
	for i := range live {
		insert(expired+i, now.Add(time.Duration(i+1)*time.Second))
	}
}

func countRows(t *testing.T, ctx context.Context, tx pgx.Tx, table string) int64 {
	t.Helper()
	var n int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestPurgeExpired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)

	t.Run("deletes only expired rows", func(t *testing.T) {
		t.Parallel()
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		now := time.Now().Truncate(time.Microsecond) // Postgres keeps microseconds
		purgeFixture(t, ctx, tx, now, 5, 3)

		got, err := PurgeExpired(ctx, tx, now)
		if err != nil {
			t.Fatalf("PurgeExpired: %v", err)
		}
		if want := (Purged{IdempotencyKeys: 5, JWTRevocations: 5}); got != want {
			t.Errorf("purged = %+v, want %+v", got, want)
		}
		for _, table := range []string{"idempotency_keys", "jwt_revocations"} {
			if n := countRows(t, ctx, tx, table); n != 3 {
				t.Errorf("%s left = %d, want 3 live rows", table, n)
			}
		}

		again, err := PurgeExpired(ctx, tx, now)
		if err != nil {
			t.Fatalf("second PurgeExpired: %v", err)
		}
		if again != (Purged{}) {
			t.Errorf("second purge = %+v, want nothing", again)
		}
	})

	t.Run("loops over bounded batches", func(t *testing.T) {
		t.Parallel()
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		now := time.Now().Truncate(time.Microsecond)
		purgeFixture(t, ctx, tx, now, 7, 2)

		// Batches of 3 take three statements for 7 rows (3+3+1); the loop
		// must not stop after the first full batch.
		for _, tc := range []struct {
			sql  string
			want int64
		}{{purgeIdempotencyKeysSQL, 7}, {purgeJWTRevocationsSQL, 7}} {
			got, err := purgeBatches(ctx, tx, tc.sql, now, 3)
			if err != nil {
				t.Fatalf("purgeBatches: %v", err)
			}
			if got != tc.want {
				t.Errorf("purged %d, want %d", got, tc.want)
			}
		}
		if n := countRows(t, ctx, tx, "idempotency_keys"); n != 2 {
			t.Errorf("idempotency_keys left = %d, want 2", n)
		}
	})
}
