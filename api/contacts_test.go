package api_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

type contactJSON struct {
	ID           string         `json:"id"`
	Email        string         `json:"email"`
	FirstName    string         `json:"first_name"`
	Phone        string         `json:"phone"`
	CompanyID    *string        `json:"company_id"`
	CompanyName  string         `json:"company_name"`
	Domain       string         `json:"domain"`
	Tags         []string       `json:"tags"`
	CustomFields map[string]any `json:"custom_fields"`
	CreatedAt    string         `json:"created_at"`
}

type contactPage struct {
	Items      []contactJSON `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

func (b *testBundle) createContact(t *testing.T, body string) contactJSON {
	t.Helper()
	r := b.do(t, request{method: "POST", path: "/api/v1/contacts", headers: bearer(b.admin), body: body})
	if r.status != 201 {
		t.Fatalf("create contact: status = %d, want 201; body %s", r.status, r.body)
	}
	return decode[contactJSON](t, r)
}

// A contact goes through its whole life: created with its company derived
// from the email, read, changed field by field, deleted.
func TestContactLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)

	c := b.createContact(t, `{"email":"  Ada.Lovelace@Example.COM ","first_name":"Ada","phone":"+44 (20) 7946-0958",
		"tags":["VIP","vip"," lead "],"custom_fields":{"plan":"pro","seats":5}}`)
	if c.Email != "ada.lovelace@example.com" || c.Domain != "example.com" || c.CompanyID == nil {
		t.Fatalf("created = %+v, want normalised email, domain example.com and a company", c)
	}
	if c.Phone != "+442079460958" || !slices.Equal(c.Tags, []string{"vip", "lead"}) {
		t.Errorf("phone, tags = %q, %q; want +442079460958, [vip lead]", c.Phone, c.Tags)
	}
	if n := countRows(t, b, "companies"); n != 1 {
		t.Fatalf("companies = %d, want 1 created by domain", n)
	}
	// A second contact at the same domain joins the same company.
	c2 := b.createContact(t, `{"email":"grace@www.example.com","domain":"https://www.Example.com/about"}`)
	if c2.CompanyID == nil || *c2.CompanyID != *c.CompanyID {
		t.Fatalf("second contact company = %v, want %v", c2.CompanyID, *c.CompanyID)
	}
	// Free-mail addresses say nothing about the employer.
	if free := b.createContact(t, `{"email":"someone@gmail.com"}`); free.CompanyID != nil || free.Domain != "" {
		t.Errorf("free-mail contact = %+v, want no company", free)
	}

	got := decode[contactJSON](t, b.do(t, request{method: "GET", path: "/api/v1/contacts/" + c.ID, headers: bearer(b.reader)}))
	if got.ID != c.ID || got.Email != c.Email {
		t.Fatalf("get = %+v, want %+v", got, c)
	}

	r := b.do(t, request{method: "PATCH", path: "/api/v1/contacts/" + c.ID, headers: bearer(b.admin),
		body: `{"email":"ADA@analytical.engine.org","custom_fields":{"plan":null,"region":"eu"},"company_id":null,"phone":null}`})
	if r.status != 200 {
		t.Fatalf("patch: status = %d, want 200; body %s", r.status, r.body)
	}
	p := decode[contactJSON](t, r)
	if p.Email != "ada@analytical.engine.org" || p.CompanyID != nil || p.FirstName != "Ada" || p.Phone != "" {
		t.Errorf("patched = %+v, want new email, no company, first name kept, phone cleared", p)
	}
	if want := map[string]any{"seats": float64(5), "region": "eu"}; fmt.Sprint(p.CustomFields) != fmt.Sprint(want) {
		t.Errorf("custom_fields = %v, want %v (merge patch)", p.CustomFields, want)
	}

	if r := b.do(t, request{method: "DELETE", path: "/api/v1/contacts/" + c.ID, headers: bearer(b.admin)}); r.status != 204 {
		t.Fatalf("delete: status = %d, want 204; body %s", r.status, r.body)
	}
	if r := b.do(t, request{method: "GET", path: "/api/v1/contacts/" + c.ID, headers: bearer(b.admin)}); r.status != 404 {
		t.Errorf("get after delete: status = %d, want 404", r.status)
	}
}

// Filters combine, and pages in either order cover every row once.
func TestContactListFiltersAndPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var ids []string
	for i := range 7 {
		tags := `["all"]`
		if i%2 == 0 {
			tags = `["all","even"]`
		}
		c := b.createContact(t, fmt.Sprintf(`{"email":"p%d@acme%d.com","tags":%s}`, i, i%3, tags))
		ids = append(ids, c.ID)
		if _, err := b.pool.Exec(ctx, `UPDATE contacts SET icp_score = $1 WHERE id = $2`, i*10, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		query string
		want  []int // indexes into ids, in order
	}{
		{"", []int{0, 1, 2, 3, 4, 5, 6}},
		{"sort=-created_at", []int{6, 5, 4, 3, 2, 1, 0}},
		{"email=P3@ACME0.COM", []int{3}},
		{"domain=www.acme1.com", []int{1, 4}},
		{"tags=even,ALL", []int{0, 2, 4, 6}},
		{"min_score=20&max_score=40", []int{2, 3, 4}},
		{"min_score=0&max_score=0", []int{0}},
		{"enrichment_status=enriched", nil},
		{"tags=even&min_score=30&sort=-created_at", []int{6, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			for _, limit := range []int{1, 2, 50} {
				var got []string
				cursor := ""
				for page := 0; ; page++ {
					q := tt.query + "&limit=" + fmt.Sprint(limit) + "&cursor=" + url.QueryEscape(cursor)
					r := b.do(t, request{method: "GET", path: "/api/v1/contacts?" + q, headers: bearer(b.reader)})
					if r.status != 200 {
						t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
					}
					pg := decode[contactPage](t, r)
					for _, c := range pg.Items {
						got = append(got, c.ID)
					}
					if cursor = pg.NextCursor; cursor == "" || page > 10 {
						break
					}
				}
				var want []string
				for _, i := range tt.want {
					want = append(want, ids[i])
				}
				if !slices.Equal(got, want) {
					t.Errorf("limit %d: ids = %v, want %v", limit, got, want)
				}
			}
		})
	}
}

// Every bad contact request is a problem naming the field, and writes
// nothing.
func TestContactBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	existing := b.createContact(t, `{"email":"taken@acme.com"}`)
	other := b.createContact(t, `{"email":"other@acme.com"}`)
	for _, body := range []string{`{"kind":"email","value":"blocked@acme.com"}`, `{"kind":"domain","value":"spam.example"}`} {
		if r := b.do(t, request{method: "POST", path: "/api/v1/suppressions", headers: bearer(b.admin), body: body}); r.status != 201 {
			t.Fatalf("suppress: status = %d; body %s", r.status, r.body)
		}
	}
	asc := decode[contactPage](t, b.do(t, request{method: "GET", path: "/api/v1/contacts?limit=1", headers: bearer(b.admin)}))
	post := func(body string) request {
		return request{method: "POST", path: "/api/v1/contacts", headers: bearer(b.admin), body: body}
	}
	patch := func(body string) request {
		return request{method: "PATCH", path: "/api/v1/contacts/" + other.ID, headers: bearer(b.admin), body: body}
	}
	get := func(q string) request {
		return request{method: "GET", path: "/api/v1/contacts?" + q, headers: bearer(b.admin)}
	}
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantField  string
	}{
		{"malformed json", post(`{"email":`), 400, ""},
		{"unknown field", post(`{"email":"a@b.com","owner":"me"}`), 422, "body"},
		{"missing email", post(`{"first_name":"x"}`), 422, "body"},
		{"invalid email", post(`{"email":"not-an-email"}`), 422, "body.email"},
		{"display name", post(`{"email":"Ada <ada@acme.com>"}`), 422, "body.email"},
		{"ip domain", post(`{"email":"ada@127.0.0.1"}`), 422, "body.email"},
		{"invalid domain", post(`{"email":"a@acme.com","domain":"not a domain"}`), 422, "body.domain"},
		{"invalid phone", post(`{"email":"a@acme.com","phone":"call me"}`), 422, "body.phone"},
		{"invalid linkedin", post(`{"email":"a@acme.com","linkedin_url":"javascript:alert(1)"}`), 422, "body.linkedin_url"},
		{"blank tag", post(`{"email":"a@acme.com","tags":["  "]}`), 422, "body.tags[0]"},
		{"duplicate", post(`{"email":" TAKEN@acme.com"}`), 409, "body.email"},
		{"suppressed email", post(`{"email":"Blocked@acme.com"}`), 422, "body.email"},
		{"suppressed domain", post(`{"email":"x@mail.spam.example"}`), 422, "body.email"},
		{"suppressed company domain", post(`{"email":"x@gmail.com","domain":"spam.example"}`), 422, "body.email"},
		{"unknown company", post(`{"email":"a@acme.com","company_id":"00000000-0000-0000-0000-000000000001"}`), 422, "body.company_id"},
		{"wrong scope", request{method: "POST", path: "/api/v1/contacts", headers: bearer(b.reader), body: `{"email":"a@acme.com"}`}, 403, ""},
		{"patch invalid email", patch(`{"email":"nope"}`), 422, "body.email"},
		{"patch taken email", patch(`{"email":"taken@acme.com"}`), 409, "body.email"},
		{"patch suppressed email", patch(`{"email":"blocked@acme.com"}`), 422, "body.email"},
		{"patch suppressed domain", patch(`{"domain":"spam.example"}`), 422, "body.domain"},
		{"patch null email", patch(`{"email":null}`), 422, "body.email"},
		{"patch long name", patch(`{"first_name":"` + strings.Repeat("x", 201) + `"}`), 422, "body.first_name"},
		{"patch tags not a list", patch(`{"tags":"vip"}`), 422, "body.tags"},
		{"patch unknown field", patch(`{"id":"x"}`), 422, "body"},
		{"patch bad company id", patch(`{"company_id":"nope"}`), 422, "body"},
		{"patch unknown company", patch(`{"company_id":"00000000-0000-0000-0000-000000000001"}`), 422, "body.company_id"},
		{"patch wrong scope", request{method: "PATCH", path: "/api/v1/contacts/" + other.ID, headers: bearer(b.reader), body: `{}`}, 403, ""},
		{"patch absent", request{method: "PATCH", path: "/api/v1/contacts/00000000-0000-0000-0000-000000000001", headers: bearer(b.admin), body: `{}`}, 404, ""},
		{"bad uuid", request{method: "GET", path: "/api/v1/contacts/nope", headers: bearer(b.admin)}, 422, "path.id"},
		{"absent", request{method: "GET", path: "/api/v1/contacts/00000000-0000-0000-0000-000000000001", headers: bearer(b.admin)}, 404, ""},
		{"delete wrong scope", request{method: "DELETE", path: "/api/v1/contacts/" + existing.ID, headers: bearer(b.reader)}, 403, ""},
		{"delete absent", request{method: "DELETE", path: "/api/v1/contacts/00000000-0000-0000-0000-000000000001", headers: bearer(b.admin)}, 404, ""},
		{"bad cursor", get("cursor=garbage"), 400, "query.cursor"},
		{"cursor of the other order", get("sort=-created_at&cursor=" + asc.NextCursor), 400, "query.cursor"},
		{"min above max", get("min_score=80&max_score=20"), 422, "query.min_score"},
		{"score out of range", get("min_score=101"), 422, "query.min_score"},
		{"bad status", get("enrichment_status=done"), 422, "query.enrichment_status"},
		{"bad sort", get("sort=email"), 422, "query.sort"},
		{"bad company id", get("company_id=42"), 422, "query.company_id"},
		{"bad email filter", get("email=nope"), 422, "query.email"},
		{"empty window", get("created_after=2026-01-02T00:00:00Z&created_before=2026-01-01T00:00:00Z"), 422, "query.created_after"},
	}
	contactsBefore, companiesBefore := countRows(t, b, "contacts"), countRows(t, b, "companies")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.do(t, tt.req)
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", got.status, tt.wantStatus, got.body)
			}
			if ct := got.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Fatalf("content type = %q, want application/problem+json", ct)
			}
			if tt.wantField != "" && (len(got.problem.Errors) == 0 || !strings.HasPrefix(got.problem.Errors[0].Location, tt.wantField)) {
				t.Errorf("errors = %+v, want first location %q", got.problem.Errors, tt.wantField)
			}
		})
	}
	if n := countRows(t, b, "contacts"); n != contactsBefore {
		t.Errorf("contacts = %d after refused requests, want %d", n, contactsBefore)
	}
	if n := countRows(t, b, "companies"); n != companiesBefore {
		t.Errorf("companies = %d after refused requests, want %d", n, companiesBefore)
	}
	if got := decode[contactJSON](t, b.do(t, request{method: "GET", path: "/api/v1/contacts/" + other.ID, headers: bearer(b.admin)})); got.Email != "other@acme.com" || got.Domain != "acme.com" {
		t.Errorf("patched-then-refused contact = %+v, want unchanged", got)
	}
}

// A retried create with the same Idempotency-Key gets the first contact
// back and writes nothing more.
func TestCreateContactIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	req := request{method: "POST", path: "/api/v1/contacts", body: `{"email":"once@acme.io"}`,
		headers: map[string]string{"Authorization": "Bearer " + b.admin, "Idempotency-Key": "create-once"}}
	first, again := b.do(t, req), b.do(t, req)
	if first.status != 201 || again.status != 201 || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("statuses = %d, %d (replayed %q); want 201 twice, the second replayed", first.status, again.status, again.header.Get("Idempotent-Replayed"))
	}
	if a, b2 := decode[contactJSON](t, first), decode[contactJSON](t, again); a.ID != b2.ID {
		t.Errorf("ids = %s, %s; want the same contact", a.ID, b2.ID)
	}
	if n := countRows(t, b, "contacts"); n != 1 {
		t.Errorf("contacts = %d, want 1", n)
	}
	// The contact's enrichment was enqueued with it, once, carrying its id
	// and no PII.
	var jobs int
	var args string
	if err := b.pool.QueryRow(context.Background(),
		`SELECT count(*), min(args::text) FROM river_job WHERE kind = 'enrich_contact'`).Scan(&jobs, &args); err != nil {
		t.Fatal(err)
	}
	if id := decode[contactJSON](t, first).ID; jobs != 1 || !strings.Contains(args, id) || strings.Contains(args, "@") {
		t.Errorf("enrich_contact jobs = %d with args %s; want 1 naming contact %s and no email", jobs, args, id)
	}
}
