package migrations_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/migrations"
)

func TestConcurrentUpIsSafe(t *testing.T) {
	t.Parallel()
	pool := dbtest.EmptyPool(t)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	var wg sync.WaitGroup
	applied := make([]int, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			m, err := migrations.New(pool, logger)
			if err != nil {
				errs[i] = err
				return
			}
			defer m.Close()
			done, err := m.Up(ctx)
			applied[i], errs[i] = len(done), err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	// The lock serialises the runs: one applies everything, the other finds
	// nothing left to do.
	if (applied[0] > 0) == (applied[1] > 0) {
		t.Fatalf("applied counts = %v, want exactly one run to apply migrations", applied)
	}

	m, err := migrations.New(pool, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	pending, err := m.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pending {
		t.Fatal("migrations still pending after two concurrent runs")
	}
}

func TestStatusAndDown(t *testing.T) {
	t.Parallel()
	pool := dbtest.EmptyPool(t)
	ctx := context.Background()
	m, err := migrations.New(pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	before, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range before {
		if s.Applied {
			t.Fatalf("%s %d applied on an empty schema", s.Line, s.Version)
		}
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("status lists %d migrations after up, %d before", len(after), len(before))
	}
	for _, s := range after {
		if !s.Applied {
			t.Fatalf("%s %d (%s) pending after up", s.Line, s.Version, s.Name)
		}
	}

	appCount := 0
	for _, s := range after {
		if s.Line == "app" {
			appCount++
		}
	}
	undone, err := m.Down(ctx, appCount)
	if err != nil {
		t.Fatal(err)
	}
	if len(undone) != appCount {
		t.Fatalf("down undid %+v, want the %d app migrations", undone, appCount)
	}
	for _, u := range undone {
		if u.Line != "app" {
			t.Fatalf("down undid %+v, want app migrations only", undone)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'contacts'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("contacts table still exists after down")
	}
	if pending, _ := m.Pending(ctx); !pending {
		t.Fatal("no pending migration after down")
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("up again after down: %v", err)
	}
}
