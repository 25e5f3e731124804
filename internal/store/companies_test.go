package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

func TestCompanies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	companies := store.NewCompanies(dbtest.Pool(t))
	size := 50
	c, err := companies.Insert(ctx, store.Company{Domain: "acme.io", Name: "Acme", EmployeeCount: &size, Industry: "software"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := companies.Insert(ctx, store.Company{Domain: "acme.io"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate domain: err = %v, want ErrConflict", err)
	}
	other, err := companies.Insert(ctx, store.Company{Domain: "other.io"})
	if err != nil {
		t.Fatal(err)
	}
	other.Domain = "acme.io"
	if _, err := companies.Update(ctx, other); !errors.Is(err, store.ErrConflict) {
		t.Errorf("update to a taken domain: err = %v, want ErrConflict", err)
	}
	id, created, err := companies.Ensure(ctx, "acme.io", "ignored")
	if err != nil || created || id != c.ID {
		t.Errorf("ensure existing = %v, %v, %v; want %v, false", id, created, err, c.ID)
	}
	if got, _ := companies.ByID(ctx, c.ID); got.Name != "Acme" {
		t.Errorf("name after ensure = %q, want Acme (never rewritten)", got.Name)
	}

	min10 := 10
	industry := "software"
	rows, err := companies.List(ctx, store.CompanyFilter{MinEmployees: &min10, Industry: &industry}, store.ListPage{Limit: 10})
	if err != nil || len(rows) != 1 || rows[0].ID != c.ID {
		t.Errorf("list = %v, %v; want just acme.io", rows, err)
	}
	if err := companies.Delete(ctx, uuid.New()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete absent: err = %v, want ErrNotFound", err)
	}
}

// Many contacts arriving at once for one new domain make one company.
func TestCompaniesEnsureConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	var wg sync.WaitGroup
	ids := make([]uuid.UUID, 16)
	for i := range ids {
		wg.Go(func() {
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			defer tx.Rollback(ctx)
			if ids[i], _, err = store.NewCompanies(tx).Ensure(ctx, "race.io", ""); err != nil {
				t.Error(err)
				return
			}
			if err := tx.Commit(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("ids = %v, want one company", ids)
		}
	}
}
