package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Suppression is one row of suppressions: an email or a whole domain that
// must never be imported or contacted. Value is nil for erased contacts,
// whose address survives only as ValueHash.
type Suppression struct {
	ID        uuid.UUID
	Kind      string // email or domain
	Value     *string
	ValueHash []byte
	Reason    string // manual, unsubscribed, bounced, erased or complaint
	Source    string
	CreatedAt time.Time
}

// SuppressionKey is one (kind, value_hash) pair to look up.
type SuppressionKey struct {
	Kind string
	Hash []byte
}

// Suppressions holds the SQL of the suppressions table.
type Suppressions struct{ db DBTX }

// NewSuppressions returns the suppressions queries on db, a pool or a
// transaction.
func NewSuppressions(db DBTX) *Suppressions { return &Suppressions{db: db} }

const suppressionColumns = `id, kind, value, value_hash, reason, source, created_at`

func scanSuppression(row pgx.Row) (Suppression, error) {
	var s Suppression
	err := row.Scan(&s.ID, &s.Kind, &s.Value, &s.ValueHash, &s.Reason, &s.Source, &s.CreatedAt)
	return s, err
}

// Add stores sup unless a row with the same kind and hash exists, and
// returns the row that is there afterwards with created telling which case
// it was: suppressing an address twice is harmless, so retries and
// overlapping lists need no conflict handling. The existing row is returned
// unchanged, so an erased address never regains its plain value.
func (s *Suppressions) Add(ctx context.Context, sup Suppression) (out Suppression, created bool, err error) {
	out, err = scanSuppression(s.db.QueryRow(ctx, `
		INSERT INTO suppressions (kind, value, value_hash, reason, source)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (kind, value_hash) DO NOTHING
		RETURNING `+suppressionColumns, sup.Kind, sup.Value, sup.ValueHash, sup.Reason, sup.Source))
	if err == nil {
		return out, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Suppression{}, false, fmt.Errorf("add suppression: %w", err)
	}
	out, err = scanSuppression(s.db.QueryRow(ctx,
		`SELECT `+suppressionColumns+` FROM suppressions WHERE kind = $1 AND value_hash = $2`, sup.Kind, sup.ValueHash))
	if err != nil {
		return Suppression{}, false, fmt.Errorf("add suppression: existing row: %w", notFound(err))
	}
	return out, false, nil
}

// FirstMatch returns the oldest suppression matching any of keys, or
// ErrNotFound when none does. One statement checks an address and every
// domain it falls under.
func (s *Suppressions) FirstMatch(ctx context.Context, keys []SuppressionKey) (Suppression, error) {
	if len(keys) == 0 {
		return Suppression{}, fmt.Errorf("match suppression: %w", ErrNotFound)
	}
	kinds := make([]string, len(keys))
	hashes := make([][]byte, len(keys))
	for i, k := range keys {
		kinds[i], hashes[i] = k.Kind, k.Hash
	}
	sup, err := scanSuppression(s.db.QueryRow(ctx, `
		SELECT `+suppressionColumns+` FROM suppressions
		WHERE (kind, value_hash) IN (SELECT * FROM unnest($1::text[], $2::bytea[]))
		ORDER BY created_at, id LIMIT 1`, kinds, hashes))
	if err != nil {
		return Suppression{}, fmt.Errorf("match suppression: %w", notFound(err))
	}
	return sup, nil
}

// ByID returns the suppression with id, or ErrNotFound.
func (s *Suppressions) ByID(ctx context.Context, id uuid.UUID) (Suppression, error) {
	sup, err := scanSuppression(s.db.QueryRow(ctx, `SELECT `+suppressionColumns+` FROM suppressions WHERE id = $1`, id))
	if err != nil {
		return Suppression{}, fmt.Errorf("suppression by id: %w", notFound(err))
	}
	return sup, nil
}

// Delete removes the suppression with id, or returns ErrNotFound.
func (s *Suppressions) Delete(ctx context.Context, id uuid.UUID) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM suppressions WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete suppression: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete suppression: %w", ErrNotFound)
	}
	return nil
}

const (
	suppressionListAsc = `SELECT ` + suppressionColumns + ` FROM suppressions
	WHERE ($1::text IS NULL OR kind = $1)
	  AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3::uuid))
	ORDER BY created_at, id LIMIT $4`
	suppressionListDesc = `SELECT ` + suppressionColumns + ` FROM suppressions
	WHERE ($1::text IS NULL OR kind = $1)
	  AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
	ORDER BY created_at DESC, id DESC LIMIT $4`
)

// List returns up to p.Limit suppressions, of kind when it is set, in
// (created_at, id) order after p.After.
func (s *Suppressions) List(ctx context.Context, kind *string, p ListPage) ([]Suppression, error) {
	at, id, err := p.args()
	if err != nil {
		return nil, fmt.Errorf("list suppressions: %w", err)
	}
	sql := suppressionListAsc
	if p.Desc {
		sql = suppressionListDesc
	}
	rows, err := s.db.Query(ctx, sql, kind, at, id, p.Limit)
	if err != nil {
		return nil, fmt.Errorf("list suppressions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Suppression, error) { return scanSuppression(r) })
	if err != nil {
		return nil, fmt.Errorf("list suppressions: %w", err)
	}
	return out, nil
}
