package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/internal/auth"
)

// Every bad request gets the right 4xx problem naming the field or reason,
// never a 500, and writes nothing.
func TestBadInputAnsweredWithProblems(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()

	revoked := b.createKey(t, "revoked", auth.Admin)
	if _, err := b.auth.RevokeKey(ctx, keyID(t, b, revoked)); err != nil {
		t.Fatal(err)
	}
	expired, err := b.auth.CreateKey(ctx, auth.CreateKeyParams{Name: "soon", Scopes: []auth.Scope{auth.Admin}, ExpiresAt: ptr(time.Now().Add(150 * time.Millisecond))})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the key expire; no timing is asserted

	wellFormedUnknown := "rtgs_AAAAAAAAAAAA_" + strings.Repeat("B", 32)
	wrongSecret := revoked[:strings.LastIndex(revoked, "_")+1] + strings.Repeat("C", 32)

	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantType   string
		wantField  string // location of the first error detail, if any
	}{
		{"no credentials", request{method: "GET", path: "/api/v1/jobs"}, 401, "urn:rtgs:problem:unauthenticated", ""},
		{"basic auth scheme", request{method: "GET", path: "/api/v1/jobs", headers: map[string]string{"Authorization": "Basic YWRtaW46YWRtaW4="}}, 401, "urn:rtgs:problem:unauthenticated", ""},
		{"empty bearer", request{method: "GET", path: "/api/v1/jobs", headers: map[string]string{"Authorization": "Bearer "}}, 401, "urn:rtgs:problem:unauthenticated", ""},
		{"malformed key", request{method: "GET", path: "/api/v1/jobs", headers: bearer("rtgs_short")}, 401, "urn:rtgs:problem:unauthenticated", ""},
		{"unknown key", request{method: "GET", path: "/api/v1/jobs", headers: bearer(wellFormedUnknown)}, 401, "urn:rtgs:problem:unauthenticated", ""},
		{"wrong secret", request{method: "GET", path: "/api/v1/jobs", headers: bearer(wrongSecret)}, 401, "urn:rtgs:problem:unauthenticated", ""},
		{"huge key header", request{method: "GET", path: "/api/v1/jobs", headers: map[string]string{"X-API-Key": strings.Repeat("x", 8000)}}, 401, "urn:rtgs:problem:unauthenticated", ""},
		{"revoked key", request{method: "GET", path: "/api/v1/jobs", headers: bearer(revoked)}, 401, "urn:rtgs:problem:unauthenticated", ""},
		{"expired key", request{method: "GET", path: "/api/v1/jobs", headers: bearer(expired.Secret)}, 401, "urn:rtgs:problem:unauthenticated", ""},
		{"forged jwt", request{method: "GET", path: "/api/v1/jobs", headers: bearer("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl")}, 401, "urn:rtgs:problem:unauthenticated", ""},
		{"alg none jwt", request{method: "GET", path: "/api/v1/jobs", headers: bearer("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4Iiwic2NvcGVzIjpbImFkbWluIl19.")}, 401, "urn:rtgs:problem:unauthenticated", ""},
		{"missing scope", request{method: "POST", path: "/api/v1/api-keys", headers: bearer(b.reader), body: `{"name":"x","scopes":["admin"]}`}, 403, "urn:rtgs:problem:forbidden", ""},
		{"malformed json", request{method: "POST", path: "/api/v1/api-keys", headers: bearer(b.admin), body: `{"name":`}, 400, "", ""},
		{"wrong type", request{method: "POST", path: "/api/v1/api-keys", headers: bearer(b.admin), body: `{"name":42,"scopes":["admin"]}`}, 422, "", "body.name"},
		{"unknown field", request{method: "POST", path: "/api/v1/api-keys", headers: bearer(b.admin), body: `{"name":"x","scopes":["admin"],"owner":"me"}`}, 422, "", "body"},
		{"missing field", request{method: "POST", path: "/api/v1/api-keys", headers: bearer(b.admin), body: `{"scopes":["admin"]}`}, 422, "", "body"},
		{"unknown scope", request{method: "POST", path: "/api/v1/api-keys", headers: bearer(b.admin), body: `{"name":"x","scopes":["root"]}`}, 422, "", "body.scopes"},
		{"empty name", request{method: "POST", path: "/api/v1/api-keys", headers: bearer(b.admin), body: `{"name":"","scopes":["admin"]}`}, 422, "", "body.name"},
		{"expiry in the past", request{method: "POST", path: "/api/v1/api-keys", headers: bearer(b.admin), body: `{"name":"x","scopes":["admin"],"expires_at":"2001-01-01T00:00:00Z"}`}, 422, "urn:rtgs:problem:invalid", "body.expires_at"},
		{"oversized body", request{method: "POST", path: "/api/v1/api-keys", headers: bearer(b.admin), body: `{"name":"` + strings.Repeat("a", 100<<10) + `","scopes":["admin"]}`}, 413, "urn:rtgs:problem:too_large", ""},
		{"bad cursor", request{method: "GET", path: "/api/v1/api-keys?cursor=not-a-cursor", headers: bearer(b.admin)}, 400, "urn:rtgs:problem:invalid", "query.cursor"},
		{"bad job cursor", request{method: "GET", path: "/api/v1/jobs?cursor=%%%", headers: bearer(b.admin)}, 400, "", ""},
		{"limit too large", request{method: "GET", path: "/api/v1/jobs?limit=100000", headers: bearer(b.admin)}, 422, "", "query.limit"},
		{"unknown state", request{method: "GET", path: "/api/v1/jobs?state=exploded", headers: bearer(b.admin)}, 422, "", "query.state"},
		{"bad key id", request{method: "GET", path: "/api/v1/api-keys/not-a-uuid", headers: bearer(b.admin)}, 422, "", "path.id"},
		{"absent key id", request{method: "GET", path: "/api/v1/api-keys/00000000-0000-0000-0000-000000000001", headers: bearer(b.admin)}, 404, "urn:rtgs:problem:not_found", ""},
		{"bad job id", request{method: "GET", path: "/api/v1/jobs/abc", headers: bearer(b.admin)}, 422, "", "path.id"},
		{"absent job", request{method: "POST", path: "/api/v1/jobs/999999/cancel", headers: bearer(b.admin)}, 404, "urn:rtgs:problem:not_found", ""},
		{"unknown route", request{method: "GET", path: "/api/v1/nope", headers: bearer(b.admin)}, 404, "urn:rtgs:problem:not_found", ""},
		{"bad queue name", request{method: "POST", path: "/api/v1/queues/BAD%20NAME/pause", headers: bearer(b.admin)}, 422, "", "path.name"},
	}
	keysBefore := countRows(t, b, "api_keys")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.do(t, tt.req)
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", got.status, tt.wantStatus, got.body)
			}
			if ct := got.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Fatalf("content type = %q, want application/problem+json", ct)
			}
			if got.problem.Status != tt.wantStatus {
				t.Errorf("problem status = %d, want %d", got.problem.Status, tt.wantStatus)
			}
			if tt.wantType != "" && got.problem.Type != tt.wantType {
				t.Errorf("problem type = %q, want %q", got.problem.Type, tt.wantType)
			}
			if tt.wantField != "" {
				if len(got.problem.Errors) == 0 || !strings.HasPrefix(got.problem.Errors[0].Location, tt.wantField) {
					t.Errorf("errors = %+v, want first location %q", got.problem.Errors, tt.wantField)
				}
			}
			if tt.wantStatus == 401 && got.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	if after := countRows(t, b, "api_keys"); after != keysBefore {
		t.Fatalf("api_keys rows = %d after bad requests, want %d (nothing written)", after, keysBefore)
	}
}

// The answers for a key that does not exist and for a wrong secret of a key
// that does are byte-for-byte the same.
func TestFailedAuthDoesNotRevealKeyExistence(t *testing.T) {
	t.Parallel()
	b := setup(t)
	unknown := b.do(t, request{method: "GET", path: "/api/v1/jobs", headers: bearer("rtgs_AAAAAAAAAAAA_" + strings.Repeat("B", 32))})
	wrong := b.do(t, request{method: "GET", path: "/api/v1/jobs", headers: bearer(b.admin[:strings.LastIndex(b.admin, "_")+1] + strings.Repeat("C", 32))})
	if unknown.status != wrong.status || string(unknown.body) != string(wrong.body) {
		t.Fatalf("unknown key: %d %s; wrong secret: %d %s", unknown.status, unknown.body, wrong.status, wrong.body)
	}
}

func countRows(t *testing.T, b *testBundle, table string) int {
	t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }
