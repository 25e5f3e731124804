package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

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
type ICPProfiles struct{ db DBTX }

// NewICPProfiles returns the icp_profiles queries on db, a pool or a
// transaction (a scoring job reads profiles in the transaction that stores
// the score).
func NewICPProfiles(db DBTX) *ICPProfiles { return &ICPProfiles{db: db} }

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

// Active returns every active profile in a stable order (created_at, id),
// the profiles a contact is scored against when none is named.
func (s *ICPProfiles) Active(ctx context.Context) ([]Profile, error) {
	rows, err := s.db.Query(ctx, `
		SELECT `+profileColumns+` FROM icp_profiles WHERE active ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list active icp profiles: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Profile, error) { return scanProfile(r) })
	if err != nil {
		return nil, fmt.Errorf("list active icp profiles: %w", err)
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

// ScoringTarget is a contact as scoring sees it: the icp.Subject built
// from the contact and its company, and the score and sync state it has.
type ScoringTarget struct {
	Subject      icp.Subject
	ICPScore     *int
	ICPProfileID *uuid.UUID
	SyncStatus   string
}

// Scores holds the SQL of scoring contacts: reading what a contact is
// scored on and storing its score.
type Scores struct{ db DBTX }

// NewScores returns the scoring queries on db, a transaction when the
// score is stored with its job's completion.
func NewScores(db DBTX) *Scores { return &Scores{db: db} }

// Target reads the contact with id and what is known of its company, and
// locks the contact row until the transaction ends, so two scorings of one
// contact store their scores one after the other and an erasure waits for
// a scoring in flight. A missing contact is ErrNotFound.
//
// Keywords and the description come from the raw vendor payloads, which
// carry them where no column does: Apollo's organization keywords and
// Explorium's business description.
func (s *Scores) Target(ctx context.Context, id uuid.UUID) (ScoringTarget, error) {
	var t ScoringTarget
	var score *int16
	var employees *int
	err := s.db.QueryRow(ctx, `
		SELECT c.title, c.seniority, c.country, c.icp_score, c.icp_profile_id, c.sync_status,
			coalesce(co.industry, ''), co.employee_count, coalesce(co.employee_range, ''),
			coalesce(co.country, ''), coalesce(co.technologies, '{}'),
			ARRAY(SELECT jsonb_array_elements_text(CASE
				WHEN jsonb_typeof(co.enrichment->'apollo'->'keywords') = 'array'
				THEN co.enrichment->'apollo'->'keywords' END)),
			coalesce(co.enrichment->'explorium'->'firmographics'->>'business_description', '')
		FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
		WHERE c.id = $1
		FOR UPDATE OF c`, id).Scan(
		&t.Subject.Title, &t.Subject.Seniority, &t.Subject.Country, &score, &t.ICPProfileID, &t.SyncStatus,
		&t.Subject.Industry, &employees, &t.Subject.EmployeeRange,
		&t.Subject.CompanyCountry, &t.Subject.Technologies, &t.Subject.Keywords, &t.Subject.Description)
	if err != nil {
		return ScoringTarget{}, fmt.Errorf("read contact to score: %w", notFound(err))
	}
	if score != nil {
		v := int(*score)
		t.ICPScore = &v
	}
	if employees != nil {
		t.Subject.EmployeeCount = *employees
	}
	return t, nil
}

// Store writes the contact's score against profileID with its
// explanation, scored at at. A missing contact is ErrNotFound; a profile
// deleted meanwhile fails the foreign key, and the caller's retry finds it
// gone.
func (s *Scores) Store(ctx context.Context, id, profileID uuid.UUID, e icp.Explanation, at time.Time) error {
	tag, err := s.db.Exec(ctx, `
		UPDATE contacts SET icp_score = $2, icp_profile_id = $3, icp_explanation = $4, scored_at = $5
		WHERE id = $1`, id, e.Score, profileID, e, at)
	if err != nil {
		return fmt.Errorf("store contact score: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store contact score: %w", ErrNotFound)
	}
	return nil
}
