package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Company is one row of companies. The API writes Domain to Technologies;
// enrichment and sync fields are written by their jobs.
type Company struct {
	ID               uuid.UUID
	Domain           string // normalised, unique
	Name             string
	Industry         string
	EmployeeCount    *int
	Country          string
	Technologies     []string
	EnrichmentStatus string
	EnrichmentSource string
	Enrichment       json.RawMessage
	EnrichmentError  string
	EnrichedAt       *time.Time
	HubSpotID        *string
	SyncedAt         *time.Time
	SyncError        string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// CompanyFilter narrows a company list; nil fields do not filter.
type CompanyFilter struct {
	Domain       *string
	Industry     *string
	Country      *string
	MinEmployees *int // companies of unknown size are left out when either bound is set
	MaxEmployees *int
}

// Companies holds the SQL of the companies table.
type Companies struct{ db DBTX }

// NewCompanies returns the companies queries on db, a pool or a transaction.
func NewCompanies(db DBTX) *Companies { return &Companies{db: db} }

const companyColumns = `id, domain, name, industry, employee_count, country, technologies,
	enrichment_status, enrichment_source, enrichment, enrichment_error, enriched_at, hubspot_id,
	synced_at, sync_error, created_at, updated_at`

func scanCompany(row pgx.Row) (Company, error) {
	var c Company
	err := row.Scan(&c.ID, &c.Domain, &c.Name, &c.Industry, &c.EmployeeCount, &c.Country,
		&c.Technologies, &c.EnrichmentStatus, &c.EnrichmentSource, &c.Enrichment, &c.EnrichmentError,
		&c.EnrichedAt, &c.HubSpotID, &c.SyncedAt, &c.SyncError, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

func (c Company) editable() []any {
	tech := c.Technologies
	if tech == nil {
		tech = []string{}
	}
	return []any{c.Domain, c.Name, c.Industry, c.EmployeeCount, c.Country, tech}
}

func companyWriteError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err):
		return fmt.Errorf("%s: domain in use: %w", op, ErrConflict)
	default:
		return fmt.Errorf("%s: %w", op, notFound(err))
	}
}

// Insert stores the editable fields of c and returns the row as written. A
// domain already in use is ErrConflict.
func (s *Companies) Insert(ctx context.Context, c Company) (Company, error) {
	out, err := scanCompany(s.db.QueryRow(ctx, `
		INSERT INTO companies (domain, name, industry, employee_count, country, technologies)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING `+companyColumns, c.editable()...))
	return out, companyWriteError("insert company", err)
}

// Update writes the editable fields of c over the row with c.ID and bumps
// updated_at; a domain in use is ErrConflict, a missing row ErrNotFound.
func (s *Companies) Update(ctx context.Context, c Company) (Company, error) {
	out, err := scanCompany(s.db.QueryRow(ctx, `
		UPDATE companies SET domain = $1, name = $2, industry = $3, employee_count = $4,
			country = $5, technologies = $6, updated_at = now()
		WHERE id = $7
		RETURNING `+companyColumns, append(c.editable(), c.ID)...))
	return out, companyWriteError("update company", err)
}

// Ensure returns the id of the company with domain, creating it named name
// when there is none. It never rewrites an existing row, so linking a
// thousand contacts to one company neither bumps its updated_at nor queues
// behind the row lock a no-op upsert would take.
func (s *Companies) Ensure(ctx context.Context, domain, name string) (id uuid.UUID, created bool, err error) {
	err = s.db.QueryRow(ctx, `
		INSERT INTO companies (domain, name) VALUES ($1, $2)
		ON CONFLICT (domain) DO NOTHING
		RETURNING id`, domain, name).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, fmt.Errorf("ensure company: %w", err)
	}
	// The conflicting row committed before the insert returned, so a fresh
	// statement sees it.
	if err := s.db.QueryRow(ctx, `SELECT id FROM companies WHERE domain = $1`, domain).Scan(&id); err != nil {
		return uuid.Nil, false, fmt.Errorf("ensure company: %w", notFound(err))
	}
	return id, false, nil
}

// ByID returns the company with id, or ErrNotFound.
func (s *Companies) ByID(ctx context.Context, id uuid.UUID) (Company, error) {
	c, err := scanCompany(s.db.QueryRow(ctx, `SELECT `+companyColumns+` FROM companies WHERE id = $1`, id))
	if err != nil {
		return Company{}, fmt.Errorf("company by id: %w", notFound(err))
	}
	return c, nil
}

// ByIDForUpdate is ByID holding the row lock until the transaction ends.
func (s *Companies) ByIDForUpdate(ctx context.Context, id uuid.UUID) (Company, error) {
	c, err := scanCompany(s.db.QueryRow(ctx, `SELECT `+companyColumns+` FROM companies WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return Company{}, fmt.Errorf("company by id for update: %w", notFound(err))
	}
	return c, nil
}

// Delete removes the company with id, or returns ErrNotFound. Its contacts
// stay, unlinked (the foreign key sets their company_id to NULL).
func (s *Companies) Delete(ctx context.Context, id uuid.UUID) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM companies WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete company: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete company: %w", ErrNotFound)
	}
	return nil
}

const companyListWhere = `SELECT ` + companyColumns + ` FROM companies
	WHERE ($1::text IS NULL OR domain = $1)
	  AND ($2::text IS NULL OR industry = $2)
	  AND ($3::text IS NULL OR country = $3)
	  AND ($4::int IS NULL OR employee_count >= $4)
	  AND ($5::int IS NULL OR employee_count <= $5)`

const (
	companyListAsc = companyListWhere + `
	  AND ($6::timestamptz IS NULL OR (created_at, id) > ($6, $7::uuid))
	ORDER BY created_at, id LIMIT $8`
	companyListDesc = companyListWhere + `
	  AND ($6::timestamptz IS NULL OR (created_at, id) < ($6, $7::uuid))
	ORDER BY created_at DESC, id DESC LIMIT $8`
)

// List returns up to p.Limit companies matching f in (created_at, id) order,
// after p.After when set; planned per call like Contacts.List.
func (s *Companies) List(ctx context.Context, f CompanyFilter, p ListPage) ([]Company, error) {
	at, id, err := p.args()
	if err != nil {
		return nil, fmt.Errorf("list companies: %w", err)
	}
	sql := companyListAsc
	if p.Desc {
		sql = companyListDesc
	}
	rows, err := s.db.Query(ctx, sql, pgx.QueryExecModeDescribeExec,
		f.Domain, f.Industry, f.Country, f.MinEmployees, f.MaxEmployees, at, id, p.Limit)
	if err != nil {
		return nil, fmt.Errorf("list companies: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Company, error) { return scanCompany(r) })
	if err != nil {
		return nil, fmt.Errorf("list companies: %w", err)
	}
	return out, nil
}
