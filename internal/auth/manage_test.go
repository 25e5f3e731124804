package auth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/store"
)

func TestCreateKeyValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	past := b.clock.Now().Add(-time.Second)
	now := b.clock.Now()
	missing := uuid.New()

	tests := []struct {
		name  string
		p     CreateKeyParams
		field string
	}{
		{"empty name", CreateKeyParams{Name: "", Scopes: []Scope{Admin}}, "name"},
		{"blank name", CreateKeyParams{Name: "  \t ", Scopes: []Scope{Admin}}, "name"},
		{"long name", CreateKeyParams{Name: strings.Repeat("é", 201), Scopes: []Scope{Admin}}, "name"},
		{"control char", CreateKeyParams{Name: "a\x00b", Scopes: []Scope{Admin}}, "name"},
		{"newline", CreateKeyParams{Name: "a\nb", Scopes: []Scope{Admin}}, "name"},
		{"invalid utf-8", CreateKeyParams{Name: "a\xffb", Scopes: []Scope{Admin}}, "name"},
		{"no scopes", CreateKeyParams{Name: "k"}, "scopes"},
		{"unknown scope", CreateKeyParams{Name: "k", Scopes: []Scope{"contacts:delete"}}, "scopes"},
		{"expired", CreateKeyParams{Name: "k", Scopes: []Scope{Admin}, ExpiresAt: &past}, "expires_at"},
		{"expires now", CreateKeyParams{Name: "k", Scopes: []Scope{Admin}, ExpiresAt: &now}, "expires_at"},
		{"unknown creator", CreateKeyParams{Name: "k", Scopes: []Scope{Admin}, CreatedBy: &missing}, "created_by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := b.svc.CreateKey(context.Background(), tt.p)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("CreateKey = %v, want a ValidationError on %q", err, tt.field)
			}
		})
	}
}

func TestCreateKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	creator := b.createKey(t, CreateKeyParams{Scopes: []Scope{Admin}})
	exp := b.clock.Now().Add(24 * time.Hour)
	name := strings.Repeat("n", 199) + "é" // 200 characters, 201 bytes

	got, err := b.svc.CreateKey(ctx, CreateKeyParams{
		Name: "  " + name + " ", Scopes: []Scope{WorkflowsRun, ContactsRead, WorkflowsRun}, ExpiresAt: &exp, CreatedBy: &creator.Key.ID,
	})
	if err != nil {
		t.Fatalf("CreateKey = %v", err)
	}
	prefix, _, ok := Parse(got.Secret)
	if !ok || prefix != got.Key.Prefix {
		t.Errorf("token %q does not parse to prefix %q", got.Secret, got.Key.Prefix)
	}
	k := got.Key
	if k.Name != name || !slices.Equal(k.Scopes, []string{"workflows:run", "contacts:read"}) || !k.ExpiresAt.Equal(exp) ||
		*k.CreatedBy != creator.Key.ID || k.RevokedAt != nil || k.LastUsedAt != nil || k.Hash != "" {
		t.Errorf("CreateKey = %+v; want trimmed name, deduplicated scopes, expiry, creator and no hash", k)
	}
	row, err := b.keys.ByID(ctx, k.ID)
	if err != nil || !strings.HasPrefix(row.Hash, "$argon2id$v=19$") || strings.Contains(row.Hash, got.Secret[len(TokenPrefix)+prefixLen+1:]) {
		t.Errorf("stored hash = %q, %v; want an argon2id PHC string without the secret", row.Hash, err)
	}
}

func TestListAndRevokeKeys(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var want []uuid.UUID
	for range 3 {
		want = append(want, b.createKey(t, CreateKeyParams{}).Key.ID)
	}

	var got []uuid.UUID
	var after *store.Cursor
	for {
		page, err := b.svc.ListKeys(ctx, after, 2)
		if err != nil {
			t.Fatalf("ListKeys = %v", err)
		}
		if len(page) == 0 {
			break
		}
		for _, k := range page {
			got = append(got, k.ID)
		}
		last := page[len(page)-1]
		after = &store.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	if !slices.Equal(got, want) {
		t.Errorf("ListKeys pages = %v, want %v", got, want)
	}
	all, err := b.svc.ListKeys(ctx, nil, 0)
	if err != nil || len(all) != 3 || all[0].Hash != "" {
		t.Errorf("ListKeys(default limit) = %d keys, %v; want 3 without hashes", len(all), err)
	}
	if k, err := b.svc.GetKey(ctx, want[1]); err != nil || k.ID != want[1] || k.Hash != "" {
		t.Errorf("GetKey = %v (hash %q), %v; want %v without hash", k.ID, k.Hash, err, want[1])
	}
	if _, err := b.svc.GetKey(ctx, uuid.New()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetKey(unknown) = %v, want store.ErrNotFound", err)
	}

	first, err := b.svc.RevokeKey(ctx, want[0])
	if err != nil || first.RevokedAt == nil || first.Hash != "" {
		t.Fatalf("RevokeKey = %+v, %v", first, err)
	}
	b.clock.Advance(time.Minute)
	again, err := b.svc.RevokeKey(ctx, want[0])
	if err != nil || !again.RevokedAt.Equal(*first.RevokedAt) {
		t.Errorf("second RevokeKey = %v, %v; want unchanged %v", again.RevokedAt, err, first.RevokedAt)
	}
	if _, err := b.svc.RevokeKey(ctx, uuid.New()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeKey(unknown) = %v, want store.ErrNotFound", err)
	}
}
