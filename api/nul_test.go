package api_test

import (
	"encoding/json"
	"testing"
)

// The NUL character, which Postgres cannot store or compare, is refused
// wherever it arrives (a JSON field at any depth, a query parameter) with
// a 422 naming where it is, instead of failing at the database with a 500.
func TestNulRefusedWithItsLocation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tt := range []struct {
		method, path, body, location string
	}{
		{"POST", "/api/v1/contacts", `{"email":"a@nul.example","first_name":"A\u0000"}`, "body.first_name"},
		{"POST", "/api/v1/contacts", `{"email":"b@nul.example","custom_fields":{"x":["ok","A\u0000"]}}`, "body.custom_fields.x[1]"},
		{"POST", "/api/v1/campaign-templates", `{"name":"N\u0000","email_sequence":[{"subject":"Hi","body":"<p>x</p>"}]}`, "body.name"},
		{"POST", "/api/v1/chat", `{"message":"hello\u0000"}`, "body.message"},
		{"POST", "/api/v1/workflow-events", `{"event":"replied","key":"k","data":{"a":"\u0000"}}`, "body.data.a"},
		{"GET", "/api/v1/jobs?kind=a%00", "", "query.kind"},
		{"GET", "/api/v1/contacts?q=a%00b", "", "query.q"},
	} {
		r := b.do(t, request{method: tt.method, path: tt.path, body: tt.body, headers: bearer(b.admin)})
		var p struct {
			Errors []struct {
				Location string `json:"location"`
			} `json:"errors"`
		}
		_ = json.Unmarshal(r.body, &p)
		if r.status != 422 || len(p.Errors) != 1 || p.Errors[0].Location != tt.location {
			t.Errorf("%s %s: %d %s, want 422 at %s", tt.method, tt.path, r.status, r.body, tt.location)
		}
	}
	if got := b.count(t, `SELECT count(*) FROM contacts WHERE email LIKE '%@nul.example'`); got != 0 {
		t.Errorf("%d contacts stored, want none", got)
	}
}
