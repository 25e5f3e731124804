package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/imports"
	"github.com/rtgs/sales-automation/internal/store"
)

// batchResult is what one batch wrote.
type batchResult struct {
	inserted, updated, skipped int64
	// Contacts to enrich: the new ones, and existing ones whose enrichment
	// is stale or not done.
	enrich []uuid.UUID
	errs   []imports.RowError
}

// prepared is a batch of rows checked against the contacts table's rules
// and keyed for the suppression list: the batch's work that needs no
// database, done while the previous batch's transaction runs.
type prepared struct {
	cs   []contactRow
	keys [][]store.SuppressionKey // per contact row
	errs []imports.RowError
}

// prepare checks rows and computes their suppression keys.
func (s *Service) prepare(rows []imports.Row) prepared {
	var p prepared
	p.cs = make([]contactRow, 0, len(rows))
	p.keys = make([][]store.SuppressionKey, 0, len(rows))
	for _, row := range rows {
		var c contactRow
		c, p.errs = newContactRow(row, p.errs)
		p.cs = append(p.cs, c)
		p.keys = append(p.keys, contacts.SuppressionKeys(s.hasher, c.email, c.domain))
	}
	return p
}

// writeBatch upserts a prepared batch in tx with a handful of set-based
// statements: one suppression lookup, one company insert and lookup, one
// contact upsert.
func (s *Service) writeBatch(ctx context.Context, tx pgx.Tx, importID uuid.UUID, p prepared) (batchResult, error) {
	res := batchResult{errs: p.errs}
	if len(p.cs) == 0 {
		return res, nil
	}

	// Suppressed addresses and domains (or a parent domain) are skipped.
	var all []store.SuppressionKey
	for _, k := range p.keys {
		all = append(all, k...)
	}
	suppressed, err := store.NewSuppressions(tx).Matching(ctx, all)
	if err != nil {
		return res, err
	}
	live := make([]contactRow, 0, len(p.cs))
	for i, c := range p.cs {
		if slices.ContainsFunc(p.keys[i], func(k store.SuppressionKey) bool { return suppressed[k.ID()] }) {
			res.skipped++
			res.errs = append(res.errs, imports.RowError{Row: c.number, Field: string(imports.FieldEmail), Reason: contacts.ReasonSuppressed})
			continue
		}
		live = append(live, c)
	}

	// An address repeated within the batch: later rows merge into the
	// first, as the upsert would merge them one after the other.
	first := make(map[string]int, len(live))
	merged := live[:0]
	for _, c := range live {
		if i, ok := first[c.email]; ok {
			if merged[i].merge(c) {
				res.updated++
			} else {
				res.skipped++
			}
			continue
		}
		first[c.email] = len(merged)
		merged = append(merged, c)
	}
	// One lock order for every writer: concurrent imports of overlapping
	// files wait for each other instead of deadlocking.
	slices.SortFunc(merged, func(a, b contactRow) int { return strings.Compare(a.email, b.email) })

	companyOf, err := s.companies(ctx, tx, merged)
	if err != nil {
		return res, err
	}
	written, err := writeContacts(ctx, tx, importID, merged, companyOf)
	if err != nil {
		return res, err
	}
	stale := s.now().Add(-s.cfg.StaleAfter)
	for _, w := range written {
		if w.inserted {
			res.inserted++
		} else {
			res.updated++
		}
		if w.inserted || w.enrichedAt == nil || w.enrichedAt.Before(stale) {
			res.enrich = append(res.enrich, w.id)
		}
	}
	res.skipped += int64(len(merged) - len(written)) // existing and unchanged
	return res, nil
}

// companies creates the companies of the batch's domains not seen before
// and returns every domain's company id.
func (s *Service) companies(ctx context.Context, tx pgx.Tx, cs []contactRow) (map[string]uuid.UUID, error) {
	name := map[string]string{}
	for _, c := range cs {
		if c.domain == "" {
			continue
		}
		if n, ok := name[c.domain]; !ok || n == "" {
			name[c.domain] = c.text[companyNameIndex]
		}
	}
	domains := slices.Sorted(maps.Keys(name))
	names := make([]string, len(domains))
	for i, d := range domains {
		names[i] = name[d]
	}
	return store.NewCompanies(tx).EnsureDomains(ctx, domains, names)
}

var companyNameIndex = slices.IndexFunc(textFields[:], func(f textField) bool { return f.field == imports.FieldCompanyName })

// written is one contact the upsert inserted or changed.
type written struct {
	id         uuid.UUID
	inserted   bool
	enrichedAt *time.Time
}

