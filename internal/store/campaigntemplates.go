package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/campaigns"
)

// ErrTemplateInUse is returned when deleting a campaign template that
// campaign instances were made from; it is an ErrConflict.
var ErrTemplateInUse = fmt.Errorf("campaign template is used by campaign instances: %w", ErrConflict)

// CampaignTemplate is one row of campaign_templates: the template, its
// steps in email_sequence and its settings, both jsonb.
type CampaignTemplate struct {
	ID uuid.UUID
	campaigns.Template
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CampaignTemplates holds the SQL of the campaign_templates table.
type CampaignTemplates struct{ db DBTX }

// NewCampaignTemplates returns the campaign template queries on db, a pool
// or a transaction.
func NewCampaignTemplates(db DBTX) *CampaignTemplates { return &CampaignTemplates{db: db} }

const templateColumns = `id, name, description, email_sequence, settings, created_at, updated_at`

func scanTemplate(row pgx.Row) (CampaignTemplate, error) {
	var t CampaignTemplate
	err := row.Scan(&t.ID, &t.Name, &t.Description, &t.Steps, &t.Settings, &t.CreatedAt, &t.UpdatedAt)
	return t, err
}

// Create validates t and stores it. Invalid templates are a
// *campaigns.ValidationError and nothing is written: every stored template
// renders.
func (s *CampaignTemplates) Create(ctx context.Context, t campaigns.Template) (CampaignTemplate, error) {
	if err := t.Validate(); err != nil {
		return CampaignTemplate{}, fmt.Errorf("create campaign template: %w", err)
	}
	out, err := scanTemplate(s.db.QueryRow(ctx, `
		INSERT INTO campaign_templates (name, description, email_sequence, settings)
		VALUES ($1, $2, $3, $4)
		RETURNING `+templateColumns,
		t.Name, t.Description, t.Steps, t.Settings))
	if err != nil {
		return CampaignTemplate{}, fmt.Errorf("create campaign template: %w", err)
	}
	return out, nil
}

// Get returns the template with id, or ErrNotFound.
func (s *CampaignTemplates) Get(ctx context.Context, id uuid.UUID) (CampaignTemplate, error) {
	t, err := scanTemplate(s.db.QueryRow(ctx,
		`SELECT `+templateColumns+` FROM campaign_templates WHERE id = $1`, id))
	if err != nil {
		return CampaignTemplate{}, fmt.Errorf("get campaign template: %w", notFound(err))
	}
	return t, nil
}

// List returns up to limit templates ordered by (created_at, id), starting
// after the cursor when one is given.
func (s *CampaignTemplates) List(ctx context.Context, after *Cursor, limit int) ([]CampaignTemplate, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list campaign templates: limit %d must be positive", limit)
	}
	var at *time.Time
	var id *uuid.UUID
	if after != nil {
		at, id = &after.CreatedAt, &after.ID
	}
	rows, err := s.db.Query(ctx, `
		SELECT `+templateColumns+` FROM campaign_templates
		WHERE $1::timestamptz IS NULL OR (created_at, id) > ($1, $2::uuid)
		ORDER BY created_at, id
		LIMIT $3`, at, id, limit)
	if err != nil {
		return nil, fmt.Errorf("list campaign templates: %w", err)
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CampaignTemplate, error) { return scanTemplate(r) })
	if err != nil {
		return nil, fmt.Errorf("list campaign templates: %w", err)
	}
	return ts, nil
}

// Replace validates t and writes it over the template with id, whole: a
// sequence's steps depend on one another (delays, variants), so they are
// changed together. Invalid templates are a *campaigns.ValidationError, a
// missing one ErrNotFound. Instances already made from the template see
// the new steps.
func (s *CampaignTemplates) Replace(ctx context.Context, id uuid.UUID, t campaigns.Template) (CampaignTemplate, error) {
	if err := t.Validate(); err != nil {
		return CampaignTemplate{}, fmt.Errorf("replace campaign template: %w", err)
	}
	out, err := scanTemplate(s.db.QueryRow(ctx, `
		UPDATE campaign_templates SET
			name = $2, description = $3, email_sequence = $4, settings = $5,
			updated_at = greatest(now(), updated_at)
		WHERE id = $1
		RETURNING `+templateColumns,
		id, t.Name, t.Description, t.Steps, t.Settings))
	if err != nil {
		return CampaignTemplate{}, fmt.Errorf("replace campaign template: %w", notFound(err))
	}
	return out, nil
}

// Delete removes the template with id. A template campaign instances were
// made from is kept and the answer is ErrTemplateInUse (the instances'
// foreign key also refuses, should one be made meanwhile); a missing one is
// ErrNotFound.
func (s *CampaignTemplates) Delete(ctx context.Context, id uuid.UUID) error {
	var deleted, inUse bool
	err := s.db.QueryRow(ctx, `
		WITH used AS (SELECT EXISTS (SELECT 1 FROM campaign_instances WHERE template_id = $1) AS yes),
		gone AS (
			DELETE FROM campaign_templates WHERE id = $1 AND NOT (SELECT yes FROM used)
			RETURNING id
		)
		SELECT EXISTS (SELECT 1 FROM gone), (SELECT yes FROM used)`, id).Scan(&deleted, &inUse)
	switch {
	case isForeignKeyViolation(err), err == nil && inUse:
		return fmt.Errorf("delete campaign template: %w", ErrTemplateInUse)
	case err != nil:
		return fmt.Errorf("delete campaign template: %w", err)
	case !deleted:
		return fmt.Errorf("delete campaign template: %w", ErrNotFound)
	}
	return nil
}

// CountInstances returns how many campaign instances were made from the
// template with id, the reason a delete is refused.
func (s *CampaignTemplates) CountInstances(ctx context.Context, id uuid.UUID) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM campaign_instances WHERE template_id = $1`, id).Scan(&n); err != nil {
		return 0, fmt.Errorf("count campaign instances: %w", err)
	}
	return n, nil
}
