package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// WorkflowDefinition is one version of a workflow: its YAML as uploaded
// or shipped, never changed once stored, so a run pinned to it always
// reads what it started with.
type WorkflowDefinition struct {
	ID          uuid.UUID
	Name        string
	Version     int
	Title       string
	ContentHash []byte // SHA-256 of Source
	Source      string
	Origin      string // library or api
	CreatedAt   time.Time
}

// Origins of a definition.
const (
	OriginLibrary = "library"
	OriginAPI     = "api"
)

// WorkflowDefinitions holds the SQL of workflow_definitions.
type WorkflowDefinitions struct{ db DBTX }

// NewWorkflowDefinitions returns the queries on db, a pool or a
// transaction.
func NewWorkflowDefinitions(db DBTX) *WorkflowDefinitions { return &WorkflowDefinitions{db: db} }

const workflowDefColumns = `id, name, version, title, content_hash, source, origin, created_at`

func scanWorkflowDef(row pgx.Row) (WorkflowDefinition, error) {
	var d WorkflowDefinition
	err := row.Scan(&d.ID, &d.Name, &d.Version, &d.Title, &d.ContentHash, &d.Source, &d.Origin, &d.CreatedAt)
	return d, err
}

// Add stores d unless the same content is stored under its name already,
// in which case it returns that row and created false. A version of the
// name holding other content is ErrConflict: a changed workflow needs a
// new version.
func (s *WorkflowDefinitions) Add(ctx context.Context, d WorkflowDefinition) (WorkflowDefinition, bool, error) {
	row, err := scanWorkflowDef(s.db.QueryRow(ctx, `
		INSERT INTO workflow_definitions (name, version, title, content_hash, source, origin)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT DO NOTHING
		RETURNING `+workflowDefColumns, d.Name, d.Version, d.Title, d.ContentHash, d.Source, d.Origin))
	if err == nil {
		return row, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return row, false, fmt.Errorf("add workflow definition: %w", err)
	}
	row, err = scanWorkflowDef(s.db.QueryRow(ctx, `
		SELECT `+workflowDefColumns+` FROM workflow_definitions WHERE name = $1 AND content_hash = $2`, d.Name, d.ContentHash))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return row, false, ErrConflict // the version holds other content
	case err != nil:
		return row, false, fmt.Errorf("add workflow definition: %w", err)
	}
	return row, false, nil
}

// Get returns version of name, or its latest version when version is 0.
func (s *WorkflowDefinitions) Get(ctx context.Context, name string, version int) (WorkflowDefinition, error) {
	d, err := scanWorkflowDef(s.db.QueryRow(ctx, `
		SELECT `+workflowDefColumns+` FROM workflow_definitions
		WHERE name = $1 AND ($2 = 0 OR version = $2)
		ORDER BY version DESC LIMIT 1`, name, version))
	if err != nil {
		return d, notFound(fmt.Errorf("workflow definition: %w", err))
	}
	return d, nil
}

// GetByID returns the definition with id.
func (s *WorkflowDefinitions) GetByID(ctx context.Context, id uuid.UUID) (WorkflowDefinition, error) {
	d, err := scanWorkflowDef(s.db.QueryRow(ctx, `SELECT `+workflowDefColumns+` FROM workflow_definitions WHERE id = $1`, id))
	if err != nil {
		return d, notFound(fmt.Errorf("workflow definition: %w", err))
	}
	return d, nil
}

// List returns the definitions, oldest first, after the cursor when it
// is not nil, at most limit of them. Sources are left out.
func (s *WorkflowDefinitions) List(ctx context.Context, after *Cursor, limit int) ([]WorkflowDefinition, error) {
	var at *time.Time
	var id *uuid.UUID
	if after != nil {
		at, id = &after.CreatedAt, &after.ID
	}
	rows, err := s.db.Query(ctx, `
		SELECT id, name, version, title, content_hash, '', origin, created_at FROM workflow_definitions
		WHERE $1::timestamptz IS NULL OR (created_at, id) > ($1, $2::uuid)
		ORDER BY created_at, id LIMIT $3`, at, id, limit)
	if err != nil {
		return nil, fmt.Errorf("list workflow definitions: %w", err)
	}
	return collect(rows, "list workflow definitions", func(r pgx.CollectableRow) (WorkflowDefinition, error) {
		return scanWorkflowDef(r)
	})
}
