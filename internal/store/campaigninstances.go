package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ErrInstanceStatus is returned when a campaign instance's status does not
// allow what was asked (activating a paused instance, enrolling into a
// draft); it is an ErrConflict.
var ErrInstanceStatus = fmt.Errorf("campaign instance status does not allow this: %w", ErrConflict)

// CampaignInstance is one row of campaign_instances: a template put to
// work, sending through one lemlist campaign.
type CampaignInstance struct {
	ID                uuid.UUID
	TemplateID        uuid.UUID
	Name              string
	Status            string // draft, active, paused, completed
	LemlistCampaignID *string
	DailyCap          int
	CreatedAt         time.Time
	UpdatedAt         time.Time
	StartedAt         *time.Time
	CompletedAt       *time.Time
}

// NewCampaignInstance is what creating an instance takes.
type NewCampaignInstance struct {
	TemplateID        uuid.UUID
	Name              string
	DailyCap          *int    // nil: the template's settings.daily_cap
	LemlistCampaignID *string // nil: an outreach job creates the lemlist campaign
}

// CampaignInstances holds the SQL of the campaign_instances table.
type CampaignInstances struct{ db DBTX }

// NewCampaignInstances returns the campaign instance queries on db, a pool
// or a transaction.
func NewCampaignInstances(db DBTX) *CampaignInstances { return &CampaignInstances{db: db} }

const instanceColumns = `id, template_id, name, status, lemlist_campaign_id, daily_cap, created_at, updated_at, started_at, completed_at`

func scanInstance(row pgx.Row) (CampaignInstance, error) {
	var i CampaignInstance
	err := row.Scan(&i.ID, &i.TemplateID, &i.Name, &i.Status, &i.LemlistCampaignID, &i.DailyCap,
		&i.CreatedAt, &i.UpdatedAt, &i.StartedAt, &i.CompletedAt)
	return i, err
}

// Create stores a draft instance of the template; its daily cap defaults
// to the template's. A missing template is ErrNotFound.
func (s *CampaignInstances) Create(ctx context.Context, in NewCampaignInstance) (CampaignInstance, error) {
	out, err := scanInstance(s.db.QueryRow(ctx, `
		INSERT INTO campaign_instances (template_id, name, daily_cap, lemlist_campaign_id)
		SELECT t.id, $2, COALESCE($3::int, (t.settings->>'daily_cap')::int, 100), $4
		FROM campaign_templates t WHERE t.id = $1
		RETURNING `+instanceColumns, in.TemplateID, in.Name, in.DailyCap, in.LemlistCampaignID))
	if err != nil {
		return CampaignInstance{}, fmt.Errorf("create campaign instance: %w", notFound(err))
	}
	return out, nil
}

// Get returns the instance with id, or ErrNotFound.
func (s *CampaignInstances) Get(ctx context.Context, id uuid.UUID) (CampaignInstance, error) {
	return s.get(ctx, id, "")
}

// GetForUpdate is Get with the row locked until db's transaction ends, so
// its status and daily cap hold while an enrollment is counted against it.
func (s *CampaignInstances) GetForUpdate(ctx context.Context, id uuid.UUID) (CampaignInstance, error) {
	return s.get(ctx, id, " FOR UPDATE")
}

// GetForShare is Get with the row share-locked until db's transaction
// ends: enrollments read its status while a concurrent pause or complete
// waits.
func (s *CampaignInstances) GetForShare(ctx context.Context, id uuid.UUID) (CampaignInstance, error) {
	return s.get(ctx, id, " FOR SHARE")
}

// get reads instance id with lock, a locking clause or "".
func (s *CampaignInstances) get(ctx context.Context, id uuid.UUID, lock string) (CampaignInstance, error) {
	i, err := scanInstance(s.db.QueryRow(ctx, `SELECT `+instanceColumns+` FROM campaign_instances WHERE id = $1`+lock, id))
	if err != nil {
		return CampaignInstance{}, fmt.Errorf("get campaign instance: %w", notFound(err))
	}
	return i, nil
}

