package importer_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/importer"
)

// Two imports of the same file run at once: new addresses are COPYed in,
// so the import that loses the race for an address sees its COPY fail and
// upserts its batch instead. Every address ends up stored once and counted
// as inserted by exactly one of them.
func TestConcurrentImportsOfOneFile(t *testing.T) {
	t.Parallel()
	const rows = 3000
	var csv strings.Builder
	// Free-mail addresses, so no company: the two would otherwise queue
	// behind each other on creating the same companies.
	csv.WriteString("email,first_name\n")
	for i := range rows {
		fmt.Fprintf(&csv, "p%d@gmail.com,P%d\n", i, i)
	}
	b := setup(t, importer.Config{BatchRows: 500})
	imps := []importer.Import{
		b.accept(t, importer.Upload{Body: strings.NewReader(csv.String())}),
		b.accept(t, importer.Upload{Body: strings.NewReader(csv.String())}),
	}
	hooks := importer.Hooks{
		Enrich: func(_ context.Context, _ pgx.Tx, ids []uuid.UUID) (int, error) { return len(ids), nil },
		Finish: func(context.Context, pgx.Tx) error { return nil },
	}
	var wg sync.WaitGroup
	errs := make([]error, len(imps))
	for i, imp := range imps {
		wg.Go(func() { errs[i] = b.svc.Run(context.Background(), imp.ID, time.Time{}, hooks) })
	}
	wg.Wait()
	var inserted, other int64
	for i, imp := range imps {
		if errs[i] != nil {
			t.Fatalf("import %d: %v", i, errs[i])
		}
		got := b.get(t, imp.ID)
		if got.Status != importer.StatusCompleted || got.RowsRead != rows {
			t.Fatalf("import %d = %+v, want completed with %d rows read", i, got, rows)
		}
		inserted += got.Inserted
		other += got.Updated + got.Skipped
	}
	if inserted != rows || other != rows {
		t.Errorf("inserted %d, updated or skipped %d; want %d each", inserted, other, rows)
	}
	if n := b.count(t, `SELECT count(*) FROM contacts`); n != rows {
		t.Errorf("%d contacts, want %d", n, rows)
	}
}
