package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// IdempotentResponse is the first response given to a request with an
// Idempotency-Key, replayed to its retries.
type IdempotentResponse struct {
	RequestHash []byte
	Done        bool // false while the first request is still being served
	Status      int
	Body        []byte
	ContentType string
	Headers     map[string]string
}

// IdempotencyKeys stores Idempotency-Key claims and responses per API key.
type IdempotencyKeys struct{ db *pgxpool.Pool }

// NewIdempotencyKeys returns the store over db.
func NewIdempotencyKeys(db *pgxpool.Pool) *IdempotencyKeys { return &IdempotencyKeys{db: db} }

// Claim records that a request with key is being served. It returns
// claimed=true when this request owns the key (new, or a claim abandoned
// longer than staleAfter ago by a request that never finished); otherwise it
// returns the existing record.
func (s *IdempotencyKeys) Claim(ctx context.Context, apiKeyID uuid.UUID, key, method, path string, hash []byte, ttl, staleAfter time.Duration) (claimed bool, existing IdempotentResponse, err error) {
	const q = `
INSERT INTO idempotency_keys (api_key_id, key, method, path, request_hash, expires_at)
VALUES ($1, $2, $3, $4, $5, now() + $6::interval)
ON CONFLICT (api_key_id, key) DO UPDATE
    SET created_at = now(), expires_at = EXCLUDED.expires_at
    WHERE idempotency_keys.status IS NULL
      AND idempotency_keys.request_hash = EXCLUDED.request_hash
      AND idempotency_keys.created_at < now() - $7::interval
RETURNING true`
	err = s.db.QueryRow(ctx, q, apiKeyID, key, method, path, hash, ttl, staleAfter).Scan(&claimed)
	if err == nil {
		return true, IdempotentResponse{}, nil
	}
	if err != pgx.ErrNoRows {
		return false, IdempotentResponse{}, fmt.Errorf("claim idempotency key: %w", err)
	}
	var status *int
	var headers []byte
	err = s.db.QueryRow(ctx, `
SELECT request_hash, status, coalesce(response_body, ''), coalesce(response_type, ''), response_headers
FROM idempotency_keys WHERE api_key_id = $1 AND key = $2`, apiKeyID, key).
		Scan(&existing.RequestHash, &status, &existing.Body, &existing.ContentType, &headers)
	if err != nil {
		return false, IdempotentResponse{}, fmt.Errorf("read idempotency key: %w", notFound(err))
	}
	if status != nil {
		existing.Done, existing.Status = true, *status
	}
	if err := json.Unmarshal(headers, &existing.Headers); err != nil {
		return false, IdempotentResponse{}, fmt.Errorf("decode idempotent headers: %w", err)
	}
	return false, existing, nil
}

// Complete stores the response a claimed request gave.
func (s *IdempotencyKeys) Complete(ctx context.Context, apiKeyID uuid.UUID, key string, r IdempotentResponse) error {
	headers, err := json.Marshal(r.Headers)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `
UPDATE idempotency_keys SET status = $3, response_body = $4, response_type = $5, response_headers = $6
WHERE api_key_id = $1 AND key = $2`, apiKeyID, key, r.Status, r.Body, r.ContentType, headers)
	if err != nil {
		return fmt.Errorf("complete idempotency key: %w", err)
	}
	return nil
}

// Release drops a claim whose request failed without a response worth
// replaying (a 5xx), so a retry runs the request again.
func (s *IdempotencyKeys) Release(ctx context.Context, apiKeyID uuid.UUID, key string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM idempotency_keys WHERE api_key_id = $1 AND key = $2 AND status IS NULL`, apiKeyID, key)
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}
