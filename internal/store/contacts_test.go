package store_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

func TestContactsWriteAndRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	contacts, companies := store.NewContacts(pool), store.NewCompanies(pool)

	coID, created, err := companies.Ensure(ctx, "acme.io", "Acme")
	if err != nil || !created {
		t.Fatalf("ensure = %v, %v; want created", created, err)
	}
	c, err := contacts.Insert(ctx, store.Contact{Email: "ada@acme.io", FirstName: "Ada", CompanyID: &coID,
		Domain: "acme.io", Tags: []string{"vip"}, CustomFields: map[string]any{"plan": "pro"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == uuid.Nil || c.EnrichmentStatus != "pending" || c.SyncStatus != "pending" || c.ICPScore != nil {
		t.Errorf("inserted = %+v, want an id and the pending defaults", c)
	}
	if _, err := contacts.Insert(ctx, store.Contact{Email: "ada@acme.io"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate email: err = %v, want ErrConflict", err)
	}
	missing := uuid.New()
	if _, err := contacts.Insert(ctx, store.Contact{Email: "x@acme.io", CompanyID: &missing}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown company: err = %v, want ErrNotFound", err)
	}

	c.Title, c.Tags = "CTO", nil
	up, err := contacts.Update(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if up.Title != "CTO" || len(up.Tags) != 0 || !up.UpdatedAt.After(c.UpdatedAt) && !up.UpdatedAt.Equal(c.UpdatedAt) {
		t.Errorf("updated = %+v, want title CTO and no tags", up)
	}
	got, err := contacts.ByID(ctx, c.ID)
	if err != nil || got.Title != "CTO" || got.CustomFields["plan"] != "pro" {
		t.Errorf("by id = %+v, %v; want the updated row", got, err)
	}

	// Deleting the company keeps the contact, unlinked.
	if err := companies.Delete(ctx, coID); err != nil {
		t.Fatal(err)
	}
	if got, _ := contacts.ByID(ctx, c.ID); got.CompanyID != nil {
		t.Errorf("company_id after company delete = %v, want nil", got.CompanyID)
	}
	if err := contacts.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"by id":  func() error { _, err := contacts.ByID(ctx, c.ID); return err }(),
		"delete": contacts.Delete(ctx, c.ID),
		"update": func() error { _, err := contacts.Update(ctx, c); return err }(),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s after delete: err = %v, want ErrNotFound", name, err)
		}
	}
}

func TestContactsList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	contacts := store.NewContacts(pool)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var ids []uuid.UUID
	for i, e := range []string{"a@x.io", "b@x.io", "c@y.io", "d@y.io"} {
		c, err := contacts.Insert(ctx, store.Contact{Email: e, Domain: e[2:], Tags: []string{"t" + string(rune('0'+i%2))}})
		if err != nil {
			t.Fatal(err)
		}
		// Two rows share a created_at, so the id must break the tie.
		at := base.Add(time.Duration(i/2*2) * time.Hour)
		if _, err := pool.Exec(ctx, `UPDATE contacts SET created_at = $1, icp_score = $2 WHERE id = $3`, at, i*30, c.ID); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	ptr := func(v int) *int { return &v }
	str := func(v string) *string { return &v }
	at := func(h int) *time.Time { v := base.Add(time.Duration(h) * time.Hour); return &v }
	tests := []struct {
		name string
		f    store.ContactFilter
		want int // rows
	}{
		{"all", store.ContactFilter{}, 4},
		{"email", store.ContactFilter{Email: str("c@y.io")}, 1},
		{"domain", store.ContactFilter{Domain: str("x.io")}, 2},
		{"score range", store.ContactFilter{MinScore: ptr(30), MaxScore: ptr(60)}, 2},
		{"tags", store.ContactFilter{Tags: []string{"t1"}}, 2},
		{"tags all of", store.ContactFilter{Tags: []string{"t1", "t0"}}, 0},
		{"created window", store.ContactFilter{CreatedAfter: at(1), CreatedBefore: at(3)}, 2},
		{"status", store.ContactFilter{EnrichmentStatus: str("failed")}, 0},
	}
	for _, tt := range tests {
		for _, desc := range []bool{false, true} {
			var got []uuid.UUID
			p := store.ListPage{Desc: desc, Limit: 1}
			for range 10 {
				rows, err := contacts.List(ctx, tt.f, p)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) == 0 {
					break
				}
				got = append(got, rows[0].ID)
				p.After = &store.Cursor{CreatedAt: rows[0].CreatedAt, ID: rows[0].ID}
			}
			if len(got) != tt.want {
				t.Errorf("%s desc=%v: %d rows, want %d", tt.name, desc, len(got), tt.want)
			}
			if tt.name == "all" {
				// ids[0] and ids[1] share a time, as do ids[2] and ids[3]:
				// within each pair the smaller id comes first ascending.
				want := []uuid.UUID{minID(ids[0], ids[1]), maxID(ids[0], ids[1]), minID(ids[2], ids[3]), maxID(ids[2], ids[3])}
				if desc {
					slices.Reverse(want)
				}
				if !slices.Equal(got, want) {
					t.Errorf("all desc=%v: order %v, want %v", desc, got, want)
				}
			}
		}
	}
	if _, err := contacts.List(ctx, store.ContactFilter{}, store.ListPage{}); err == nil {
		t.Error("limit 0: want an error")
	}
}

func minID(a, b uuid.UUID) uuid.UUID {
	if bytes.Compare(a[:], b[:]) < 0 {
		return a
	}
	return b
}

func maxID(a, b uuid.UUID) uuid.UUID {
	if minID(a, b) == a {
		return b
	}
	return a
}
