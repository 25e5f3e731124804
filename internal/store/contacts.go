package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DBTX is what the contact, company and suppression queries run on: a pool
// for single statements, or a transaction when a domain rule spans several
// (a contact and the company it is linked to are written together).
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ListPage is one page of a keyset-paginated list ordered by (created_at,
// id), ascending or descending: After is the last row of the previous page.
type ListPage struct {
	After *Cursor
	Desc  bool
	Limit int
}

func (p ListPage) args() (at *time.Time, id *uuid.UUID, err error) {
	if p.Limit <= 0 {
		return nil, nil, fmt.Errorf("limit %d must be positive", p.Limit)
	}
	if p.After != nil {
		return &p.After.CreatedAt, &p.After.ID, nil
	}
	return nil, nil, nil
}

// Contact is one row of contacts. The API writes the editable fields (email
// to Source); enrichment, scoring and sync fields are written by their jobs.
type Contact struct {
	ID               uuid.UUID
	Email            string // normalised, unique
	FirstName        string
	LastName         string
	Title            string
	Seniority        string
	Phone            string
	LinkedInURL      string
	CompanyID        *uuid.UUID
	CompanyName      string
	Domain           string // the company domain, normalised; "" when unknown
	Country          string
	Timezone         string
	Tags             []string
	CustomFields     map[string]any
	Source           string
	ImportID         *uuid.UUID
	ICPProfileID     *uuid.UUID
	ICPScore         *int
	ICPExplanation   json.RawMessage
	ScoredAt         *time.Time
	EnrichmentStatus string
	EnrichmentSource string
	Enrichment       json.RawMessage
	EnrichmentError  string
	EnrichedAt       *time.Time
	HubSpotID        *string
	SyncStatus       string
	SyncError        string
	SyncedAt         *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// ContactFilter narrows a contact list; nil and empty fields do not filter.
type ContactFilter struct {
	Email            *string
	Domain           *string
	CompanyID        *uuid.UUID
	MinScore         *int // contacts never scored are left out when either bound is set
	MaxScore         *int
	EnrichmentStatus *string
	Tags             []string // contacts carrying all of them
	CreatedAfter     *time.Time
	CreatedBefore    *time.Time
}

// Contacts holds the SQL of the contacts table.
type Contacts struct{ db DBTX }

// NewContacts returns the contacts queries on db, a pool or a transaction.
func NewContacts(db DBTX) *Contacts { return &Contacts{db: db} }

const contactColumns = `id, email, first_name, last_name, title, seniority, phone, linkedin_url,
	company_id, company_name, domain, country, timezone, tags, custom_fields, source, import_id,
	icp_profile_id, icp_score, icp_explanation, scored_at, enrichment_status, enrichment_source,
	enrichment, enrichment_error, enriched_at, hubspot_id, sync_status, sync_error, synced_at,
	created_at, updated_at`

func scanContact(row pgx.Row) (Contact, error) {
	var c Contact
	var score *int16
	err := row.Scan(&c.ID, &c.Email, &c.FirstName, &c.LastName, &c.Title, &c.Seniority, &c.Phone,
		&c.LinkedInURL, &c.CompanyID, &c.CompanyName, &c.Domain, &c.Country, &c.Timezone, &c.Tags,
		&c.CustomFields, &c.Source, &c.ImportID, &c.ICPProfileID, &score, &c.ICPExplanation,
		&c.ScoredAt, &c.EnrichmentStatus, &c.EnrichmentSource, &c.Enrichment, &c.EnrichmentError,
		&c.EnrichedAt, &c.HubSpotID, &c.SyncStatus, &c.SyncError, &c.SyncedAt, &c.CreatedAt, &c.UpdatedAt)
	if score != nil {
		s := int(*score)
		c.ICPScore = &s
	}
	return c, err
}

// editable returns the columns the API writes, with NOT NULL defaults for
// nil slices and maps.
func (c Contact) editable() []any {
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	custom := c.CustomFields
	if custom == nil {
		custom = map[string]any{}
	}
	return []any{c.Email, c.FirstName, c.LastName, c.Title, c.Seniority, c.Phone, c.LinkedInURL,
		c.CompanyID, c.CompanyName, c.Domain, c.Country, c.Timezone, tags, custom, c.Source}
}

// Insert stores the editable fields of c and returns the row as written. An
// email already in use is ErrConflict; a CompanyID naming no company is
// ErrNotFound.
func (s *Contacts) Insert(ctx context.Context, c Contact) (Contact, error) {
	out, err := scanContact(s.db.QueryRow(ctx, `
		INSERT INTO contacts (email, first_name, last_name, title, seniority, phone, linkedin_url,
			company_id, company_name, domain, country, timezone, tags, custom_fields, source)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING `+contactColumns, c.editable()...))
	return out, contactWriteError("insert contact", err)
}

// Update writes the editable fields of c over the row with c.ID and bumps
// updated_at. Errors are those of Insert, or ErrNotFound for a missing row.
func (s *Contacts) Update(ctx context.Context, c Contact) (Contact, error) {
	out, err := scanContact(s.db.QueryRow(ctx, `
		UPDATE contacts SET email = $1, first_name = $2, last_name = $3, title = $4, seniority = $5,
			phone = $6, linkedin_url = $7, company_id = $8, company_name = $9, domain = $10,
			country = $11, timezone = $12, tags = $13, custom_fields = $14, source = $15,
			updated_at = now()
		WHERE id = $16
		RETURNING `+contactColumns, append(c.editable(), c.ID)...))
	return out, contactWriteError("update contact", err)
}

func contactWriteError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err):
		return fmt.Errorf("%s: email in use: %w", op, ErrConflict)
	case isForeignKeyViolation(err):
		return fmt.Errorf("%s: company: %w", op, ErrNotFound)
	default:
		return fmt.Errorf("%s: %w", op, notFound(err))
	}
}

