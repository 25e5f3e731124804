package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/integrations/explorium"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/icp"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/internal/vendors"
)

// The search actions: execute_company_search turns an ICP profile into
// companies (Explorium's business fetch), find_contacts turns companies into
// contacts (Explorium's prospect fetch, or Apollo's people search). Both
// call their vendors first and then store everything in one transaction,
// as upserts on domain and email: a step run again after a crash asks the
// same question, gets the same answer and writes nothing twice. Outputs
// carry ids (and a company's domain and name), never a person's data, since
// step outputs are kept in workflow_step_runs.

// Default and largest limits of the search actions (their contracts say
// the same).
const (
	defaultCompanyLimit = 100
	maxCompanyLimit     = 1000
	defaultContactLimit = 100
	maxContactLimit     = 10000
)

type companySearchInput struct {
	ICPProfile json.RawMessage `json:"icp_profile"`
	Limit      *int            `json:"limit"`
}

// companyRef is a company as execute_company_search returns it and
// find_contacts takes it.
type companyRef struct {
	ID     uuid.UUID `json:"id"`
	Domain string    `json:"domain"`
	Name   string    `json:"name,omitempty"`
}

// executeCompanySearch fetches the companies matching an ICP profile's
// company criteria from Explorium, up to limit, stores them by domain
// (suppressed domains left out) and returns them with our ids.
func executeCompanySearch(ctx context.Context, deps Deps, in engine.Invocation) (any, error) {
	args, err := decodeInputs[companySearchInput](in)
	if err != nil {
		return nil, err
	}
	limit, err := limitInput(args.Limit, defaultCompanyLimit, maxCompanyLimit)
	if err != nil {
		return nil, err
	}
	criteria, err := profileCriteria(ctx, deps.Pool, args.ICPProfile)
	if err != nil {
		return nil, err
	}
	filters, err := businessFilters(criteria)
	if err != nil {
		return nil, &engine.PermanentError{Err: err}
	}
	found, err := fetchBusinesses(ctx, deps.Vendors.Explorium, filters, limit)
	if err != nil {
		return nil, stepVendorError(err)
	}

	hasher := suppressionHasher(deps)
	out := []companyRef{}
	err = pgx.BeginFunc(ctx, deps.Pool, func(tx pgx.Tx) error {
		live, err := unsuppressedDomains(ctx, tx, hasher, found, func(c store.FoundCompany) string { return c.Domain })
		if err != nil {
			return err
		}
		ids, err := store.NewCompanies(tx).UpsertFound(ctx, live)
		if err != nil {
			return err
		}
		for _, c := range live {
			out = append(out, companyRef{ID: ids[c.Domain], Domain: c.Domain, Name: c.Name})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"companies": out}, nil
}

// limitInput reads an optional limit: def when absent, and a permanent
// failure outside 1..most.
func limitInput(limit *int, def, most int) (int, error) {
	switch {
	case limit == nil:
		return def, nil
	case *limit < 1 || *limit > most:
		return 0, &engine.PermanentError{Err: fmt.Errorf("limit %d: must be between 1 and %d", *limit, most)}
	}
	return *limit, nil
}

// profileCriteria reads the icp_profile input: a profile id, the output of
// create_icp_profile ({"profile_id": ...}), {"criteria": {...}}, or the
// criteria themselves. Anything else, or a profile that does not exist, is
// a permanent failure.
func profileCriteria(ctx context.Context, db store.DBTX, raw json.RawMessage) (icp.Criteria, error) {
	perm := func(format string, a ...any) (icp.Criteria, error) {
		return icp.Criteria{}, &engine.PermanentError{Err: fmt.Errorf("icp_profile: "+format, a...)}
	}
	var id string
	var obj map[string]json.RawMessage
	switch {
	case json.Unmarshal(raw, &id) == nil:
	case json.Unmarshal(raw, &obj) == nil && obj != nil:
		if p, ok := obj["profile_id"]; ok {
			if json.Unmarshal(p, &id) != nil {
				return perm("profile_id must be a string")
			}
			break
		}
		if c, ok := obj["criteria"]; ok {
			raw = c
		}
		var c icp.Criteria
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return perm("criteria: %v", err)
		}
		if err := c.Validate(); err != nil {
			return perm("%v", err)
		}
		return c, nil
	default:
		return perm("want a profile id or an object with profile_id or criteria")
	}
	pid, err := uuid.Parse(id)
	if err != nil {
		return perm("profile id %q: %v", id, err)
	}
	p, err := store.NewICPProfiles(db).Get(ctx, pid)
	if errors.Is(err, store.ErrNotFound) {
		return perm("profile %s does not exist", pid)
	}
	if err != nil {
		return icp.Criteria{}, err
	}
	return p.Criteria, nil
}

// exploriumSizes are Explorium's company_size buckets.
var exploriumSizes = []string{"1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001-10000", "10001+"}

// businessFilters maps a profile's company criteria to Explorium's business
// fetch filters: countries to country_code (ISO alpha-2, lower case),
// employee ranges to the company_size buckets they cover, industries to
// linkedin_category. Keywords, technologies and the person criteria are
// left to scoring. A profile with none of the three cannot be searched.
func businessFilters(c icp.Criteria) (map[string]explorium.Filter, error) {
	f := map[string]explorium.Filter{}
	var codes []string
	for _, country := range c.Countries {
		if code, ok := icp.CountryCode(country); ok && !slices.Contains(codes, strings.ToLower(code)) {
			codes = append(codes, strings.ToLower(code))
		}
	}
	if len(codes) > 0 {
		f["country_code"] = explorium.Filter{Values: codes}
	}
	var sizes []string
	for _, bucket := range exploriumSizes {
		b, _ := icp.ParseEmployeeRange(bucket)
		if slices.ContainsFunc(c.EmployeeRanges, func(r icp.EmployeeRange) bool { return coversBucket(r, b) }) {
			sizes = append(sizes, bucket)
		}
	}
	if len(sizes) > 0 {
		f["company_size"] = explorium.Filter{Values: sizes}
	}
	var industries []string
	for _, ind := range c.Industries {
		if v := strings.ToLower(strings.TrimSpace(ind)); v != "" && !slices.Contains(industries, v) {
			industries = append(industries, v)
		}
	}
	if len(industries) > 0 {
		f["linkedin_category"] = explorium.Filter{Values: industries}
	}
	if len(f) == 0 {
		return nil, errors.New("icp_profile: no industries, employee ranges or countries to search companies by")
	}
	return f, nil
}

// coversBucket reports whether head-count range r asks for bucket b: they
// overlap by more than the one head-count at an edge ("50-200" wants
// "51-200", not "11-50"), or r lies inside b.
func coversBucket(r, b icp.EmployeeRange) bool {
	const open = 1 << 40
	hi := func(e icp.EmployeeRange) int {
		if e.Max == 0 {
			return open
		}
		return e.Max
	}
	lo, top := max(r.Min, b.Min), min(hi(r), hi(b))
	switch {
	case lo > top:
		return false
	case top > lo:
		return true
	}
	return r.Min >= b.Min && hi(r) <= hi(b)
}

// fetchBusinesses walks Explorium's business fetch, a page of at most
// MaxPageSize at a time, until it has limit companies or the results end.
// Records without a usable domain are dropped.
func fetchBusinesses(ctx context.Context, c *explorium.Client, filters map[string]explorium.Filter, limit int) ([]store.FoundCompany, error) {
	var out []store.FoundCompany
	seen := map[string]bool{}
	pageSize := min(limit, explorium.MaxPageSize)
	for page := 1; len(out) < limit; page++ {
		res, err := c.FetchBusinesses(ctx, &explorium.FetchRequest{Mode: "full", Size: limit, PageSize: pageSize, Page: page, Filters: filters})
		if err != nil {
			return nil, err
		}
		for _, b := range res.Data {
			domain, err := contacts.NormalizeDomain(firstNonBlank(b.Domain, b.Website))
			if err != nil || seen[domain] || len(out) == limit {
				continue
			}
			seen[domain] = true
			payload, err := json.Marshal(map[string]any{"business_id": b.BusinessID, "firmographics": b.Firmographics})
			if err != nil {
				return nil, fmt.Errorf("explorium business %s: %w", b.BusinessID, err)
			}
			out = append(out, store.FoundCompany{
				Domain: domain, Name: b.Name, Industry: firstNonBlank(b.LinkedInIndustryCategory, b.NAICSDescription),
				EmployeeRange: b.NumberOfEmployeesRange, Country: b.CountryName,
				Source: vendors.Explorium, Payload: payload, // the key the enrichment jobs use too
			})
		}
		if len(res.Data) < pageSize || page >= res.TotalPages {
			break
		}
	}
	return out, nil
}

// firstNonBlank is the first of vals that is not blank, trimmed.
func firstNonBlank(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// suppressionHasher is deps' hasher, or the development key's in processes
// that left it unset (tests of other kinds; the worker always sets it).
func suppressionHasher(deps Deps) contacts.Hasher {
	if reflect.ValueOf(deps.Hasher).IsZero() {
		return contacts.NewHasher([]byte(config.DevSuppressionKey))
	}
	return deps.Hasher
}

// unsuppressedDomains returns those of items whose domain (or a parent
// domain) is not on the suppression list.
func unsuppressedDomains[T any](ctx context.Context, db store.DBTX, h contacts.Hasher, items []T, domain func(T) string) ([]T, error) {
	keys := make([][]store.SuppressionKey, len(items))
	var all []store.SuppressionKey
	for i, it := range items {
		keys[i] = contacts.SuppressionKeys(h, "", domain(it))
		all = append(all, keys[i]...)
	}
	suppressed, err := store.NewSuppressions(db).Matching(ctx, all)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(items))
	for i, it := range items {
		if !slices.ContainsFunc(keys[i], func(k store.SuppressionKey) bool { return suppressed[k.ID()] }) {
			out = append(out, it)
		}
	}
	return out, nil
}

// searchVendor is the vendor find_contacts uses: the first of the
// enrichment order that is configured, or "".
func searchVendor(deps Deps) string {
	order := deps.Enrichment.Order
	if len(order) == 0 {
		order = config.DefaultEnrichment().Order
	}
	for _, name := range order {
		switch {
		case name == vendors.Explorium && deps.Vendors.Explorium != nil,
			name == vendors.Apollo && deps.Vendors.Apollo != nil:
			return name
		}
	}
	return ""
}

type findContactsInput struct {
	Companies []json.RawMessage `json:"companies"`
	Titles    []string          `json:"titles"`
	Limit     *int              `json:"limit"`
}

// searchTarget is a company to find people at.
type searchTarget struct {
	id          uuid.UUID
	domain      string
	name        string
	exploriumID string // Explorium's business id, when known
}

// person is someone a people search found, before storing.
type person struct {
	target                    *searchTarget
	first, last, title, level string
	linkedIn, country, email  string
}

// findContacts finds people (with the given titles, when any) at the
// companies, up to limit looked up, and stores those with a work email as
// contacts of their company. Suppressed domains are not searched and
// suppressed addresses not stored.
func findContacts(ctx context.Context, deps Deps, in engine.Invocation) (any, error) {
	args, err := decodeInputs[findContactsInput](in)
	if err != nil {
		return nil, err
	}
	limit, err := limitInput(args.Limit, defaultContactLimit, maxContactLimit)
	if err != nil {
		return nil, err
	}
	var titles []string
	for _, t := range args.Titles {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(titles, t) {
			titles = append(titles, t)
		}
	}
	hasher := suppressionHasher(deps)
	targets, err := searchTargets(ctx, deps.Pool, args.Companies)
	if err != nil {
		return nil, err
	}
	if targets, err = unsuppressedDomains(ctx, deps.Pool, hasher, targets, func(t *searchTarget) string { return t.domain }); err != nil {
		return nil, err
	}
	ids := []uuid.UUID{}
	if len(targets) == 0 {
		return map[string]any{"contact_ids": ids}, nil
	}

	var people []person
	source := searchVendor(deps)
	switch source {
	case vendors.Explorium:
		people, err = exploriumPeople(ctx, deps.Vendors.Explorium, targets, titles, limit)
	case vendors.Apollo:
		people, err = apolloPeople(ctx, deps.Vendors.Apollo, targets, titles, limit)
	default:
		return nil, &engine.PermanentError{Err: fmt.Errorf("find contacts: %w", vendors.ErrNotConfigured)}
	}
	if err != nil {
		return nil, stepVendorError(err)
	}
	var found []store.Contact
	var keys [][]store.SuppressionKey
	seen := map[string]bool{}
	for _, p := range people {
		email, err := contacts.NormalizeEmail(p.email)
		if err != nil || seen[email] {
			continue
		}
		seen[email] = true
		id := p.target.id
		found = append(found, store.Contact{
			Email: email, FirstName: p.first, LastName: p.last, Title: p.title, Seniority: p.level,
			LinkedInURL: p.linkedIn, CompanyID: &id, CompanyName: p.target.name, Domain: p.target.domain,
			Country: p.country, Source: source,
		})
		keys = append(keys, contacts.SuppressionKeys(hasher, email, p.target.domain))
	}
	err = pgx.BeginFunc(ctx, deps.Pool, func(tx pgx.Tx) error {
		var all []store.SuppressionKey
		for _, k := range keys {
			all = append(all, k...)
		}
		suppressed, err := store.NewSuppressions(tx).Matching(ctx, all)
		if err != nil {
			return err
		}
		live := make([]store.Contact, 0, len(found))
		for i, c := range found {
			if !slices.ContainsFunc(keys[i], func(k store.SuppressionKey) bool { return suppressed[k.ID()] }) {
				live = append(live, c)
			}
		}
		byEmail, err := store.NewContacts(tx).UpsertFound(ctx, live)
		if err != nil {
			return err
		}
		for _, c := range live {
			ids = append(ids, byEmail[c.Email])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"contact_ids": ids}, nil
}

// searchTargets reads the companies input: objects with our id (as
// execute_company_search returns them) or a domain, or bare domains. A
// domain we do not know becomes a company; an id naming no company (one
// deleted since) is skipped unless a domain comes with it.
func searchTargets(ctx context.Context, db store.DBTX, raws []json.RawMessage) ([]*searchTarget, error) {
	var byID []uuid.UUID
	var domains, names []string
	type ref struct {
		id           uuid.UUID
		domain, name string
	}
	refs := make([]ref, 0, len(raws))
	for i, raw := range raws {
		var r companyRef
		var s string
		switch {
		case json.Unmarshal(raw, &s) == nil:
			r.Domain = s
		case json.Unmarshal(raw, &r) != nil:
			return nil, &engine.PermanentError{Err: fmt.Errorf("companies[%d]: want a domain or an object with id or domain", i)}
		}
		var d string
		if r.Domain != "" {
			var err error
			if d, err = contacts.NormalizeDomain(r.Domain); err != nil {
				return nil, &engine.PermanentError{Err: fmt.Errorf("companies[%d].domain %q: %v", i, r.Domain, err)}
			}
		}
		if r.ID == uuid.Nil && d == "" {
			return nil, &engine.PermanentError{Err: fmt.Errorf("companies[%d]: want a domain or an object with id or domain", i)}
		}
		if r.ID != uuid.Nil {
			byID = append(byID, r.ID)
		}
		refs = append(refs, ref{id: r.ID, domain: d, name: r.Name})
	}
	companies := store.NewCompanies(db)
	known, err := companies.ByIDs(ctx, byID)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		if _, ok := known[r.id]; !ok && r.domain != "" {
			domains, names = append(domains, r.domain), append(names, r.name)
		}
	}
	ensured, err := companies.EnsureDomains(ctx, domains, names)
	if err != nil {
		return nil, err
	}
	if len(ensured) > 0 {
		more, err := companies.ByIDs(ctx, slices.Collect(maps.Values(ensured)))
		if err != nil {
			return nil, err
		}
		maps.Copy(known, more)
	}
	var out []*searchTarget
	seen := map[uuid.UUID]bool{}
	for _, r := range refs {
		c, ok := known[r.id]
		if !ok {
			c, ok = known[ensured[r.domain]]
		}
		if !ok || seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		var payload struct {
			Explorium struct {
				BusinessID string `json:"business_id"`
			} `json:"explorium"`
		}
		_ = json.Unmarshal(c.Enrichment, &payload) // a payload of another shape only means no id
		out = append(out, &searchTarget{id: c.ID, domain: c.Domain, name: c.Name, exploriumID: payload.Explorium.BusinessID})
	}
	return out, nil
}
