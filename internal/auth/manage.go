package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/store"
)

// List page sizes for ListKeys.
const (
	DefaultListLimit = 50
	MaxListLimit     = 200
)

// CreateKeyParams describes a key to create.
type CreateKeyParams struct {
	Name      string
	Scopes    []Scope
	ExpiresAt *time.Time // nil: never expires
	CreatedBy *uuid.UUID // the key that created it, if any
}

// CreatedKey is a new key and its token. Secret is the full token
// (rtgs_<prefix>_<secret>); it is shown once and cannot be recovered.
type CreatedKey struct {
	Key    store.APIKey // Hash is always empty
	Secret string
}

// CreateKey validates p, stores a new key with an argon2id hash of its
// secret and returns the token. Invalid input is a *ValidationError.
func (s *Service) CreateKey(ctx context.Context, p CreateKeyParams) (CreatedKey, error) {
	name, scopes, err := s.validateCreate(p)
	if err != nil {
		return CreatedKey{}, err
	}
	// 12 base62 characters make a prefix collision astronomically unlikely;
	// the retry turns it from an error into a non-event.
	for attempt := 0; ; attempt++ {
		token, prefix, secret := newToken()
		row, err := s.keys.Insert(ctx, store.APIKey{
			Name:      name,
			Prefix:    prefix,
			Hash:      HashSecret(secret, s.params),
			Scopes:    scopeStrings(scopes),
			CreatedBy: p.CreatedBy,
			ExpiresAt: p.ExpiresAt,
		})
		switch {
		case errors.Is(err, store.ErrConflict) && attempt < 2:
			continue
		case errors.Is(err, store.ErrNotFound):
			return CreatedKey{}, &ValidationError{Field: "created_by", Reason: "no such key"}
		case err != nil:
			return CreatedKey{}, fmt.Errorf("create key: %w", err)
		}
		return CreatedKey{Key: view(row), Secret: token}, nil
	}
}

func (s *Service) validateCreate(p CreateKeyParams) (string, []Scope, error) {
	name := strings.TrimSpace(p.Name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", nil, &ValidationError{Field: "name", Reason: "must not be empty"}
	case n > 200:
		return "", nil, &ValidationError{Field: "name", Reason: "must be at most 200 characters"}
	case !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return "", nil, &ValidationError{Field: "name", Reason: "must be printable text (no control characters)"}
	}
	if len(p.Scopes) == 0 {
		return "", nil, &ValidationError{Field: "scopes", Reason: "at least one scope is required"}
	}
	scopes, err := ParseScopes(scopeStrings(p.Scopes))
	if err != nil {
		return "", nil, err
	}
	if p.ExpiresAt != nil && !p.ExpiresAt.After(s.now()) {
		return "", nil, &ValidationError{Field: "expires_at", Reason: "must be in the future"}
	}
	return name, scopes, nil
}

// GetKey returns key id, or store.ErrNotFound. The hash is left out.
func (s *Service) GetKey(ctx context.Context, id uuid.UUID) (store.APIKey, error) {
	row, err := s.keys.ByID(ctx, id)
	if err != nil {
		return store.APIKey{}, fmt.Errorf("get key: %w", err)
	}
	return view(row), nil
}

// ListKeys returns a page of keys in creation order, after the cursor when
// one is given, without their hashes. limit <= 0 means DefaultListLimit; it
// is capped at MaxListLimit.
func (s *Service) ListKeys(ctx context.Context, after *store.Cursor, limit int) ([]store.APIKey, error) {
	if limit <= 0 {
		limit = DefaultListLimit
	}
	rows, err := s.keys.List(ctx, after, min(limit, MaxListLimit))
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	for i := range rows {
		rows[i] = view(rows[i])
	}
	return rows, nil
}

// RevokeKey revokes key id (idempotently) and drops it from this process's
// caches at once; other processes stop accepting it within their cache TTL.
// A missing key is store.ErrNotFound.
func (s *Service) RevokeKey(ctx context.Context, id uuid.UUID) (store.APIKey, error) {
	row, err := s.keys.Revoke(ctx, id, s.now())
	if err != nil {
		return store.APIKey{}, fmt.Errorf("revoke key: %w", err)
	}
	s.revocationGen.Add(1)
	s.keyCache.deleteFunc(func(_ digest, e keyEntry) bool { return e.p.KeyID == id })
	s.sessionCache.deleteFunc(func(_ string, e sessionEntry) bool { return e.keyID == id })
	return view(row), nil
}

// view drops the hash: it is useless outside this package and has no
// business in responses or logs.
func view(r store.APIKey) store.APIKey {
	r.Hash = ""
	return r
}
