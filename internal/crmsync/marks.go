// Package crmsync pushes contacts and their companies to HubSpot in batches.
// A sync request marks contacts (Mark); a run takes the oldest marks as one
// batch, locked so no other run takes them (Take), pushes the batch's
// companies, contacts and contact→company associations through HubSpot's
// batch endpoints (Syncer.Push) and records each row's outcome (Record):
// successes clear their mark, failures keep it with a backoff until
// MaxAttempts.
package crmsync

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/store"
)

// BatchSize is the most contacts one run takes: one HubSpot batch call per
// object type.
const BatchSize = 100

// Mark requests a sync of the contacts with ids: sync_requested_at is set
// (an earlier request keeps its place in the queue), the attempt count is
// reset and any backoff cleared, so a fresh request is worked in the next
// batch. It returns how many contacts were marked; ids naming no contact
// are skipped. A contact that a run holds is marked when that run ends, so
// the request is worked again with the data as it then is.
func Mark(ctx context.Context, db store.DBTX, ids []uuid.UUID) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := db.Exec(ctx, `
		UPDATE contacts SET
			sync_requested_at = coalesce(sync_requested_at, now()),
			sync_attempts = 0,
			sync_not_before = NULL
		WHERE id = ANY($1::uuid[])`, ids)
	if err != nil {
		return 0, fmt.Errorf("mark contacts for sync: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Contact is what a sync sends of one contact, with its mark's attempts.
type Contact struct {
	ID          uuid.UUID
	Email       string
	FirstName   string
	LastName    string
	Title       string
	Phone       string
	CompanyName string
	Domain      string
	Country     string
	CompanyID   *uuid.UUID
	Attempts    int // failed attempts since the contact was last marked
}

// Company is what a sync sends of one company.
type Company struct {
	ID            uuid.UUID
	Domain        string
	Name          string
	Industry      string
	Country       string
	EmployeeCount *int
}

// Batch is one run's work: contacts in mark order and the companies they
// link to.
type Batch struct {
	Contacts  []Contact
	Companies []Company
}

// Take locks and returns the oldest marked contacts (at most limit) whose
// backoff has passed at now, with their companies. Rows another run holds
// are skipped, so two runs never push the same contact; the locks last
// until tx ends, which is why a run records its outcome in tx.
func Take(ctx context.Context, tx pgx.Tx, now time.Time, limit int) (*Batch, error) {
	rows, err := tx.Query(ctx, `
		SELECT id, email, first_name, last_name, title, phone, company_name, domain, country,
			company_id, sync_attempts
		FROM contacts
		WHERE sync_requested_at IS NOT NULL AND (sync_not_before IS NULL OR sync_not_before <= $1)
		ORDER BY sync_requested_at, id
		LIMIT $2
		FOR UPDATE SKIP LOCKED`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("take sync batch: %w", err)
	}
	b := &Batch{}
	var c Contact
	_, err = pgx.ForEachRow(rows, []any{&c.ID, &c.Email, &c.FirstName, &c.LastName, &c.Title, &c.Phone,
		&c.CompanyName, &c.Domain, &c.Country, &c.CompanyID, &c.Attempts}, func() error {
		b.Contacts = append(b.Contacts, c)
		c = Contact{} // a fresh CompanyID pointer for the next row
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("take sync batch: %w", err)
	}
	if b.Companies, err = companiesOf(ctx, tx, b.Contacts); err != nil {
		return nil, err
	}
	return b, nil
}

func companiesOf(ctx context.Context, db store.DBTX, contacts []Contact) ([]Company, error) {
	var ids []uuid.UUID
	for _, c := range contacts {
		if c.CompanyID != nil {
			ids = append(ids, *c.CompanyID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := db.Query(ctx, `
		SELECT id, domain, name, industry, country, employee_count
		FROM companies WHERE id = ANY($1::uuid[]) ORDER BY domain`, ids)
	if err != nil {
		return nil, fmt.Errorf("read sync batch companies: %w", err)
	}
	var out []Company
	var co Company
	_, err = pgx.ForEachRow(rows, []any{&co.ID, &co.Domain, &co.Name, &co.Industry, &co.Country, &co.EmployeeCount}, func() error {
		out = append(out, co)
		co = Company{} // a fresh EmployeeCount pointer for the next row
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read sync batch companies: %w", err)
	}
	return out, nil
}

// Waiting reports whether a marked contact's backoff has passed at now:
// then another run has work.
func Waiting(ctx context.Context, db store.DBTX, now time.Time) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `
		SELECT EXISTS (SELECT FROM contacts
			WHERE sync_requested_at IS NOT NULL AND (sync_not_before IS NULL OR sync_not_before <= $1))`, now).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("check waiting sync requests: %w", err)
	}
	return ok, nil
}
