package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/actions"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/internal/vendors"
)

// searchBundle is one search test's world: its own migrated schema, a
// simulator of Explorium and Apollo and the vendor clients pointed at it.
type searchBundle struct {
	pool *pgxpool.Pool
	sim  *vendorsim.Sim
	set  *vendors.Set
	deps Deps
}

func setupSearch(t *testing.T) *searchBundle {
	t.Helper()
	sim := vendorsim.New(vendorsim.Options{}, vendorsim.NewExplorium(vendorsim.DevKey), vendorsim.NewApollo(vendorsim.DevKey))
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	pool := dbtest.Pool(t)
	set := simVendors(t, srv.URL, nil)
	return &searchBundle{pool: pool, sim: sim, set: set, deps: Deps{Pool: pool, Vendors: set}}
}

// invocation is step step of a made-up run with inputs.
func invocation(key string, inputs map[string]any) engine.Invocation {
	return engine.Invocation{RunID: uuid.New(), StepID: "step", Item: -1, IdempotencyKey: key, Inputs: inputs}
}

func (b *searchBundle) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (b *searchBundle) suppress(t *testing.T, kind, value string) {
	t.Helper()
	h := contacts.NewHasher([]byte(config.DevSuppressionKey))
	if _, _, err := store.NewSuppressions(b.pool).Add(context.Background(), store.Suppression{
		Kind: kind, Value: &value, ValueHash: h.Hash(kind, value), Reason: "manual",
	}); err != nil {
		t.Fatal(err)
	}
}

// companiesOf reads an execute_company_search output as the next step
// would: through JSON.
func companiesOf(t *testing.T, out any) []companyRef {
	t.Helper()
	var v struct {
		Companies []companyRef `json:"companies"`
	}
	roundTrip(t, out, &v)
	return v.Companies
}

func contactIDsOf(t *testing.T, out any) []uuid.UUID {
	t.Helper()
	var v struct {
		ContactIDs []uuid.UUID `json:"contact_ids"`
	}
	roundTrip(t, out, &v)
	return v.ContactIDs
}

