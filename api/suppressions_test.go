package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
)

type suppressionJSON struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// Adding is idempotent, values are stored normalised, and removal lets the
// address back in.
func TestSuppressionLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	add := func(body string) response {
		return b.do(t, request{method: "POST", path: "/api/v1/suppressions", headers: bearer(b.admin), body: body})
	}
	first := add(`{"kind":"email","value":" Gone@Acme.com ","reason":"unsubscribed"}`)
	if first.status != 201 {
		t.Fatalf("add: status = %d, want 201; body %s", first.status, first.body)
	}
	s := decode[suppressionJSON](t, first)
	if s.Value != "gone@acme.com" || s.Reason != "unsubscribed" {
		t.Errorf("added = %+v, want normalised value and reason kept", s)
	}
	again := add(`{"kind":"email","value":"GONE@acme.com"}`)
	if got := decode[suppressionJSON](t, again); again.status != 200 || got.ID != s.ID || got.Reason != "unsubscribed" {
		t.Errorf("add again: %d %+v, want 200 with the existing entry", again.status, got)
	}
	if r := add(`{"kind":"domain","value":"https://www.spam.example/x"}`); r.status != 201 || decode[suppressionJSON](t, r).Value != "spam.example" {
		t.Errorf("add domain: %d %s, want 201 spam.example", r.status, r.body)
	}
	if n := countRows(t, b, "suppressions"); n != 2 {
		t.Fatalf("suppressions = %d, want 2", n)
	}

	page := decode[struct {
		Items      []suppressionJSON `json:"items"`
		NextCursor string            `json:"next_cursor"`
	}](t, b.do(t, request{method: "GET", path: "/api/v1/suppressions?kind=email&limit=1", headers: bearer(b.reader)}))
	if len(page.Items) != 1 || page.Items[0].ID != s.ID || page.NextCursor != "" {
		t.Errorf("list kind=email = %+v, want just %s and no next page", page, s.ID)
	}

	if r := b.do(t, request{method: "POST", path: "/api/v1/contacts", headers: bearer(b.admin), body: `{"email":"gone@acme.com"}`}); r.status != 422 {
		t.Fatalf("create suppressed contact: status = %d, want 422", r.status)
	}
	if r := b.do(t, request{method: "DELETE", path: "/api/v1/suppressions/" + s.ID, headers: bearer(b.admin)}); r.status != 204 {
		t.Fatalf("delete: status = %d, want 204; body %s", r.status, r.body)
	}
	if r := b.do(t, request{method: "POST", path: "/api/v1/contacts", headers: bearer(b.admin), body: `{"email":"gone@acme.com"}`}); r.status != 201 {
		t.Errorf("create after unsuppress: status = %d, want 201; body %s", r.status, r.body)
	}
}

// Every bad suppression request is a problem naming the field, and writes
// nothing; an erasure's entry cannot be removed.
func TestSuppressionBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var erased string
	if err := b.pool.QueryRow(context.Background(), `INSERT INTO suppressions (kind, value_hash, reason) VALUES ('email', $1, 'erased') RETURNING id`,
		contacts.NewHasher([]byte(config.DevSuppressionKey)).Hash("email", "erased@acme.com")).Scan(&erased); err != nil {
		t.Fatal(err)
	}
	post := func(body string) request {
		return request{method: "POST", path: "/api/v1/suppressions", headers: bearer(b.admin), body: body}
	}
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantField  string
	}{
		{"malformed json", post(`{"kind":`), 400, ""},
		{"unknown field", post(`{"kind":"email","value":"a@b.com","until":"never"}`), 422, "body"},
		{"unknown kind", post(`{"kind":"phone","value":"123"}`), 422, "body.kind"},
		{"invalid email", post(`{"kind":"email","value":"nope"}`), 422, "body.value"},
		{"invalid domain", post(`{"kind":"domain","value":"a@b@c"}`), 422, "body.value"},
		{"reserved reason", post(`{"kind":"email","value":"a@b.com","reason":"erased"}`), 422, "body.reason"},
		{"wrong scope", request{method: "POST", path: "/api/v1/suppressions", headers: bearer(b.reader), body: `{"kind":"email","value":"a@b.com"}`}, 403, ""},
		{"bad cursor", request{method: "GET", path: "/api/v1/suppressions?cursor=x", headers: bearer(b.admin)}, 400, "query.cursor"},
		{"bad kind filter", request{method: "GET", path: "/api/v1/suppressions?kind=phone", headers: bearer(b.admin)}, 422, "query.kind"},
		{"bad uuid", request{method: "DELETE", path: "/api/v1/suppressions/x", headers: bearer(b.admin)}, 422, "path.id"},
		{"absent", request{method: "DELETE", path: "/api/v1/suppressions/00000000-0000-0000-0000-000000000001", headers: bearer(b.admin)}, 404, ""},
		{"delete wrong scope", request{method: "DELETE", path: "/api/v1/suppressions/" + erased, headers: bearer(b.reader)}, 403, ""},
		{"erasure kept", request{method: "DELETE", path: "/api/v1/suppressions/" + erased, headers: bearer(b.admin)}, 422, "path.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.do(t, tt.req)
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", got.status, tt.wantStatus, got.body)
			}
			if tt.wantField != "" && (len(got.problem.Errors) == 0 || !strings.HasPrefix(got.problem.Errors[0].Location, tt.wantField)) {
				t.Errorf("errors = %+v, want first location %q", got.problem.Errors, tt.wantField)
			}
		})
	}
	if n := countRows(t, b, "suppressions"); n != 1 {
		t.Errorf("suppressions = %d after refused requests, want 1", n)
	}
	// The erased address stays out although no plain value is stored.
	if r := b.do(t, request{method: "POST", path: "/api/v1/contacts", headers: bearer(b.admin), body: `{"email":"Erased@acme.com"}`}); r.status != 422 {
		t.Errorf("create erased contact: status = %d, want 422", r.status)
	}
}
