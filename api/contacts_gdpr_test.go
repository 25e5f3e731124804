package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
)

// exportJSON is the part of an export the tests look at.
type exportJSON struct {
	Contact struct {
		Email        string          `json:"email"`
		CustomFields map[string]any  `json:"custom_fields"`
		Enrichment   json.RawMessage `json:"enrichment"`
		ICPScore     *int            `json:"icp_score"`
		Explanation  json.RawMessage `json:"icp_explanation"`
	} `json:"contact"`
	Company *struct {
		Domain string `json:"domain"`
	} `json:"company"`
	Import *struct {
		ID       string `json:"id"`
		Filename string `json:"filename"`
	} `json:"import"`
	Suppression struct {
		Suppressed bool `json:"suppressed"`
	} `json:"suppression"`
	Enrollments    []struct{ Status string }           `json:"enrollments"`
	CampaignEvents []struct{ Payload json.RawMessage } `json:"campaign_events"`
	YOLODecisions  []struct{ Decision string }         `json:"yolo_decisions"`
	Jobs           []struct{ Kind, State string }      `json:"jobs"`
}

// gdprFixture is a contact with data copied everywhere the platform copies
// it: enrichment, a queued enrichment job (from its create), a stored
// idempotent response (the create's), an import, an enrollment with a
// campaign event and a YOLO decision.
type gdprFixture struct {
	id, email, importID string
}

func (b *testBundle) gdprContact(t *testing.T, email, idemKey string) gdprFixture {
	t.Helper()
	r := b.do(t, request{method: "POST", path: "/api/v1/contacts", headers: map[string]string{
		"Authorization": "Bearer " + b.admin, "Idempotency-Key": idemKey,
	}, body: fmt.Sprintf(`{"email":%q,"first_name":"Ada","custom_fields":{"note":"=HYPERLINK(\"http://x.example\",\"x\")"}}`, email)})
	if r.status != 201 {
		t.Fatalf("create: status = %d, want 201; body %s", r.status, r.body)
	}
	c := decode[contactJSON](t, r)
	f := gdprFixture{id: c.ID, email: c.Email}
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO imports (format, filename, status) VALUES ('csv', 'leads.csv', 'completed') RETURNING id`).Scan(&f.importID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
UPDATE contacts SET import_id = $2, enrichment_status = 'enriched', enrichment_source = 'explorium',
    enrichment = jsonb_build_object('person', jsonb_build_object('email', email, 'headline', 'Mathematician')),
    icp_score = 80, icp_explanation = '{"matched":["title"]}', scored_at = now()
WHERE id = $1`, f.id, f.importID); err != nil {
			return err
		}
		var instance, template, enrollment string
		if err := tx.QueryRow(ctx, `INSERT INTO campaign_templates (name) VALUES ('t') RETURNING id`).Scan(&template); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO campaign_instances (template_id, name) VALUES ($1, 'i') RETURNING id`, template).Scan(&instance); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
INSERT INTO enrollments (instance_id, template_id, contact_id, personalization)
VALUES ($1, $2, $3, jsonb_build_object('greeting', 'Hi ' || $4::text)) RETURNING id`, instance, template, f.id, f.email).Scan(&enrollment); err != nil {
			return err
		}
		// One event hangs off the enrollment, one only off the contact (a
		// reply matched by address, say), so both FK paths are covered, and
		// one names the address but was never linked (no enrollment matched).
		if _, err := tx.Exec(ctx, `
INSERT INTO campaign_events (instance_id, enrollment_id, contact_id, type, payload, occurred_at)
VALUES ($1, $2, $3, 'emailsSent', jsonb_build_object('leadEmail', $4::text), now()),
       ($1, NULL, $3, 'emailsReplied', jsonb_build_object('from', upper($4::text)), now()),
       (NULL, NULL, NULL, 'emailsOpened', jsonb_build_object('leadEmail', initcap($4::text)), now())`, instance, enrollment, f.id, f.email); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO yolo_decisions (contact_id, decision, reasons) VALUES ($1, 'enroll', '["icp 80"]')`, f.id)
		return err
	})
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return f
}

// tablesHolding names every column of every table in the test's schema
// (app tables and River's) whose text, JSON or bytes contain needle, in any
// letter case.
func tablesHolding(t *testing.T, b *testBundle, needle string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := b.pool.Query(ctx, `
SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
JOIN information_schema.tables t USING (table_schema, table_name)
WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE'
  AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea', 'ARRAY', 'USER-DEFINED')`, dbtest.Schema(b.pool))
	if err != nil {
		t.Fatal(err)
	}
	type column struct{ table, name, typ string }
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (c column, err error) {
		return c, r.Scan(&c.table, &c.name, &c.typ)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) < 50 {
		t.Fatalf("found %d columns to search; the schema query is wrong", len(cols))
	}
	var found []string
	for _, c := range cols {
		expr := "lower(" + pgx.Identifier{c.name}.Sanitize() + "::text)"
		if c.typ == "bytea" {
			expr = "lower(encode(" + pgx.Identifier{c.name}.Sanitize() + ", 'escape'))"
		}
		var n int
		q := "SELECT count(*) FROM " + pgx.Identifier{c.table}.Sanitize() + " WHERE strpos(" + expr + ", lower($1)) > 0"
		if err := b.pool.QueryRow(ctx, q, needle).Scan(&n); err != nil {
			t.Fatalf("search %s.%s: %v", c.table, c.name, err)
		}
		if n > 0 {
			found = append(found, fmt.Sprintf("%s.%s (%d rows)", c.table, c.name, n))
		}
	}
	return found
}

