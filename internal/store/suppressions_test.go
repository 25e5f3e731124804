package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

func TestSuppressions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sups := store.NewSuppressions(dbtest.Pool(t))
	v := "gone@acme.io"
	first, created, err := sups.Add(ctx, store.Suppression{Kind: "email", Value: &v, ValueHash: []byte("h1"), Reason: "bounced"})
	if err != nil || !created {
		t.Fatalf("add = %v, %v; want created", created, err)
	}
	again, created, err := sups.Add(ctx, store.Suppression{Kind: "email", Value: &v, ValueHash: []byte("h1"), Reason: "manual"})
	if err != nil || created || again.ID != first.ID || again.Reason != "bounced" {
		t.Errorf("add again = %+v, %v, %v; want the first row unchanged", again, created, err)
	}
	// The same hash under another kind is another entry.
	if _, created, err := sups.Add(ctx, store.Suppression{Kind: "domain", ValueHash: []byte("h1"), Reason: "erased"}); err != nil || !created {
		t.Errorf("add domain = %v, %v; want created", created, err)
	}

	tests := []struct {
		name string
		keys []store.SuppressionKey
		want error
	}{
		{"none", nil, store.ErrNotFound},
		{"miss", []store.SuppressionKey{{Kind: "email", Hash: []byte("h2")}}, store.ErrNotFound},
		{"kind matters", []store.SuppressionKey{{Kind: "email", Hash: []byte("h2")}, {Kind: "domain", Hash: []byte("h3")}}, store.ErrNotFound},
		{"hit", []store.SuppressionKey{{Kind: "domain", Hash: []byte("h9")}, {Kind: "email", Hash: []byte("h1")}}, nil},
	}
	for _, tt := range tests {
		if _, err := sups.FirstMatch(ctx, tt.keys); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}

	email := "email"
	rows, err := sups.List(ctx, &email, store.ListPage{Limit: 10})
	if err != nil || len(rows) != 1 || rows[0].ID != first.ID {
		t.Errorf("list email = %v, %v; want the first row", rows, err)
	}
	all, err := sups.List(ctx, nil, store.ListPage{Limit: 10, Desc: true})
	if err != nil || len(all) != 2 || all[1].ID != first.ID {
		t.Errorf("list all desc = %v, %v; want two rows, oldest last", all, err)
	}
	if err := sups.Delete(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sups.ByID(ctx, first.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("by id after delete: err = %v, want ErrNotFound", err)
	}
}
