package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/jobs"
)

// seedContacts inserts n contacts at domain (no jobs queued) and returns
// their ids.
func seedContacts(t *testing.T, b *testBundle, n int, domain string) []string {
	t.Helper()
	rows, err := b.pool.Query(context.Background(), `INSERT INTO contacts (email, domain)
		SELECT 'p' || i || '@' || $2, $2 FROM generate_series(1, $1) i RETURNING id::text`, n, domain)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func countJobs(t *testing.T, b *testBundle, kind string) int {
	t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = $1`, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func idsJSON(ids ...string) string {
	return `{"contact_ids":["` + strings.Join(ids, `","`) + `"]}`
}

type triggerResult struct {
	Selected int `json:"selected"`
	Enqueued int `json:"enqueued"`
	Marked   int `json:"marked"`
}

func (b *testBundle) trigger(t *testing.T, path, body string) triggerResult {
	t.Helper()
	r := b.do(t, request{method: "POST", path: path, headers: bearer(b.admin), body: body})
	if r.status != 202 {
		t.Fatalf("POST %s: status = %d, want 202; body %s", path, r.status, r.body)
	}
	return decode[triggerResult](t, r)
}

// Enrichment is queued once per contact: asking again while the jobs wait
// queues nothing more.
func TestEnrichTrigger(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := seedContacts(t, b, 3, "acme.example")
	seedContacts(t, b, 2, "other.example")

	if got := b.trigger(t, "/api/v1/contacts/enrich", idsJSON(ids[:2]...)); got.Selected != 2 || got.Enqueued != 2 {
		t.Fatalf("by ids = %+v, want 2 selected and enqueued", got)
	}
	if got := b.trigger(t, "/api/v1/contacts/enrich", `{"filter":{"domain":"acme.example"}}`); got.Selected != 3 || got.Enqueued != 1 {
		t.Fatalf("by filter = %+v, want 3 selected, 1 enqueued (2 already waiting)", got)
	}
	if n := countJobs(t, b, jobs.KindEnrichContact); n != 3 {
		t.Errorf("enrich jobs = %d, want 3", n)
	}
}

// Sync requests mark contacts and, however many arrive, leave one job
// waiting to take them in batches.
func TestCRMSyncTrigger(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := seedContacts(t, b, 40, "acme.example")
	for _, id := range ids {
		if got := b.trigger(t, "/api/v1/crm/sync", idsJSON(id)); got.Selected != 1 || got.Marked != 1 {
			t.Fatalf("sync one = %+v, want 1 selected and marked", got)
		}
	}
	if got := b.trigger(t, "/api/v1/crm/sync", `{"filter":{"domain":"acme.example"}}`); got.Selected != 40 || got.Marked != 40 {
		t.Fatalf("sync by filter = %+v, want 40 selected and marked", got)
	}
	if n := countJobs(t, b, jobs.KindCRMSyncContacts); n != 1 {
		t.Errorf("crm sync jobs = %d after 41 requests, want 1", n)
	}
	var marked int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM contacts WHERE sync_requested_at IS NOT NULL`).Scan(&marked); err != nil {
		t.Fatal(err)
	}
	if marked != 40 {
		t.Errorf("contacts marked = %d, want 40", marked)
	}
}

// Bad selections are a 422 naming the field, and change nothing.
func TestTriggerBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := seedContacts(t, b, 1, "acme.example")
	absent := uuid.NewString()
	tests := []struct {
		name, body string
		wantStatus int
		wantField  string
	}{
		{"neither ids nor filter", `{}`, 422, "body.contact_ids"},
		{"both ids and filter", `{"contact_ids":["` + ids[0] + `"],"filter":{"domain":"acme.example"}}`, 422, "body.contact_ids"},
		{"unknown id", idsJSON(ids[0], absent), 422, "body.contact_ids[1]"},
		{"malformed id", idsJSON(ids[0], "nope"), 422, "body.contact_ids[1]"},
		{"malformed company id", `{"filter":{"company_id":"acme"}}`, 422, "body.filter.company_id"},
		{"score out of range", `{"filter":{"min_score":101}}`, 422, "body.filter.min_score"},
		{"min above max", `{"filter":{"min_score":80,"max_score":20}}`, 422, "body.filter.min_score"},
		{"bad status", `{"filter":{"enrichment_status":"done"}}`, 422, "body.filter.enrichment_status"},
		{"bad email filter", `{"filter":{"email":"nope"}}`, 422, "body.filter.email"},
		{"unknown field", `{"contact_ids":["` + ids[0] + `"],"everyone":true}`, 422, "body"},
		{"malformed json", `{"contact_ids":`, 400, ""},
	}
	for _, path := range []string{"/api/v1/contacts/enrich", "/api/v1/crm/sync"} {
		for _, tt := range tests {
			t.Run(path+" "+tt.name, func(t *testing.T) {
				got := b.do(t, request{method: "POST", path: path, headers: bearer(b.admin), body: tt.body})
				if got.status != tt.wantStatus {
					t.Fatalf("status = %d, want %d; body %s", got.status, tt.wantStatus, got.body)
				}
				if tt.wantField != "" && (len(got.problem.Errors) == 0 || !strings.HasPrefix(got.problem.Errors[0].Location, tt.wantField)) {
					t.Errorf("errors = %+v, want first location %q", got.problem.Errors, tt.wantField)
				}
			})
		}
		t.Run(path+" wrong scope", func(t *testing.T) {
			if got := b.do(t, request{method: "POST", path: path, headers: bearer(b.reader), body: idsJSON(ids[0])}); got.status != 403 {
				t.Errorf("status = %d, want 403", got.status)
			}
		})
	}
	if n := countRows(t, b, "river_job"); n != 0 {
		t.Errorf("%d jobs queued by refused requests, want 0", n)
	}
	var marked int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM contacts WHERE sync_requested_at IS NOT NULL`).Scan(&marked); err != nil {
		t.Fatal(err)
	}
	if marked != 0 {
		t.Errorf("%d contacts marked by refused requests, want 0", marked)
	}
}
