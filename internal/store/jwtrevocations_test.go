package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

func TestJWTRevocations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	keys := store.NewAPIKeys(pool)
	revs := store.NewJWTRevocations(pool)
	key := insertKey(t, keys, newKey("session owner"))
	now := time.Now()

	if err := revs.Revoke(ctx, "live", key.ID, now.Add(time.Hour)); err != nil {
		t.Fatalf("Revoke(live) = %v", err)
	}
	// Revoking again is a no-op, not an error.
	if err := revs.Revoke(ctx, "live", key.ID, now.Add(2*time.Hour)); err != nil {
		t.Fatalf("second Revoke(live) = %v", err)
	}
	if err := revs.Revoke(ctx, "stale", uuid.Nil, now.Add(-time.Minute)); err != nil {
		t.Fatalf("Revoke(stale, no key) = %v", err)
	}
	if err := revs.Revoke(ctx, "orphan", uuid.New(), now.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Revoke(unknown key) = %v, want ErrNotFound", err)
	}

	deleted, err := revs.DeleteExpired(ctx, now)
	if err != nil || deleted != 1 {
		t.Errorf("DeleteExpired = %d, %v; want 1, nil", deleted, err)
	}

	tests := []struct {
		jti  string
		want bool
	}{
		{"live", true},
		{"stale", false}, // deleted as expired
		{"never", false},
		{"orphan", false},
	}
	for _, tt := range tests {
		got, err := revs.IsRevoked(ctx, tt.jti)
		if err != nil || got != tt.want {
			t.Errorf("IsRevoked(%q) = %v, %v; want %v", tt.jti, got, err, tt.want)
		}
	}
}
