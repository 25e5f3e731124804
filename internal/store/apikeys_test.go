package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

// newKey returns a key with a unique prefix, ready to insert.
func newKey(name string) store.APIKey {
	return store.APIKey{
		Name:   name,
		Prefix: uuid.NewString()[:12],
		Hash:   "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA",
		Scopes: []string{"contacts:read"},
	}
}

func insertKey(t *testing.T, keys *store.APIKeys, k store.APIKey) store.APIKey {
	t.Helper()
	got, err := keys.Insert(context.Background(), k)
	if err != nil {
		t.Fatalf("Insert(%q) = %v", k.Name, err)
	}
	return got
}

func TestAPIKeysInsertAndRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keys := store.NewAPIKeys(dbtest.Pool(t))

	creator := insertKey(t, keys, newKey("creator"))
	exp := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	want := newKey("child")
	want.Scopes = []string{"contacts:read", "admin"}
	want.CreatedBy = &creator.ID
	want.ExpiresAt = &exp
	got := insertKey(t, keys, want)

	if got.ID == uuid.Nil || got.CreatedAt.IsZero() {
		t.Fatalf("Insert left id or created_at empty: %+v", got)
	}
	if got.Name != want.Name || got.Prefix != want.Prefix || got.Hash != want.Hash ||
		!slices.Equal(got.Scopes, want.Scopes) || *got.CreatedBy != creator.ID ||
		!got.ExpiresAt.Equal(exp) || got.RevokedAt != nil || got.LastUsedAt != nil {
		t.Errorf("Insert = %+v, want fields of %+v", got, want)
	}

	byPrefix, err := keys.ByPrefix(ctx, want.Prefix)
	if err != nil || byPrefix.ID != got.ID {
		t.Errorf("ByPrefix = %v, %v; want id %v", byPrefix.ID, err, got.ID)
	}
	byID, err := keys.ByID(ctx, got.ID)
	if err != nil || byID.Prefix != want.Prefix {
		t.Errorf("ByID = %v, %v; want prefix %v", byID.Prefix, err, want.Prefix)
	}

	noScopes := newKey("no scopes")
	noScopes.Scopes = nil
	if got := insertKey(t, keys, noScopes); got.Scopes == nil || len(got.Scopes) != 0 {
		t.Errorf("Insert with nil scopes: scopes = %#v, want empty", got.Scopes)
	}
}

func TestAPIKeysErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keys := store.NewAPIKeys(dbtest.Pool(t))
	existing := insertKey(t, keys, newKey("existing"))
	missing := uuid.New()

	dupPrefix := newKey("dup")
	dupPrefix.Prefix = existing.Prefix
	badCreator := newKey("orphan")
	badCreator.CreatedBy = &missing

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"insert duplicate prefix", func() error { _, err := keys.Insert(ctx, dupPrefix); return err }, store.ErrConflict},
		{"insert unknown creator", func() error { _, err := keys.Insert(ctx, badCreator); return err }, store.ErrNotFound},
		{"by prefix missing", func() error { _, err := keys.ByPrefix(ctx, "nope"); return err }, store.ErrNotFound},
		{"by id missing", func() error { _, err := keys.ByID(ctx, missing); return err }, store.ErrNotFound},
		{"revoke missing", func() error { _, err := keys.Revoke(ctx, missing, time.Now()); return err }, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.call(); !errors.Is(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := keys.List(ctx, nil, 0); err == nil {
		t.Error("List(limit 0) = nil error, want one")
	}
}

func TestAPIKeysList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keys := store.NewAPIKeys(dbtest.Pool(t))

	// Two keys share a created_at so the id tie-break is exercised.
	base := time.Now().Truncate(time.Microsecond)
	var want []uuid.UUID
	for i := range 5 {
		k := newKey(fmt.Sprintf("k%d", i))
		k.CreatedAt = base.Add(time.Duration(min(i, 3)) * time.Second)
		want = append(want, insertKey(t, keys, k).ID)
	}
	slices.SortStableFunc(want[3:], func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })

	var got []uuid.UUID
	var after *store.Cursor
	for page := 0; ; page++ {
		rows, err := keys.List(ctx, after, 2)
		if err != nil {
			t.Fatalf("List page %d: %v", page, err)
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			got = append(got, r.ID)
		}
		last := rows[len(rows)-1]
		after = &store.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	if !slices.Equal(got, want) {
		t.Errorf("List pages = %v, want %v", got, want)
	}
}

func TestAPIKeysRevoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keys := store.NewAPIKeys(dbtest.Pool(t))
	k := insertKey(t, keys, newKey("to revoke"))

	first := time.Now().Truncate(time.Microsecond)
	got, err := keys.Revoke(ctx, k.ID, first)
	if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(first) {
		t.Fatalf("Revoke = %v, %v; want revoked at %v", got.RevokedAt, err, first)
	}
	// A second revoke succeeds and keeps the first time.
	got, err = keys.Revoke(ctx, k.ID, first.Add(time.Hour))
	if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(first) {
		t.Errorf("second Revoke = %v, %v; want revoked at %v", got.RevokedAt, err, first)
	}
}

func TestAPIKeysTouchLastUsed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keys := store.NewAPIKeys(dbtest.Pool(t))
	a := insertKey(t, keys, newKey("a"))
	b := insertKey(t, keys, newKey("b"))
	untouched := insertKey(t, keys, newKey("untouched"))

	t0 := time.Now().Truncate(time.Microsecond)
	if err := keys.TouchLastUsed(ctx, nil); err != nil {
		t.Fatalf("TouchLastUsed(empty) = %v", err)
	}
	err := keys.TouchLastUsed(ctx, map[uuid.UUID]time.Time{a.ID: t0, b.ID: t0, uuid.New(): t0})
	if err != nil {
		t.Fatalf("TouchLastUsed = %v", err)
	}
	// An older time for a never moves it back; a newer one for b moves it on.
	err = keys.TouchLastUsed(ctx, map[uuid.UUID]time.Time{a.ID: t0.Add(-time.Minute), b.ID: t0.Add(time.Minute)})
	if err != nil {
		t.Fatalf("TouchLastUsed = %v", err)
	}

	tests := []struct {
		id   uuid.UUID
		want *time.Time
	}{
		{a.ID, &t0},
		{b.ID, ptr(t0.Add(time.Minute))},
		{untouched.ID, nil},
	}
	for _, tt := range tests {
		k, err := keys.ByID(ctx, tt.id)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		switch {
		case tt.want == nil && k.LastUsedAt != nil:
			t.Errorf("key %s: last_used_at = %v, want NULL", k.Name, *k.LastUsedAt)
		case tt.want != nil && (k.LastUsedAt == nil || !k.LastUsedAt.Equal(*tt.want)):
			t.Errorf("key %s: last_used_at = %v, want %v", k.Name, k.LastUsedAt, *tt.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
