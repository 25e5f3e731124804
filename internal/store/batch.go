package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The set-based statements here serve writes that arrive many at a time
// (coalesced API creates, import batches): one statement for N rows, never
// N statements.

// ID identifies the key in a set.
func (k SuppressionKey) ID() string { return k.Kind + "\x00" + string(k.Hash) }

// Matching returns the IDs of those of keys that are suppressed.
func (s *Suppressions) Matching(ctx context.Context, keys []SuppressionKey) (map[string]bool, error) {
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	kinds := make([]string, len(keys))
	hashes := make([][]byte, len(keys))
	for i, k := range keys {
		kinds[i], hashes[i] = k.Kind, k.Hash
	}
	rows, err := s.db.Query(ctx, `
		SELECT kind, value_hash FROM suppressions
		WHERE (kind, value_hash) IN (SELECT * FROM unnest($1::text[], $2::bytea[]))`, kinds, hashes)
	if err != nil {
		return nil, fmt.Errorf("match suppressions: %w", err)
	}
	var k SuppressionKey
	_, err = pgx.ForEachRow(rows, []any{&k.Kind, &k.Hash}, func() error {
		out[k.ID()] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("match suppressions: %w", err)
	}
	return out, nil
}

// EnsureDomains returns the id of the company of every domain (names[i]
// names a company created for domains[i]), creating the missing ones.
func (s *Companies) EnsureDomains(ctx context.Context, domains, names []string) (map[string]uuid.UUID, error) {
	out := make(map[string]uuid.UUID, len(domains))
	if len(domains) == 0 {
		return out, nil
	}
	if _, err := s.db.Exec(ctx, `
		INSERT INTO companies (domain, name) SELECT * FROM unnest($1::text[], $2::text[])
		ON CONFLICT (domain) DO NOTHING`, domains, names); err != nil {
		return nil, fmt.Errorf("ensure companies: %w", err)
	}
	// Rows inserted concurrently committed before the insert returned, so a
	// fresh statement sees every domain.
	rows, err := s.db.Query(ctx, `SELECT domain, id FROM companies WHERE domain = ANY($1)`, domains)
	if err != nil {
		return nil, fmt.Errorf("ensure companies: %w", err)
	}
	var d string
	var id uuid.UUID
	if _, err := pgx.ForEachRow(rows, []any{&d, &id}, func() error { out[d] = id; return nil }); err != nil {
		return nil, fmt.Errorf("ensure companies: %w", err)
	}
	return out, nil
}

// ByIDs returns the companies of ids that exist.
func (s *Companies) ByIDs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]Company, error) {
	out := make(map[uuid.UUID]Company, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, `SELECT `+companyColumns+` FROM companies WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("companies by id: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Company, error) { return scanCompany(r) })
	if err != nil {
		return nil, fmt.Errorf("companies by id: %w", err)
	}
	for _, c := range list {
		out[c.ID] = c
	}
	return out, nil
}

// ExistingEmails returns those of emails that a contact already has.
func (s *Contacts) ExistingEmails(ctx context.Context, emails []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(emails) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, `SELECT email FROM contacts WHERE email = ANY($1)`, emails)
	if err != nil {
		return nil, fmt.Errorf("existing emails: %w", err)
	}
	var e string
	if _, err := pgx.ForEachRow(rows, []any{&e}, func() error { out[e] = true; return nil }); err != nil {
		return nil, fmt.Errorf("existing emails: %w", err)
	}
	return out, nil
}

// InsertMany stores the editable fields of cs in one statement and returns
// the rows written. A contact whose email is taken, by a committed row or
// by one inserted concurrently, is left out rather than failing the rest.
func (s *Contacts) InsertMany(ctx context.Context, cs []Contact) ([]Contact, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	cols := make([][]any, 15)
	for _, c := range cs {
		for i, v := range c.editable() {
			cols[i] = append(cols[i], v)
		}
	}
	// Tags (a text[] per row) and custom fields travel as JSON, since
	// unnest cannot take an array of arrays of different lengths.
	tags := make([]string, len(cs))
	custom := make([]string, len(cs))
	for i := range cs {
		t, err := json.Marshal(cols[12][i])
		if err != nil {
			return nil, fmt.Errorf("insert contacts: tags: %w", err)
		}
		m, err := json.Marshal(cols[13][i])
		if err != nil {
			return nil, fmt.Errorf("insert contacts: custom fields: %w", err)
		}
		tags[i], custom[i] = string(t), string(m)
	}
	str := func(col int) []string {
		out := make([]string, len(cs))
		for i, v := range cols[col] {
			out[i] = v.(string)
		}
		return out
	}
	companyIDs := make([]*uuid.UUID, len(cs))
	for i, c := range cs {
		companyIDs[i] = c.CompanyID
	}
	rows, err := s.db.Query(ctx, `
		INSERT INTO contacts (email, first_name, last_name, title, seniority, phone, linkedin_url,
			company_id, company_name, domain, country, timezone, tags, custom_fields, source)
		SELECT u.email, u.first_name, u.last_name, u.title, u.seniority, u.phone, u.linkedin_url,
			u.company_id, u.company_name, u.domain, u.country, u.timezone,
			ARRAY(SELECT jsonb_array_elements_text(u.tags)), u.custom_fields, u.source
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
			$8::uuid[], $9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[], $14::jsonb[], $15::text[])
			AS u (email, first_name, last_name, title, seniority, phone, linkedin_url, company_id,
				company_name, domain, country, timezone, tags, custom_fields, source)
		ON CONFLICT (email) DO NOTHING
		RETURNING `+contactColumns,
		str(0), str(1), str(2), str(3), str(4), str(5), str(6), companyIDs, str(8), str(9), str(10), str(11),
		tags, custom, str(14))
	if err != nil {
		return nil, contactWriteError("insert contacts", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Contact, error) { return scanContact(r) })
	if err != nil {
		return nil, contactWriteError("insert contacts", err)
	}
	return out, nil
}
