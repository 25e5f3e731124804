package jobs

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/internal/dbtest"
)

// schemaTx gives a test a transaction on its own freshly migrated schema,
// rolled back at the end, and the schema's name for River's config. Workers
// under test begin their transactions inside it (as savepoints), so
// JobCompleteTx sees the jobs rivertest inserted there.
func schemaTx(t *testing.T) (pgx.Tx, string) {
	t.Helper()
	pool := dbtest.Pool(t)
	tx, err := pool.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(context.Background()) })
	return tx, dbtest.Schema(pool)
}

// insertClient is a River client that only inserts (no pool, no workers),
// into schema, through the transactions it is given.
func insertClient(t *testing.T, schema string) *river.Client[pgx.Tx] {
	t.Helper()
	client, err := river.NewClient(riverpgxv5.New(nil), &river.Config{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	return client
}
