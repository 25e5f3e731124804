package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rtgs/sales-automation/internal/icp"
)

// Profile is one row of icp_profiles: an ideal-customer profile and the
// score a contact needs to count as a fit for it.
type Profile struct {
	ID          uuid.UUID
	Name        string // unique, case-insensitively
	Description string
	Criteria    icp.Criteria // the jsonb column criteria
	MinScore    int          // 0-100
	Active      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ProfilePatch changes the fields it sets and leaves nil ones alone.
// Criteria, when set, replace the stored criteria whole: merging two sets
// of weights and required groups field by field would make profiles nobody
// wrote.
type ProfilePatch struct {
	Name        *string
	Description *string
	Criteria    *icp.Criteria
	MinScore    *int
	Active      *bool
}

// ICPProfiles holds the SQL of the icp_profiles table.
type ICPProfiles struct{ db *pgxpool.Pool }

// NewICPProfiles returns the icp_profiles queries on db.
func NewICPProfiles(db *pgxpool.Pool) *ICPProfiles { return &ICPProfiles{db: db} }

const profileColumns = `id, name, description, criteria, min_score, active, created_at, updated_at`

func scanProfile(row pgx.Row) (Profile, error) {
	var p Profile
	err := row.Scan(&p.ID, &p.Name, &p.Description, &p.Criteria, &p.MinScore, &p.Active, &p.CreatedAt, &p.UpdatedAt)
	return p, err
}

// Limits the table's checks impose, checked first so a client hears which
// field is wrong instead of a constraint name.
const (
	maxProfileName        = 200
	maxProfileDescription = 10_000
)

// validateProfile adds the problems of each field that is set to v; the
// store refuses criteria that could not be scored, so every stored profile
// scores.
func validateProfile(v *icp.ValidationError, name, description *string, c *icp.Criteria, minScore *int) {
	if name != nil {
		if n := utf8.RuneCountInString(*name); strings.TrimSpace(*name) == "" || n > maxProfileName {
			v.Add("name", "must be 1 to %d characters and not blank", maxProfileName)
		}
	}
	if description != nil && utf8.RuneCountInString(*description) > maxProfileDescription {
		v.Add("description", "at most %d characters", maxProfileDescription)
	}
	if c != nil {
		c.ValidateAt("criteria", v)
	}
	if minScore != nil && (*minScore < 0 || *minScore > 100) {
		v.Add("min_score", "must be between 0 and 100, got %d", *minScore)
	}
}

// Create stores p and returns the row as written. A zero ID or CreatedAt is
// filled in by the database; MinScore and Active are stored as given (the
// API applies its defaults). Invalid fields are an *icp.ValidationError; a
// name already used, in any case, is ErrConflict.
func (s *ICPProfiles) Create(ctx context.Context, p Profile) (Profile, error) {
	var v icp.ValidationError
	validateProfile(&v, &p.Name, &p.Description, &p.Criteria, &p.MinScore)
	if err := v.Err(); err != nil {
		return Profile{}, fmt.Errorf("create icp profile: %w", err)
	}
	var id *uuid.UUID
	if p.ID != uuid.Nil {
		id = &p.ID
	}
	var createdAt *time.Time
	if !p.CreatedAt.IsZero() {
		createdAt = &p.CreatedAt
	}
	out, err := scanProfile(s.db.QueryRow(ctx, `
		INSERT INTO icp_profiles (id, name, description, criteria, min_score, active, created_at, updated_at)
		VALUES (coalesce($1, gen_random_uuid()), $2, $3, $4, $5, $6, coalesce($7, now()), coalesce($7, now()))
		RETURNING `+profileColumns,
		id, p.Name, p.Description, p.Criteria, p.MinScore, p.Active, createdAt))
	switch {
	case isUniqueViolation(err):
		return Profile{}, fmt.Errorf("create icp profile: name %q or id in use: %w", p.Name, ErrConflict)
	case err != nil:
		return Profile{}, fmt.Errorf("create icp profile: %w", err)
	}
	return out, nil
}

// Get returns the profile with id, or ErrNotFound.
func (s *ICPProfiles) Get(ctx context.Context, id uuid.UUID) (Profile, error) {
	p, err := scanProfile(s.db.QueryRow(ctx,
		`SELECT `+profileColumns+` FROM icp_profiles WHERE id = $1`, id))
	if err != nil {
		return Profile{}, fmt.Errorf("get icp profile: %w", notFound(err))
	}
	return p, nil
}

// List returns up to limit profiles ordered by (created_at, id), starting
// after the cursor when one is given.
func (s *ICPProfiles) List(ctx context.Context, after *Cursor, limit int) ([]Profile, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list icp profiles: limit %d must be positive", limit)
	}
	var at *time.Time
	var id *uuid.UUID
	if after != nil {
		at, id = &after.CreatedAt, &after.ID
	}
	rows, err := s.db.Query(ctx, `
		SELECT `+profileColumns+` FROM icp_profiles
		WHERE $1::timestamptz IS NULL OR (created_at, id) > ($1, $2::uuid)
		ORDER BY created_at, id
		LIMIT $3`, at, id, limit)
	if err != nil {
		return nil, fmt.Errorf("list icp profiles: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Profile, error) { return scanProfile(r) })
	if err != nil {
		return nil, fmt.Errorf("list icp profiles: %w", err)
	}
	return ps, nil
}

// Update applies patch to the profile with id and returns the row. An empty
// patch changes nothing, updated_at included. Invalid fields are an
// *icp.ValidationError, a missing profile ErrNotFound, a name taken by
// another profile ErrConflict.
func (s *ICPProfiles) Update(ctx context.Context, id uuid.UUID, patch ProfilePatch) (Profile, error) {
	var v icp.ValidationError
	validateProfile(&v, patch.Name, patch.Description, patch.Criteria, patch.MinScore)
	if err := v.Err(); err != nil {
		return Profile{}, fmt.Errorf("update icp profile: %w", err)
	}
	if patch == (ProfilePatch{}) {
		return s.Get(ctx, id)
	}
	out, err := scanProfile(s.db.QueryRow(ctx, `
		UPDATE icp_profiles SET
			name        = coalesce($2, name),
			description = coalesce($3, description),
			criteria    = coalesce($4::jsonb, criteria),
			min_score   = coalesce($5, min_score),
			active      = coalesce($6, active),
			updated_at  = greatest(now(), updated_at)
		WHERE id = $1
		RETURNING `+profileColumns,
		id, patch.Name, patch.Description, patch.Criteria, patch.MinScore, patch.Active))
	switch {
	case isUniqueViolation(err):
		return Profile{}, fmt.Errorf("update icp profile: name %q in use: %w", *patch.Name, ErrConflict)
	case err != nil:
		return Profile{}, fmt.Errorf("update icp profile: %w", notFound(err))
	}
	return out, nil
}

// Delete removes the profile with id; contacts scored against it keep their
// score and lose the link (ON DELETE SET NULL). A missing profile is
// ErrNotFound.
func (s *ICPProfiles) Delete(ctx context.Context, id uuid.UUID) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM icp_profiles WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete icp profile: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete icp profile: %w", ErrNotFound)
	}
	return nil
}