// upsertSQL inserts new addresses and, for existing ones, fills the
// fields the import has a value for without blanking any, adds tags and
// custom fields, and links a company only to a contact without one. A
// contact the row would not change is not written, and not returned.
// Source and import_id record where a contact came from: set on insert only.
const upsertSQL = `
INSERT INTO contacts AS c (email, first_name, last_name, title, seniority, phone, linkedin_url,
	company_name, country, timezone, source, company_id, domain, tags, custom_fields, import_id)
SELECT u.email, u.first_name, u.last_name, u.title, u.seniority, u.phone, u.linkedin_url,
	u.company_name, u.country, u.timezone, coalesce(nullif(u.source, ''), 'import'), u.company_id, u.domain,
	ARRAY(SELECT jsonb_array_elements_text(u.tags)), u.custom_fields, $16
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
	$8::text[], $9::text[], $10::text[], $11::text[], $12::uuid[], $13::text[], $14::jsonb[], $15::jsonb[])
	AS u (email, first_name, last_name, title, seniority, phone, linkedin_url, company_name, country,
		timezone, source, company_id, domain, tags, custom_fields)
ON CONFLICT (email) DO UPDATE SET
	first_name = coalesce(nullif(EXCLUDED.first_name, ''), c.first_name),
	last_name = coalesce(nullif(EXCLUDED.last_name, ''), c.last_name),
	title = coalesce(nullif(EXCLUDED.title, ''), c.title),
	seniority = coalesce(nullif(EXCLUDED.seniority, ''), c.seniority),
	phone = coalesce(nullif(EXCLUDED.phone, ''), c.phone),
	linkedin_url = coalesce(nullif(EXCLUDED.linkedin_url, ''), c.linkedin_url),
	company_name = coalesce(nullif(EXCLUDED.company_name, ''), c.company_name),
	country = coalesce(nullif(EXCLUDED.country, ''), c.country),
	timezone = coalesce(nullif(EXCLUDED.timezone, ''), c.timezone),
	domain = CASE WHEN c.domain = '' THEN EXCLUDED.domain ELSE c.domain END,
	company_id = CASE WHEN c.domain = '' THEN EXCLUDED.company_id ELSE c.company_id END,
	tags = (c.tags || ARRAY(SELECT t FROM unnest(EXCLUDED.tags) AS t WHERE t <> ALL (c.tags)))[1:50],
	custom_fields = c.custom_fields || EXCLUDED.custom_fields,
	updated_at = now()
WHERE EXCLUDED.first_name NOT IN ('', c.first_name) OR EXCLUDED.last_name NOT IN ('', c.last_name)
	OR EXCLUDED.title NOT IN ('', c.title) OR EXCLUDED.seniority NOT IN ('', c.seniority)
	OR EXCLUDED.phone NOT IN ('', c.phone) OR EXCLUDED.linkedin_url NOT IN ('', c.linkedin_url)
	OR EXCLUDED.company_name NOT IN ('', c.company_name) OR EXCLUDED.country NOT IN ('', c.country)
	OR EXCLUDED.timezone NOT IN ('', c.timezone)
	OR (c.domain = '' AND EXCLUDED.domain <> '')
	OR (NOT c.tags @> EXCLUDED.tags AND cardinality(c.tags) < 50)
	OR NOT c.custom_fields @> EXCLUDED.custom_fields
RETURNING id, (xmax = 0), enriched_at`

func upsertContacts(ctx context.Context, tx pgx.Tx, importID uuid.UUID, cs []contactRow, companyOf map[string]uuid.UUID) ([]written, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	n := len(cs)
	emails, domains := make([]string, n), make([]string, n)
	text := make([][]string, len(textFields))
	for i := range text {
		text[i] = make([]string, n)
	}
	companyIDs := make([]*uuid.UUID, n)
	tags, custom := make([]string, n), make([]string, n)
	for i, c := range cs {
		emails[i], domains[i] = c.email, c.domain
		for f := range text {
			text[f][i] = c.text[f]
		}
		if id, ok := companyOf[c.domain]; ok {
			companyIDs[i] = &id
		}
		t, err := json.Marshal(nonNil(c.tags))
		if err != nil {
			return nil, err
		}
		m, err := json.Marshal(nonNilMap(c.custom))
		if err != nil {
			return nil, err
		}
		tags[i], custom[i] = string(t), string(m)
	}
	args := []any{emails}
	for _, col := range text {
		args = append(args, col)
	}
	args = append(args, companyIDs, domains, tags, custom, importID)
	rows, err := tx.Query(ctx, upsertSQL, args...)
	if err != nil {
		return nil, fmt.Errorf("upsert contacts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (written, error) {
		var w written
		return w, r.Scan(&w.id, &w.inserted, &w.enrichedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("upsert contacts: %w", err)
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
