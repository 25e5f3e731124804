package api_test

import (
	"strings"
	"testing"
)

type companyJSON struct {
	ID            string   `json:"id"`
	Domain        string   `json:"domain"`
	Name          string   `json:"name"`
	EmployeeCount *int     `json:"employee_count"`
	Technologies  []string `json:"technologies"`
}

type companyPage struct {
	Items      []companyJSON `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

// A company is created, found by filters, changed and deleted, and its
// contacts outlive it.
func TestCompanyLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, request{method: "POST", path: "/api/v1/companies", headers: bearer(b.admin),
		body: `{"domain":"HTTPS://www.Acme.io/careers","name":"Acme","industry":"software","employee_count":120,"country":"DE"}`})
	if r.status != 201 || r.header.Get("Location") == "" {
		t.Fatalf("create: status = %d, want 201 with Location; body %s", r.status, r.body)
	}
	co := decode[companyJSON](t, r)
	if co.Domain != "acme.io" {
		t.Errorf("domain = %q, want acme.io", co.Domain)
	}
	b.do(t, request{method: "POST", path: "/api/v1/companies", headers: bearer(b.admin), body: `{"domain":"tiny.io","employee_count":3}`})
	contact := b.createContact(t, `{"email":"cto@acme.io"}`)
	if contact.CompanyID == nil || *contact.CompanyID != co.ID {
		t.Fatalf("contact company = %v, want %s (linked by domain)", contact.CompanyID, co.ID)
	}

	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"acme.io", "tiny.io"}},
		{"sort=-created_at", []string{"tiny.io", "acme.io"}},
		{"domain=www.acme.io", []string{"acme.io"}},
		{"industry=software&country=DE", []string{"acme.io"}},
		{"min_employees=10", []string{"acme.io"}},
		{"max_employees=10", []string{"tiny.io"}},
		{"min_employees=0&max_employees=200", []string{"acme.io", "tiny.io"}},
	}
	for _, tt := range tests {
		pg := decode[companyPage](t, b.do(t, request{method: "GET", path: "/api/v1/companies?" + tt.query, headers: bearer(b.reader)}))
		var got []string
		for _, c := range pg.Items {
			got = append(got, c.Domain)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: domains = %v, want %v", tt.query, got, tt.want)
		}
	}

	r = b.do(t, request{method: "PATCH", path: "/api/v1/companies/" + co.ID, headers: bearer(b.admin),
		body: `{"name":"Acme GmbH","employee_count":null,"technologies":["go","postgres"]}`})
	p := decode[companyJSON](t, r)
	if r.status != 200 || p.Name != "Acme GmbH" || p.EmployeeCount != nil || len(p.Technologies) != 2 || p.Domain != "acme.io" {
		t.Fatalf("patch: %d %+v, want renamed, size cleared, technologies set, domain kept", r.status, p)
	}

	if r := b.do(t, request{method: "DELETE", path: "/api/v1/companies/" + co.ID, headers: bearer(b.admin)}); r.status != 204 {
		t.Fatalf("delete: status = %d, want 204; body %s", r.status, r.body)
	}
	got := decode[contactJSON](t, b.do(t, request{method: "GET", path: "/api/v1/contacts/" + contact.ID, headers: bearer(b.admin)}))
	if got.ID != contact.ID || got.CompanyID != nil {
		t.Errorf("contact after company delete = %+v, want kept with no company", got)
	}
}

// Every bad company request is a problem naming the field, and writes
// nothing.
func TestCompanyBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, request{method: "POST", path: "/api/v1/companies", headers: bearer(b.admin), body: `{"domain":"acme.io"}`})
	co := decode[companyJSON](t, r)
	b.do(t, request{method: "POST", path: "/api/v1/companies", headers: bearer(b.admin), body: `{"domain":"other.io"}`})
	post := func(body string) request {
		return request{method: "POST", path: "/api/v1/companies", headers: bearer(b.admin), body: body}
	}
	patch := func(body string) request {
		return request{method: "PATCH", path: "/api/v1/companies/" + co.ID, headers: bearer(b.admin), body: body}
	}
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantField  string
	}{
		{"malformed json", post(`{"domain":`), 400, ""},
		{"unknown field", post(`{"domain":"x.io","ceo":"me"}`), 422, "body"},
		{"missing domain", post(`{"name":"x"}`), 422, "body"},
		{"invalid domain", post(`{"domain":"localhost"}`), 422, "body.domain"},
		{"negative size", post(`{"domain":"x.io","employee_count":-1}`), 422, "body.employee_count"},
		{"duplicate", post(`{"domain":"www.ACME.io"}`), 409, "body.domain"},
		{"wrong scope", request{method: "POST", path: "/api/v1/companies", headers: bearer(b.reader), body: `{"domain":"x.io"}`}, 403, ""},
		{"patch taken domain", patch(`{"domain":"other.io"}`), 409, "body.domain"},
		{"patch null domain", patch(`{"domain":null}`), 422, "body.domain"},
		{"patch bad size", patch(`{"employee_count":"many"}`), 422, "body.employee_count"},
		{"patch absent", request{method: "PATCH", path: "/api/v1/companies/00000000-0000-0000-0000-000000000001", headers: bearer(b.admin), body: `{}`}, 404, ""},
		{"bad uuid", request{method: "GET", path: "/api/v1/companies/1", headers: bearer(b.admin)}, 422, "path.id"},
		{"delete wrong scope", request{method: "DELETE", path: "/api/v1/companies/" + co.ID, headers: bearer(b.reader)}, 403, ""},
		{"delete absent", request{method: "DELETE", path: "/api/v1/companies/00000000-0000-0000-0000-000000000001", headers: bearer(b.admin)}, 404, ""},
		{"bad cursor", request{method: "GET", path: "/api/v1/companies?cursor=abc", headers: bearer(b.admin)}, 400, "query.cursor"},
		{"min above max", request{method: "GET", path: "/api/v1/companies?min_employees=9&max_employees=1", headers: bearer(b.admin)}, 422, "query.min_employees"},
		{"bad domain filter", request{method: "GET", path: "/api/v1/companies?domain=nope", headers: bearer(b.admin)}, 422, "query.domain"},
	}
	before := countRows(t, b, "companies")
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
	if n := countRows(t, b, "companies"); n != before {
		t.Errorf("companies = %d after refused requests, want %d", n, before)
	}
	if got := decode[companyJSON](t, b.do(t, request{method: "GET", path: "/api/v1/companies/" + co.ID, headers: bearer(b.admin)})); got.Domain != "acme.io" {
		t.Errorf("company after refused patches = %+v, want domain acme.io", got)
	}
}
