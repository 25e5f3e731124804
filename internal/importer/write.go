package importer

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rtgs/sales-automation/internal/imports"
)

// writeContacts stores a batch's contacts (sorted by email, one row per
// address): addresses not in the table yet are COPYed in, which costs
// about half of an upsert; the others go through the upsert. An address
// another writer inserted since the lookup makes the COPY fail: the batch
// then upserts every row instead, inside the same transaction.
func writeContacts(ctx context.Context, tx pgx.Tx, importID uuid.UUID, cs []contactRow, companyOf map[string]uuid.UUID) ([]written, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	emails := make([]string, len(cs))
	for i, c := range cs {
		emails[i] = c.email
	}
	rows, err := tx.Query(ctx, `SELECT email FROM contacts WHERE email = ANY($1)`, emails)
	if err != nil {
		return nil, fmt.Errorf("look up imported addresses: %w", err)
	}
	known, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("look up imported addresses: %w", err)
	}
	isKnown := make(map[string]bool, len(known))
	for _, e := range known {
		isKnown[e] = true
	}
	var fresh, existing []contactRow
	for _, c := range cs {
		if isKnown[c.email] {
			existing = append(existing, c)
		} else {
			fresh = append(fresh, c)
		}
	}

	inserted, err := copyContacts(ctx, tx, importID, fresh, companyOf)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UniqueViolation {
		return upsertContacts(ctx, tx, importID, cs, companyOf)
	}
	if err != nil {
		return nil, err
	}
	updated, err := upsertContacts(ctx, tx, importID, existing, companyOf)
	if err != nil {
		return nil, err
	}
	return append(inserted, updated...), nil
}

// copyColumns are the columns copyContacts fills, the text fields (named
// as their columns) in the order of textFields.
var copyColumns = func() []string {
	cols := []string{"id", "email"}
	for _, f := range textFields {
		cols = append(cols, string(f.field))
	}
	return append(cols, "company_id", "domain", "tags", "custom_fields", "import_id")
}()

// copyContacts COPYs new contacts in a savepoint, so a failure leaves tx
// usable, and returns them as written. Their ids are time-ordered (UUIDv7)
// so a batch's index entries land together.
func copyContacts(ctx context.Context, tx pgx.Tx, importID uuid.UUID, cs []contactRow, companyOf map[string]uuid.UUID) ([]written, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	out := make([]written, len(cs))
	for i := range cs {
		id, err := uuid.NewV7()
		if err != nil {
			return nil, err
		}
		out[i] = written{id: id, inserted: true}
	}
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(cs) {
			return nil, nil
		}
		c := &cs[i]
		row := make([]any, 0, len(copyColumns))
		row = append(row, out[i].id, c.email)
		for f, v := range c.text {
			if textFields[f].field == imports.FieldSource && v == "" {
				v = "import"
			}
			row = append(row, v)
		}
		var company *uuid.UUID
		if id, ok := companyOf[c.domain]; ok {
			company = &id
		}
		row = append(row, company, c.domain, nonNil(c.tags), nonNilMap(c.custom), importID)
		i++
		return row, nil
	})
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy contacts: %w", err)
	}
	defer sp.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if _, err := sp.CopyFrom(ctx, pgx.Identifier{"contacts"}, copyColumns, src); err != nil {
		return nil, fmt.Errorf("copy contacts: %w", err)
	}
	if err := sp.Commit(ctx); err != nil {
		return nil, fmt.Errorf("copy contacts: %w", err)
	}
	return out, nil
}