func roundTrip(t *testing.T, from, to any) {
	t.Helper()
	raw, err := json.Marshal(from)
	if err == nil {
		err = json.Unmarshal(raw, to)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// searchCriteria is an ICP whose Explorium search the simulator answers.
var searchCriteria = map[string]any{"criteria": map[string]any{
	"industries": []any{"Software"}, "employee_ranges": []any{"50-200"}, "countries": []any{"US", "Germany"},
}}

// execute_company_search stores the companies Explorium finds for the
// profile, with their firmographics; run again with the same key it
// returns the same companies and stores none twice; a suppressed domain is
// left out of a later search.
func TestExecuteCompanySearchAction(t *testing.T) {
	t.Parallel()
	b := setupSearch(t)
	ctx := context.Background()
	inv := invocation("run-1/search/-1", map[string]any{"icp_profile": searchCriteria, "limit": float64(30)})

	out, err := executeCompanySearch(ctx, b.deps, inv)
	if err != nil {
		t.Fatal(err)
	}
	first := companiesOf(t, out)
	if len(first) == 0 || len(first) > 30 {
		t.Fatalf("%d companies, want 1 to 30", len(first))
	}
	if n := b.count(t, "companies"); n != len(first) {
		t.Errorf("%d companies stored, want %d", n, len(first))
	}
	for _, c := range first {
		co, err := store.NewCompanies(b.pool).ByID(ctx, c.ID)
		if err != nil {
			t.Fatalf("company %s: %v", c.ID, err)
		}
		var payload map[string]struct {
			BusinessID string `json:"business_id"`
		}
		if err := json.Unmarshal(co.Enrichment, &payload); err != nil {
			t.Fatal(err)
		}
		if co.Domain != c.Domain || co.Name == "" || co.EnrichmentStatus != "enriched" || payload["explorium"].BusinessID == "" {
			t.Errorf("company %+v stored as %s %q status %s payload %v, want the domain, a name and Explorium's record",
				c, co.Domain, co.Name, co.EnrichmentStatus, payload)
		}
		if co.Country != "United States" && co.Country != "Germany" {
			t.Errorf("company %s country %q, want one the profile asks for", co.Domain, co.Country)
		}
	}
	var ranges []string
	if err := b.pool.QueryRow(ctx, `SELECT array_agg(DISTINCT employee_range) FROM companies`).Scan(&ranges); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ranges, []string{"51-200"}) {
		t.Errorf("employee ranges %v, want the bucket of 50-200 (51-200) only", ranges)
	}

	again, err := executeCompanySearch(ctx, b.deps, inv)
	if err != nil {
		t.Fatal(err)
	}
	if second := companiesOf(t, again); !slices.Equal(second, first) {
		t.Errorf("repeat returned %v, want the first answer %v", second, first)
	}
	if n := b.count(t, "companies"); n != len(first) {
		t.Errorf("%d companies after the repeat, want %d", n, len(first))
	}

	b.suppress(t, contacts.KindDomain, first[0].Domain)
	later, err := executeCompanySearch(ctx, b.deps, invocation("run-2/search/-1", inv.Inputs))
	if err != nil {
		t.Fatal(err)
	}
	if got := companiesOf(t, later); len(got) != len(first)-1 || slices.Contains(got, first[0]) {
		t.Errorf("after suppressing %s: %d companies (%v), want the others only", first[0].Domain, len(got), got)
	}
}

// find_contacts (Explorium) stores the people found at the companies as
// contacts of those companies; a repeat returns the same contacts and
// stores none twice; a suppressed address is neither stored nor returned.
func TestFindContactsAction(t *testing.T) {
	t.Parallel()
	b := setupSearch(t)
	ctx := context.Background()
	out, err := executeCompanySearch(ctx, b.deps, invocation("run-1/search/-1", map[string]any{"icp_profile": searchCriteria, "limit": 3}))
	if err != nil {
		t.Fatal(err)
	}
	var companies []any
	roundTrip(t, out.(map[string]any)["companies"], &companies)
	companies = append(companies, "https://www.Acme-Widgets.example/about") // a bare domain, matched by Explorium
	inv := invocation("run-1/find/-1", map[string]any{"companies": companies, "titles": []any{"VP Sales"}, "limit": 20})

	first, err := findContacts(ctx, b.deps, inv)
	if err != nil {
		t.Fatal(err)
	}
	ids := contactIDsOf(t, first)
	if len(ids) < 2 || len(ids) > 20 {
		t.Fatalf("%d contacts, want 2 to 20 (calls %v)", len(ids), b.sim.Counters().Calls)
	}
	if n := b.count(t, "contacts"); n != len(ids) {
		t.Errorf("%d contacts stored, want %d", n, len(ids))
	}
	rows, err := b.pool.Query(ctx, `
		SELECT ct.email, ct.title, ct.source, ct.domain = co.domain, ct.enrichment_status
		FROM contacts ct LEFT JOIN companies co ON co.id = ct.company_id WHERE ct.id = ANY($1)`, ids)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	var email, title, source, status string
	var linked *bool
	if _, err := pgx.ForEachRow(rows, []any{&email, &title, &source, &linked, &status}, func() error {
		emails = append(emails, email)
		// The simulator does not filter by title, so the title is only
		// checked to be there.
		if linked == nil || !*linked || source != "explorium" || title == "" || status != "pending" {
			t.Errorf("contact %s: linked %v, source %q, title %q, enrichment %s; want linked to its company, explorium, titled, pending",
				email, linked, source, title, status)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var acme int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM contacts ct JOIN companies co ON co.id = ct.company_id
		WHERE co.domain = 'acme-widgets.example'`).Scan(&acme); err != nil {
		t.Fatal(err)
	}
	if acme == 0 {
		t.Error("no contact at the company given by bare domain")
	}

	again, err := findContacts(ctx, b.deps, inv)
	if err != nil {
		t.Fatal(err)
	}
	if got := contactIDsOf(t, again); !slices.Equal(got, ids) {
		t.Errorf("repeat returned %v, want %v", got, ids)
	}
	if n := b.count(t, "contacts"); n != len(ids) {
		t.Errorf("%d contacts after the repeat, want %d", n, len(ids))
	}

	// The address of the first contact is erased and suppressed: the step
	// run again does not bring it back.
	var gone string
	if err := b.pool.QueryRow(ctx, `DELETE FROM contacts WHERE id = $1 RETURNING email`, ids[0]).Scan(&gone); err != nil {
		t.Fatal(err)
	}
	b.suppress(t, contacts.KindEmail, gone)
	third, err := findContacts(ctx, b.deps, inv)
	if err != nil {
		t.Fatal(err)
	}
	if got := contactIDsOf(t, third); !slices.Equal(got, ids[1:]) {
		t.Errorf("with %s suppressed: %v, want %v", gone, got, ids[1:])
	}
	var back int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM contacts WHERE email = $1`, gone).Scan(&back); err != nil || back != 0 {
		t.Errorf("suppressed address stored %d times (%v), want never", back, err)
	}
}

// Without Explorium, find_contacts searches Apollo company by company and
// reveals the emails with bulk matches; execute_company_search is not
// offered.
func TestFindContactsApollo(t *testing.T) {
	t.Parallel()
	b := setupSearch(t)
	ctx := context.Background()
	deps := Deps{Pool: b.pool, Vendors: &vendors.Set{Apollo: b.set.Apollo}}
	if _, ok := workflowActions(deps)["execute_company_search"]; ok {
		t.Error("execute_company_search offered without Explorium")
	}
	inv := invocation("run-1/find/-1", map[string]any{"companies": []any{"globex.example", map[string]any{"domain": "initech.example", "name": "Initech"}}, "limit": 12})
	out, err := findContacts(ctx, deps, inv)
	if err != nil {
		t.Fatal(err)
	}
	ids := contactIDsOf(t, out)
	if len(ids) == 0 || len(ids) > 12 {
		t.Fatalf("%d contacts, want 1 to 12", len(ids))
	}
	var wrong int
	if err := b.pool.QueryRow(ctx, `
		SELECT count(*) FROM contacts ct LEFT JOIN companies co ON co.id = ct.company_id
		WHERE ct.id = ANY($1) AND (co.domain IS DISTINCT FROM ct.domain OR ct.source <> 'apollo' OR ct.first_name = '')`, ids).Scan(&wrong); err != nil {
		t.Fatal(err)
	}
	if wrong != 0 {
		t.Errorf("%d contacts not linked to their company, not from apollo or without a name", wrong)
	}
	var name string
	if err := b.pool.QueryRow(ctx, `SELECT name FROM companies WHERE domain = 'initech.example'`).Scan(&name); err != nil || name != "Initech" {
		t.Errorf("company initech.example named %q (%v), want the name given", name, err)
	}
	again, err := findContacts(ctx, deps, inv)
	if err != nil {
		t.Fatal(err)
	}
	if got := contactIDsOf(t, again); !slices.Equal(got, ids) || b.count(t, "contacts") != len(ids) {
		t.Errorf("repeat returned %v with %d contacts stored, want %v and %d", got, b.count(t, "contacts"), ids, len(ids))
	}
}

// Inputs the actions cannot use fail the step at once, before any vendor
// call.
func TestSearchActionsRefuseBadInputs(t *testing.T) {
	t.Parallel()
	b := setupSearch(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		action func(context.Context, Deps, engine.Invocation) (any, error)
		inputs map[string]any
	}{
		{"search limit 0", executeCompanySearch, map[string]any{"icp_profile": searchCriteria, "limit": 0}},
		{"search limit too large", executeCompanySearch, map[string]any{"icp_profile": searchCriteria, "limit": 1001}},
		{"search limit not a number", executeCompanySearch, map[string]any{"icp_profile": searchCriteria, "limit": "ten"}},
		{"profile a number", executeCompanySearch, map[string]any{"icp_profile": 42}},
		{"profile missing", executeCompanySearch, map[string]any{}},
		{"profile id not a uuid", executeCompanySearch, map[string]any{"icp_profile": "acme"}},
		{"profile unknown", executeCompanySearch, map[string]any{"icp_profile": uuid.NewString()}},
		{"criteria invalid", executeCompanySearch, map[string]any{"icp_profile": map[string]any{"countries": []any{"Atlantis"}}}},
		{"criteria unknown field", executeCompanySearch, map[string]any{"icp_profile": map[string]any{"industry": "Software"}}},
		{"criteria without company criteria", executeCompanySearch, map[string]any{"icp_profile": map[string]any{"titles": []any{"CTO"}}}},
		{"find limit 0", findContacts, map[string]any{"companies": []any{"acme.example"}, "limit": 0}},
		{"companies not a list", findContacts, map[string]any{"companies": "acme.example"}},
		{"company a number", findContacts, map[string]any{"companies": []any{42}}},
		{"company without id or domain", findContacts, map[string]any{"companies": []any{map[string]any{"name": "Acme"}}}},
		{"company domain invalid", findContacts, map[string]any{"companies": []any{"not a domain"}}},
		{"titles not a list", findContacts, map[string]any{"companies": []any{"acme.example"}, "titles": "CTO"}},
	}
	for _, tt := range tests {
		_, err := tt.action(ctx, b.deps, invocation("run/"+tt.name+"/-1", tt.inputs))
		var perm *engine.PermanentError
		if !errors.As(err, &perm) {
			t.Errorf("%s: err = %v, want a permanent failure", tt.name, err)
		}
	}
	if calls := b.sim.Counters().Calls; len(calls) != 0 {
		t.Errorf("vendor calls %v, want none", calls)
	}
}

const discoverWorkflow = `workflow:
  metadata: {name: discover}
  inputs:
    industry: {type: string, required: true}
  steps:
    - id: define-icp
      action: create_icp_profile
      inputs:
        market_segment: {industry: "${{ inputs.industry }}", size: "51-200", countries: [US]}
    - id: search-companies
      action: execute_company_search
      inputs: {icp_profile: from_step_define-icp, limit: 10}
    - id: find-people
      action: find_contacts
      when: "${{ len(steps['search-companies'].output.companies) > 0 }}"
      inputs:
        companies: "${{ steps.search-companies.output.companies }}"
        titles: [VP Sales]
        limit: 15
  outputs:
    companies: "${{ len(steps['search-companies'].output.companies) }}"
    contacts: "${{ len(steps['find-people'].output.contact_ids) }}"
`

// A run through the engine defines a profile, finds companies for it and
// people there, each step feeding the next.
func TestDiscoveryWorkflowRun(t *testing.T) {
	t.Parallel()
	b := setupSearch(t)
	ctx := context.Background()
	cat, err := actions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(b.pool, cat, workflowActions(b.deps), StepQueue{})
	client := startStepWorker(t, b.pool, e)
	if _, _, err := engine.Register(ctx, b.pool, "discover.yaml", []byte(discoverWorkflow), store.OriginAPI, cat); err != nil {
		t.Fatal(err)
	}
	var run store.WorkflowRun
	if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		run, err = e.Start(WithClient(ctx, client), tx, engine.StartRequest{Name: "discover", Inputs: map[string]any{"industry": "Software"}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	runs := store.NewWorkflowRuns(b.pool)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if run, err = runs.Get(ctx, run.ID, false); err != nil {
			t.Fatal(err)
		}
		if run.Status != store.RunRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("run still running after 60s")
		}
	}
	if run.Status != store.RunCompleted {
		steps, _ := runs.Steps(ctx, run.ID)
		t.Fatalf("run %s (%s), steps %+v; want completed", run.Status, run.Error, steps)
	}
	companies, _ := run.Outputs["companies"].(float64)
	found, _ := run.Outputs["contacts"].(float64)
	if companies < 1 || found < 1 || int(found) != b.count(t, "contacts") || int(companies) != b.count(t, "companies") {
		t.Errorf("outputs %v with %d companies and %d contacts stored, want both found and stored",
			run.Outputs, b.count(t, "companies"), b.count(t, "contacts"))
	}
	var orphans int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM contacts WHERE company_id IS NULL`).Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("%d contacts without a company (%v)", orphans, err)
	}
}