// ByID returns the contact with id, or ErrNotFound.
func (s *Contacts) ByID(ctx context.Context, id uuid.UUID) (Contact, error) {
	c, err := scanContact(s.db.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id = $1`, id))
	if err != nil {
		return Contact{}, fmt.Errorf("contact by id: %w", notFound(err))
	}
	return c, nil
}

// ByIDForUpdate is ByID holding the row lock until the transaction ends, so
// a read-modify-write patch cannot lose a concurrent one.
func (s *Contacts) ByIDForUpdate(ctx context.Context, id uuid.UUID) (Contact, error) {
	c, err := scanContact(s.db.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return Contact{}, fmt.Errorf("contact by id for update: %w", notFound(err))
	}
	return c, nil
}

// Delete removes the contact with id, or returns ErrNotFound.
func (s *Contacts) Delete(ctx context.Context, id uuid.UUID) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM contacts WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete contact: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete contact: %w", ErrNotFound)
	}
	return nil
}

// The list is one fixed statement per direction: every filter is an optional
// predicate switched off by a NULL parameter, never SQL built from input.
const contactFilterWhere = ` FROM contacts
	WHERE ($1::text IS NULL OR email = $1)
	  AND ($2::text IS NULL OR domain = $2)
	  AND ($3::uuid IS NULL OR company_id = $3)
	  AND ($4::int IS NULL OR icp_score >= $4)
	  AND ($5::int IS NULL OR icp_score <= $5)
	  AND ($6::text IS NULL OR enrichment_status = $6)
	  AND ($7::text[] IS NULL OR tags @> $7)
	  AND ($8::timestamptz IS NULL OR created_at >= $8)
	  AND ($9::timestamptz IS NULL OR created_at < $9)`

const (
	contactListWhere = `SELECT ` + contactColumns + contactFilterWhere
	contactListAsc   = contactListWhere + `
	  AND ($10::timestamptz IS NULL OR (created_at, id) > ($10, $11::uuid))
	ORDER BY created_at, id LIMIT $12`
	contactListDesc = contactListWhere + `
	  AND ($10::timestamptz IS NULL OR (created_at, id) < ($10, $11::uuid))
	ORDER BY created_at DESC, id DESC LIMIT $12`
)

// List returns up to p.Limit contacts matching f in (created_at, id) order,
// after p.After when set. The statement is planned for each call's values
// (no cached generic plan), so a NULL-disabled predicate costs nothing and
// the indexes of the filters that are set stay usable.
func (s *Contacts) List(ctx context.Context, f ContactFilter, p ListPage) ([]Contact, error) {
	at, id, err := p.args()
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	var tags []string
	if len(f.Tags) > 0 {
		tags = f.Tags
	}
	sql := contactListAsc
	if p.Desc {
		sql = contactListDesc
	}
	rows, err := s.db.Query(ctx, sql, pgx.QueryExecModeDescribeExec,
		f.Email, f.Domain, f.CompanyID, f.MinScore, f.MaxScore, f.EnrichmentStatus, tags,
		f.CreatedAfter, f.CreatedBefore, at, id, p.Limit)
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Contact, error) { return scanContact(r) })
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	return out, nil
}

// MatchingIDs returns the ids of up to limit contacts matching f, oldest
// first: the selection of a bulk action over the list's filters.
func (s *Contacts) MatchingIDs(ctx context.Context, f ContactFilter, limit int) ([]uuid.UUID, error) {
	var tags []string
	if len(f.Tags) > 0 {
		tags = f.Tags
	}
	rows, err := s.db.Query(ctx, `SELECT id`+contactFilterWhere+` ORDER BY created_at, id LIMIT $10`,
		pgx.QueryExecModeDescribeExec, f.Email, f.Domain, f.CompanyID, f.MinScore, f.MaxScore,
		f.EnrichmentStatus, tags, f.CreatedAfter, f.CreatedBefore, limit)
	if err != nil {
		return nil, fmt.Errorf("select contacts: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("select contacts: %w", err)
	}
	return ids, nil
}

// ExistingIDs returns those of ids that name a contact, in the order given,
// each once.
func (s *Contacts) ExistingIDs(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	rows, err := s.db.Query(ctx, `
		SELECT u.id FROM unnest($1::uuid[]) WITH ORDINALITY AS u (id, n)
		WHERE EXISTS (SELECT 1 FROM contacts c WHERE c.id = u.id)
		ORDER BY u.n`, ids)
	if err != nil {
		return nil, fmt.Errorf("check contact ids: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("check contact ids: %w", err)
	}
	seen := make(map[uuid.UUID]bool, len(found))
	out := found[:0]
	for _, id := range found {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}
