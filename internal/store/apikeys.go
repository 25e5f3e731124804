package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// APIKey is one row of api_keys. Hash is the argon2id PHC string of the
// key's secret; the secret itself is never stored.
type APIKey struct {
	ID         uuid.UUID
	Name       string
	Prefix     string
	Hash       string
	Scopes     []string
	CreatedBy  *uuid.UUID
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// Cursor is a position in a list ordered by (created_at, id): the last row
// of the previous page.
type Cursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// APIKeys holds the SQL of the api_keys table.
type APIKeys struct{ db *pgxpool.Pool }

// NewAPIKeys returns the api_keys queries on db.
func NewAPIKeys(db *pgxpool.Pool) *APIKeys { return &APIKeys{db: db} }

const apiKeyColumns = `id, name, prefix, key_hash, scopes, created_by, created_at, expires_at, revoked_at, last_used_at`

func scanAPIKey(row pgx.Row) (APIKey, error) {
	var k APIKey
	err := row.Scan(&k.ID, &k.Name, &k.Prefix, &k.Hash, &k.Scopes, &k.CreatedBy,
		&k.CreatedAt, &k.ExpiresAt, &k.RevokedAt, &k.LastUsedAt)
	return k, err
}

// Insert stores k and returns the row as written. A zero ID or CreatedAt is
// filled in by the database. A prefix already in use is ErrConflict; a
// CreatedBy naming no key is ErrNotFound.
func (s *APIKeys) Insert(ctx context.Context, k APIKey) (APIKey, error) {
	var id *uuid.UUID
	if k.ID != uuid.Nil {
		id = &k.ID
	}
	var createdAt *time.Time
	if !k.CreatedAt.IsZero() {
		createdAt = &k.CreatedAt
	}
	scopes := k.Scopes
	if scopes == nil {
		scopes = []string{} // the column is NOT NULL
	}
	row := s.db.QueryRow(ctx, `
		INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_by, created_at, expires_at)
		VALUES (coalesce($1, gen_random_uuid()), $2, $3, $4, $5, $6, coalesce($7, now()), $8)
		RETURNING `+apiKeyColumns,
		id, k.Name, k.Prefix, k.Hash, scopes, k.CreatedBy, createdAt, k.ExpiresAt)
	out, err := scanAPIKey(row)
	switch {
	case isUniqueViolation(err):
		return APIKey{}, fmt.Errorf("insert api key: prefix or id in use: %w", ErrConflict)
	case isForeignKeyViolation(err):
		return APIKey{}, fmt.Errorf("insert api key: created_by key: %w", ErrNotFound)
	case err != nil:
		return APIKey{}, fmt.Errorf("insert api key: %w", err)
	}
	return out, nil
}

// ByPrefix returns the key with prefix, or ErrNotFound.
func (s *APIKeys) ByPrefix(ctx context.Context, prefix string) (APIKey, error) {
	k, err := scanAPIKey(s.db.QueryRow(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE prefix = $1`, prefix))
	if err != nil {
		return APIKey{}, fmt.Errorf("api key by prefix: %w", notFound(err))
	}
	return k, nil
}

// ByID returns the key with id, or ErrNotFound.
func (s *APIKeys) ByID(ctx context.Context, id uuid.UUID) (APIKey, error) {
	k, err := scanAPIKey(s.db.QueryRow(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id))
	if err != nil {
		return APIKey{}, fmt.Errorf("api key by id: %w", notFound(err))
	}
	return k, nil
}

// List returns up to limit keys ordered by (created_at, id), starting after
// the cursor when one is given. Keyset pagination keeps pages stable while
// keys are created, which OFFSET would not.
func (s *APIKeys) List(ctx context.Context, after *Cursor, limit int) ([]APIKey, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list api keys: limit %d must be positive", limit)
	}
	var at *time.Time
	var id *uuid.UUID
	if after != nil {
		at, id = &after.CreatedAt, &after.ID
	}
	rows, err := s.db.Query(ctx, `
		SELECT `+apiKeyColumns+` FROM api_keys
		WHERE $1::timestamptz IS NULL OR (created_at, id) > ($1, $2::uuid)
		ORDER BY created_at, id
		LIMIT $3`, at, id, limit)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIKey, error) { return scanAPIKey(r) })
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return keys, nil
}

// Revoke marks the key revoked at at and returns the row. Revoking a key
// already revoked changes nothing and returns it with its first revocation
// time, so retries are harmless. A missing key is ErrNotFound.
func (s *APIKeys) Revoke(ctx context.Context, id uuid.UUID, at time.Time) (APIKey, error) {
	k, err := scanAPIKey(s.db.QueryRow(ctx, `
		UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2)
		WHERE id = $1
		RETURNING `+apiKeyColumns, id, at))
	if err != nil {
		return APIKey{}, fmt.Errorf("revoke api key: %w", notFound(err))
	}
	return k, nil
}

// TouchLastUsed raises last_used_at of each key to the time given for it,
// in one statement for the whole batch; it never moves a time backwards, so
// processes flushing out of order agree. Unknown ids are ignored. Rows are
// locked in id order so two processes flushing overlapping batches cannot
// deadlock, and rows already up to date are not rewritten.
func (s *APIKeys) TouchLastUsed(ctx context.Context, used map[uuid.UUID]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, 0, len(used))
	for id := range used {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	ats := make([]time.Time, len(ids))
	for i, id := range ids {
		ats[i] = used[id]
	}
	_, err := s.db.Exec(ctx, `
		WITH v AS (
			SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) AS t (id, at)
		), locked AS (
			SELECT k.id FROM api_keys k JOIN v ON v.id = k.id
			WHERE k.last_used_at IS NULL OR k.last_used_at < v.at
			ORDER BY k.id
			FOR UPDATE OF k
		)
		UPDATE api_keys k
		SET last_used_at = GREATEST(coalesce(k.last_used_at, '-infinity'), v.at)
		FROM v JOIN locked l ON l.id = v.id
		WHERE k.id = v.id`, ids, ats)
	if err != nil {
		return fmt.Errorf("touch api keys last used: %w", err)
	}
	return nil
}

// isForeignKeyViolation reports whether err is a foreign-key violation.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == pgerrcode.ForeignKeyViolation
}