// List returns up to limit instances, of status when it is set, ordered by
// (created_at, id) after the cursor.
func (s *CampaignInstances) List(ctx context.Context, status *string, after *Cursor, limit int) ([]CampaignInstance, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list campaign instances: limit %d must be positive", limit)
	}
	var at *time.Time
	var id *uuid.UUID
	if after != nil {
		at, id = &after.CreatedAt, &after.ID
	}
	rows, err := s.db.Query(ctx, `
		SELECT `+instanceColumns+` FROM campaign_instances
		WHERE ($1::text IS NULL OR status = $1)
		  AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3::uuid))
		ORDER BY created_at, id
		LIMIT $4`, status, at, id, limit)
	if err != nil {
		return nil, fmt.Errorf("list campaign instances: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CampaignInstance, error) { return scanInstance(r) })
	if err != nil {
		return nil, fmt.Errorf("list campaign instances: %w", err)
	}
	return out, nil
}

// Transition moves the instance from one of from to to. An instance in
// another status is left as it is and the error is ErrInstanceStatus
// naming its status; a missing one is ErrNotFound.
func (s *CampaignInstances) Transition(ctx context.Context, id uuid.UUID, from []string, to string) (CampaignInstance, error) {
	out, err := scanInstance(s.db.QueryRow(ctx, `
		UPDATE campaign_instances SET status = $3,
			updated_at = greatest(now(), updated_at),
			started_at = CASE WHEN $3 = 'active' THEN COALESCE(started_at, now()) ELSE started_at END,
			completed_at = CASE WHEN $3 = 'completed' THEN now() ELSE completed_at END
		WHERE id = $1 AND status = ANY($2)
		RETURNING `+instanceColumns, id, from, to))
	if err == nil {
		return out, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return CampaignInstance{}, fmt.Errorf("transition campaign instance: %w", err)
	}
	cur, err := s.Get(ctx, id)
	if err != nil {
		return CampaignInstance{}, err
	}
	return cur, fmt.Errorf("transition campaign instance from %s to %s: %w", cur.Status, to, ErrInstanceStatus)
}

// SetLemlistCampaign records the lemlist campaign created for the
// instance, unless one is recorded already (a repeated creation job keeps
// the first). It returns the id recorded afterwards.
func (s *CampaignInstances) SetLemlistCampaign(ctx context.Context, id uuid.UUID, campaignID string) (string, error) {
	var out string
	// A campaign stored here was created by the platform: its sequence is
	// still to be written (LemlistSequencePending).
	err := s.db.QueryRow(ctx, `
		UPDATE campaign_instances SET lemlist_campaign_id = COALESCE(lemlist_campaign_id, $2),
			settings = CASE WHEN lemlist_campaign_id IS NULL THEN settings || '{"lemlist_sequence": "pending"}' ELSE settings END,
			updated_at = greatest(now(), updated_at)
		WHERE id = $1 RETURNING lemlist_campaign_id`, id, campaignID).Scan(&out)
	if err != nil {
		return "", fmt.Errorf("set lemlist campaign: %w", notFound(err))
	}
	return out, nil
}

// LemlistSequencePending reports whether the instance's lemlist campaign
// was created by the platform and its sequence steps are not all written.
func (s *CampaignInstances) LemlistSequencePending(ctx context.Context, id uuid.UUID) (bool, error) {
	var pending bool
	err := s.db.QueryRow(ctx, `SELECT coalesce(settings->>'lemlist_sequence' = 'pending', false) FROM campaign_instances WHERE id = $1`, id).Scan(&pending)
	if err != nil {
		return false, fmt.Errorf("lemlist sequence state: %w", notFound(err))
	}
	return pending, nil
}

// ResetLemlistSetup marks the setup of the lemlist campaigns the platform
// created for templateID's unfinished instances as pending again (the
// template changed) and returns those instances, whose campaign sync then
// writes the new window and steps. Campaigns users mapped are left alone.
func (s *CampaignInstances) ResetLemlistSetup(ctx context.Context, templateID uuid.UUID) ([]uuid.UUID, error) {
	rows, err := s.db.Query(ctx, `
		UPDATE campaign_instances SET settings = settings || '{"lemlist_sequence": "pending"}'
		WHERE template_id = $1 AND settings ? 'lemlist_sequence' AND status <> 'completed'
		RETURNING id`, templateID)
	if err != nil {
		return nil, fmt.Errorf("reset lemlist setup: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("reset lemlist setup: %w", err)
	}
	return ids, nil
}

// LemlistSequenceWritten records that the sequence steps are written.
func (s *CampaignInstances) LemlistSequenceWritten(ctx context.Context, id uuid.UUID) error {
	if _, err := s.db.Exec(ctx, `UPDATE campaign_instances SET settings = settings || '{"lemlist_sequence": "written"}' WHERE id = $1`, id); err != nil {
		return fmt.Errorf("lemlist sequence written: %w", err)
	}
	return nil
}