// Erasure removes the person from every table while another contact's data
// stays, suppresses the address by keyed hash only, and is audited.
func TestEraseContact(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	f := b.gdprContact(t, "ada@analytical.example", "create-ada")
	other := b.gdprContact(t, "grace@navy.example", "create-grace")

	if held := tablesHolding(t, b, f.email); len(held) < 5 {
		t.Fatalf("before erasure the address is in %v; the fixture or the search is broken", held)
	}
	jobs := func(id string) (n int) {
		if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE args->>'contact_id' = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if jobs(f.id) != 1 {
		t.Fatalf("queued jobs for the contact = %d, want its enrich_contact", jobs(f.id))
	}

	if r := b.do(t, request{method: "DELETE", path: "/api/v1/contacts/" + f.id, headers: bearer(b.admin)}); r.status != 204 {
		t.Fatalf("erase: status = %d, want 204; body %s", r.status, r.body)
	}
	if held := tablesHolding(t, b, f.email); len(held) != 0 {
		t.Errorf("after erasure the address is still in %v", held)
	}
	if held := tablesHolding(t, b, f.id); len(held) != 1 || !strings.HasPrefix(held[0], "audit_log.target_id") {
		t.Errorf("after erasure the id is in %v, want only audit_log.target_id", held)
	}
	if jobs(f.id) != 0 || jobs(other.id) != 1 {
		t.Errorf("jobs = %d for the erased, %d for the other; want 0 and 1", jobs(f.id), jobs(other.id))
	}
	if n := countRows(t, b, "idempotency_keys"); n != 1 {
		t.Errorf("idempotency records = %d, want the other contact's 1", n)
	}
	if n := countRows(t, b, "enrollments"); n != 1 {
		t.Errorf("enrollments = %d, want the other contact's 1", n)
	}
	if n := countRows(t, b, "yolo_decisions"); n != 1 {
		t.Errorf("yolo decisions = %d, want the other contact's 1", n)
	}
	var orphanEvents int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM campaign_events WHERE contact_id IS NULL AND payload = '{}'`).Scan(&orphanEvents); err != nil {
		t.Fatal(err)
	}
	if orphanEvents != 2 || countRows(t, b, "campaign_events") != 5 {
		t.Errorf("scrubbed events without contact = %d of %d, want 2 of 5 (the enrollment's went with it)",
			orphanEvents, countRows(t, b, "campaign_events"))
	}

	var supID string
	var value *string
	var hash []byte
	if err := b.pool.QueryRow(ctx, `SELECT id, value, value_hash FROM suppressions WHERE reason = 'erased'`).Scan(&supID, &value, &hash); err != nil {
		t.Fatalf("erased suppression: %v", err)
	}
	want := contacts.NewHasher([]byte(config.DevSuppressionKey)).Hash(contacts.KindEmail, f.email)
	if value != nil || !bytes.Equal(hash, want) {
		t.Errorf("suppression value, hash = %v, %x; want NULL and the keyed hash %x", value, hash, want)
	}
	var action, target, details string
	var actor *string
	if err := b.pool.QueryRow(ctx, `SELECT action, target, details::text, api_key_id::text FROM audit_log WHERE target_id = $1`, f.id).
		Scan(&action, &target, &details, &actor); err != nil {
		t.Fatalf("audit entry: %v", err)
	}
	if action != "contact.erased" || target != "contact" || actor == nil || !strings.Contains(details, `"jobs_deleted": 1`) {
		t.Errorf("audit = %s %s by %v %s; want contact.erased of a contact by the admin key, counting 1 job", action, target, actor, details)
	}

	create := b.do(t, request{method: "POST", path: "/api/v1/contacts", headers: bearer(b.admin), body: `{"email":" ADA@analytical.example"}`})
	if create.status != 422 || len(create.problem.Errors) == 0 || create.problem.Errors[0].Location != "body.email" ||
		create.problem.Errors[0].Message != contacts.ReasonSuppressed {
		t.Errorf("re-create: %d %+v, want 422 body.email suppressed", create.status, create.problem.Errors)
	}
	if r := b.do(t, request{method: "DELETE", path: "/api/v1/suppressions/" + supID, headers: bearer(b.admin)}); r.status != 422 {
		t.Errorf("delete erased suppression: status = %d, want 422", r.status)
	}
	for _, r := range []request{
		{method: "DELETE", path: "/api/v1/contacts/" + f.id, headers: bearer(b.admin)},
		{method: "GET", path: "/api/v1/contacts/" + f.id, headers: bearer(b.admin)},
		{method: "GET", path: "/api/v1/contacts/" + f.id + "/export", headers: bearer(b.admin)},
	} {
		if got := b.do(t, r); got.status != 404 {
			t.Errorf("%s %s after erasure: status = %d, want 404", r.method, r.path, got.status)
		}
	}
}

// An address already listed with its plain value (say unsubscribed) keeps
// only its hash after erasure, and the entry becomes permanent.
func TestEraseContactHashesExistingSuppression(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.createContact(t, `{"email":"bye@acme.example"}`)
	if r := b.do(t, request{method: "POST", path: "/api/v1/suppressions", headers: bearer(b.admin),
		body: `{"kind":"email","value":"bye@acme.example","reason":"unsubscribed"}`}); r.status != 201 {
		t.Fatalf("suppress: status = %d; body %s", r.status, r.body)
	}
	if r := b.do(t, request{method: "DELETE", path: "/api/v1/contacts/" + c.ID, headers: bearer(b.admin)}); r.status != 204 {
		t.Fatalf("erase: status = %d, want 204; body %s", r.status, r.body)
	}
	var value *string
	var reason string
	if err := b.pool.QueryRow(context.Background(), `SELECT value, reason FROM suppressions`).Scan(&value, &reason); err != nil {
		t.Fatal(err)
	}
	if value != nil || reason != "erased" || countRows(t, b, "suppressions") != 1 {
		t.Errorf("suppression = %v %q (%d rows), want one entry without value, reason erased", value, reason, countRows(t, b, "suppressions"))
	}
}

// The export holds everything about the person, as JSON or as a CSV whose
// formula-like cells are neutralised.
func TestExportContact(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.gdprContact(t, "ada@analytical.example", "create-ada")
	path := "/api/v1/contacts/" + f.id + "/export"
	// A bulk hand-off names her among others; one naming others only is
	// not hers.
	if _, err := b.pool.Exec(context.Background(), `
INSERT INTO river_job (args, kind, max_attempts, queue, state)
VALUES (jsonb_build_object('contact_ids', jsonb_build_array(gen_random_uuid()::text, $1::text)), 'enrich_contacts', 25, 'maintenance', 'available'),
       (jsonb_build_object('contact_ids', jsonb_build_array(gen_random_uuid()::text)), 'enrich_contacts', 25, 'maintenance', 'available')`, f.id); err != nil {
		t.Fatal(err)
	}

	r := b.do(t, request{method: "GET", path: path, headers: bearer(b.reader)})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("export: %d %s, want 200 JSON; body %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	e := decode[exportJSON](t, r)
	if e.Contact.Email != f.email || !strings.Contains(string(e.Contact.Enrichment), "Mathematician") ||
		e.Contact.ICPScore == nil || !strings.Contains(string(e.Contact.Explanation), "title") {
		t.Errorf("contact = %+v, want the address, raw enrichment and score explanation", e.Contact)
	}
	if e.Company == nil || e.Company.Domain != "analytical.example" {
		t.Errorf("company = %+v, want analytical.example", e.Company)
	}
	if e.Import == nil || e.Import.ID != f.importID || e.Import.Filename != "leads.csv" {
		t.Errorf("import = %+v, want %s leads.csv", e.Import, f.importID)
	}
	if e.Suppression.Suppressed {
		t.Error("suppression.suppressed = true, want false")
	}
	if len(e.Enrollments) != 1 || len(e.CampaignEvents) != 2 || len(e.YOLODecisions) != 1 {
		t.Errorf("enrollments, events, decisions = %d, %d, %d; want 1, 2, 1", len(e.Enrollments), len(e.CampaignEvents), len(e.YOLODecisions))
	}
	if len(e.Jobs) != 2 || e.Jobs[0].Kind != "enrich_contact" || e.Jobs[0].State != "available" || e.Jobs[1].Kind != "enrich_contacts" {
		t.Errorf("jobs = %+v, want its available enrich_contact and the enrich_contacts naming it", e.Jobs)
	}

	r = b.do(t, request{method: "GET", path: path + "?format=csv", headers: bearer(b.reader)})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("csv export: %d %q %q, want 200 text/csv attachment", r.status, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
	}
	records, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatalf("csv export does not parse: %v", err)
	}
	cells := map[string]string{}
	for _, rec := range records {
		cells[rec[0]] = rec[1]
	}
	for key, want := range map[string]string{
		"contact.email":                      f.email,
		"contact.custom_fields.note":         `'=HYPERLINK("http://x.example","x")`,
		"contact.enrichment.person.headline": "Mathematician",
		"import.filename":                    "leads.csv",
		"suppression.suppressed":             "false",
		"jobs.0.kind":                        "enrich_contact",
	} {
		if cells[key] != want {
			t.Errorf("csv %s = %q, want %q", key, cells[key], want)
		}
	}
}

// A bad export request is a problem naming the parameter.
func TestExportContactBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.createContact(t, `{"email":"x@acme.example"}`)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantField  string
	}{
		{"unknown id", "/api/v1/contacts/00000000-0000-0000-0000-000000000001/export", 404, ""},
		{"bad id", "/api/v1/contacts/x/export", 422, "path.id"},
		{"bad format", "/api/v1/contacts/" + c.ID + "/export?format=xlsx", 422, "query.format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.do(t, request{method: "GET", path: tt.path, headers: bearer(b.reader)})
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", got.status, tt.wantStatus, got.body)
			}
			if tt.wantField != "" && (len(got.problem.Errors) == 0 || got.problem.Errors[0].Location != tt.wantField) {
				t.Errorf("errors = %+v, want location %q", got.problem.Errors, tt.wantField)
			}
		})
	}
	if r := b.do(t, request{method: "DELETE", path: "/api/v1/contacts/" + c.ID, headers: bearer(b.reader)}); r.status != 403 {
		t.Errorf("erase with contacts:read: status = %d, want 403", r.status)
	}
	if n := countRows(t, b, "contacts"); n != 1 {
		t.Errorf("contacts = %d after refused requests, want 1", n)
	}
}
