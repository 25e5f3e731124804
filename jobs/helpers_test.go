package jobs

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

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
