package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The statements here store what a vendor search found (the workflow
// actions execute_company_search and find_contacts). A search step may run
// again after a crash, so both are upserts on the natural key (domain,
// email) that fill what a row lacks and never overwrite what it has: a
// repeat writes nothing new, and a row a person edited keeps their edits.

// FoundCompany is a company a vendor search returned.
type FoundCompany struct {
	Domain        string // normalised
	Name          string
	Industry      string
	EmployeeRange string // the vendor's head-count band, "51-200"
	Country       string
	// Source names the vendor; Payload, its record, is kept in enrichment
	// under that key, as the enrichment jobs keep theirs.
	Source  string
	Payload json.RawMessage
}

// UpsertFound stores cs by domain and returns the id of each domain. A new
// company counts as enriched by the search (the record is the vendor's
// firmographics); an existing one only has its empty fields filled and the
// payload added when it has none from that vendor.
func (s *Companies) UpsertFound(ctx context.Context, cs []FoundCompany) (map[string]uuid.UUID, error) {
	out := make(map[string]uuid.UUID, len(cs))
	if len(cs) == 0 {
		return out, nil
	}
	// One row per domain (ON CONFLICT cannot touch a row twice), in domain
	// order so concurrent searches lock alike.
	sorted := slices.Clone(cs)
	slices.SortStableFunc(sorted, func(a, b FoundCompany) int { return strings.Compare(a.Domain, b.Domain) })
	sorted = slices.CompactFunc(sorted, func(a, b FoundCompany) bool { return a.Domain == b.Domain })
	n := len(sorted)
	domains, names, industries, ranges, countries, sources := make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	payloads := make([]string, n)
	for i, c := range sorted {
		domains[i], names[i], industries[i], ranges[i], countries[i], sources[i] =
			c.Domain, c.Name, c.Industry, c.EmployeeRange, c.Country, c.Source
		payloads[i] = "{}"
		if len(c.Payload) > 0 {
			payloads[i] = string(c.Payload)
		}
	}
	if _, err := s.db.Exec(ctx, `
		INSERT INTO companies AS c (domain, name, industry, employee_range, country,
			enrichment, enrichment_status, enrichment_source, enriched_at)
		SELECT u.domain, u.name, u.industry, u.employee_range, u.country,
			jsonb_build_object(u.source, u.payload), 'enriched', u.source, now()
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])
			AS u (domain, name, industry, employee_range, country, source, payload)
		ON CONFLICT (domain) DO UPDATE SET
			name           = CASE WHEN c.name = '' THEN excluded.name ELSE c.name END,
			industry       = CASE WHEN c.industry = '' THEN excluded.industry ELSE c.industry END,
			employee_range = CASE WHEN c.employee_range = '' AND c.employee_count IS NULL
			                      THEN excluded.employee_range ELSE c.employee_range END,
			country        = CASE WHEN c.country = '' THEN excluded.country ELSE c.country END,
			enrichment     = CASE WHEN c.enrichment ? excluded.enrichment_source THEN c.enrichment
			                      ELSE c.enrichment || excluded.enrichment END,
			updated_at     = now()
		WHERE (c.name = '' AND excluded.name <> '')
		   OR (c.industry = '' AND excluded.industry <> '')
		   OR (c.employee_range = '' AND c.employee_count IS NULL AND excluded.employee_range <> '')
		   OR (c.country = '' AND excluded.country <> '')
		   OR NOT c.enrichment ? excluded.enrichment_source`,
		domains, names, industries, ranges, countries, sources, payloads); err != nil {
		return nil, fmt.Errorf("upsert found companies: %w", err)
	}
	// Rows left alone (nothing to fill) are not returned by the upsert; a
	// fresh statement sees them and those inserted concurrently.
	rows, err := s.db.Query(ctx, `SELECT domain, id FROM companies WHERE domain = ANY($1)`, domains)
	if err != nil {
		return nil, fmt.Errorf("upsert found companies: %w", err)
	}
	var d string
	var id uuid.UUID
	if _, err := pgx.ForEachRow(rows, []any{&d, &id}, func() error { out[d] = id; return nil }); err != nil {
		return nil, fmt.Errorf("upsert found companies: %w", err)
	}
	return out, nil
}

// UpsertFound stores cs (their email, names, title, seniority, LinkedIn
// URL, company, domain, country and source) by email and returns the id of
// each email. An existing contact only has its empty fields filled and is
// linked to the company when it had none; its enrichment, score and sync
// state are left as they are.
func (s *Contacts) UpsertFound(ctx context.Context, cs []Contact) (map[string]uuid.UUID, error) {
	out := make(map[string]uuid.UUID, len(cs))
	if len(cs) == 0 {
		return out, nil
	}
	sorted := slices.Clone(cs)
	slices.SortStableFunc(sorted, func(a, b Contact) int { return strings.Compare(a.Email, b.Email) })
	sorted = slices.CompactFunc(sorted, func(a, b Contact) bool { return a.Email == b.Email })
	n := len(sorted)
	cols := make([][]string, 10)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	companyIDs := make([]*uuid.UUID, n)
	for i, c := range sorted {
		for j, v := range []string{c.Email, c.FirstName, c.LastName, c.Title, c.Seniority, c.LinkedInURL,
			c.CompanyName, c.Domain, c.Country, c.Source} {
			cols[j][i] = v
		}
		companyIDs[i] = c.CompanyID
	}
	fill := func(col string) string {
		return col + ` = CASE WHEN c.` + col + ` = '' THEN excluded.` + col + ` ELSE c.` + col + ` END`
	}
	fillable := []string{"first_name", "last_name", "title", "seniority", "linkedin_url", "company_name", "domain", "country"}
	sets := make([]string, len(fillable))
	wants := make([]string, len(fillable))
	for i, col := range fillable {
		sets[i] = fill(col)
		wants[i] = `(c.` + col + ` = '' AND excluded.` + col + ` <> '')`
	}
	// The column names above are constants of this function, never input.
	if _, err := s.db.Exec(ctx, `
		INSERT INTO contacts AS c (email, first_name, last_name, title, seniority, linkedin_url,
			company_name, domain, country, source, company_id)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
			$7::text[], $8::text[], $9::text[], $10::text[], $11::uuid[])
		ON CONFLICT (email) DO UPDATE SET
			`+strings.Join(sets, ",\n\t\t\t")+`,
			company_id = COALESCE(c.company_id, excluded.company_id),
			updated_at = now()
		WHERE `+strings.Join(wants, " OR ")+`
		   OR (c.company_id IS NULL AND excluded.company_id IS NOT NULL)`,
		cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8], cols[9], companyIDs); err != nil {
		return nil, contactWriteError("upsert found contacts", err)
	}
	rows, err := s.db.Query(ctx, `SELECT email, id FROM contacts WHERE email = ANY($1)`, cols[0])
	if err != nil {
		return nil, fmt.Errorf("upsert found contacts: %w", err)
	}
	var e string
	var id uuid.UUID
	if _, err := pgx.ForEachRow(rows, []any{&e, &id}, func() error { out[e] = id; return nil }); err != nil {
		return nil, fmt.Errorf("upsert found contacts: %w", err)
	}
	return out, nil
}
