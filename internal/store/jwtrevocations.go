package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// JWTRevocations holds the SQL of the jwt_revocations table: the ids (jti)
// of session tokens logged out before they expire. A row is only needed
// until its token would have expired anyway, so the table stays small.
type JWTRevocations struct{ db *pgxpool.Pool }

// NewJWTRevocations returns the jwt_revocations queries on db.
func NewJWTRevocations(db *pgxpool.Pool) *JWTRevocations { return &JWTRevocations{db: db} }

// Revoke records jti as revoked until expiresAt. keyID is the API key the
// token was minted from (uuid.Nil for none); a keyID naming no key is
// ErrNotFound. Revoking a jti twice keeps the first row, so logout retries
// are harmless.
func (s *JWTRevocations) Revoke(ctx context.Context, jti string, keyID uuid.UUID, expiresAt time.Time) error {
	var key *uuid.UUID
	if keyID != uuid.Nil {
		key = &keyID
	}
	_, err := s.db.Exec(ctx, `
		INSERT INTO jwt_revocations (jti, api_key_id, expires_at)
		VALUES ($1, $2, $3)
		ON CONFLICT (jti) DO NOTHING`, jti, key, expiresAt)
	switch {
	case isForeignKeyViolation(err):
		return fmt.Errorf("revoke jwt: api key: %w", ErrNotFound)
	case err != nil:
		return fmt.Errorf("revoke jwt: %w", err)
	}
	return nil
}

// IsRevoked reports whether jti has been revoked.
func (s *JWTRevocations) IsRevoked(ctx context.Context, jti string) (bool, error) {
	var revoked bool
	err := s.db.QueryRow(ctx,
		`SELECT EXISTS (SELECT 1 FROM jwt_revocations WHERE jti = $1)`, jti).Scan(&revoked)
	if err != nil {
		return false, fmt.Errorf("is jwt revoked: %w", err)
	}
	return revoked, nil
}

// DeleteExpired deletes revocations of tokens that expired before now, which
// no verifier would accept anyway, and returns how many it deleted.
func (s *JWTRevocations) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM jwt_revocations WHERE expires_at < $1`, now)
	if err != nil {
		return 0, fmt.Errorf("delete expired jwt revocations: %w", err)
	}
	return tag.RowsAffected(), nil
}
