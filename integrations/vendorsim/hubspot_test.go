package vendorsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// hsCall sends a raw request to the HubSpot fake and decodes the JSON answer.
func hsCall(t *testing.T, srv *httptest.Server, method, path, auth, ctype, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+"/hubspot"+path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %s", method, path, data)
	}
	return resp.StatusCode, resp.Header, out
}

func hsInputs(n int) string {
	in := make([]string, n)
	for i := range in {
		in[i] = fmt.Sprintf(`{"idProperty":"email","id":"p%d@acme.com","properties":{"firstname":"P"}}`, i)
	}
	return `{"inputs":[` + strings.Join(in, ",") + `]}`
}

// TestHubSpotContract checks the fake answers as HubSpot does where the
// client does not look: error shapes, query forms, strictness.
func TestHubSpotContract(t *testing.T) {
	t.Parallel()
	sim := New(Options{}, NewHubSpot("tok"))
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	const auth, js = "Bearer tok", "application/json"
	upsert := "/crm/v3/objects/contacts/batch/upsert"
	tests := []struct {
		name, method, path, auth, ctype, body string
		status                                int
		field, want                           string
	}{
		{"no token", "POST", upsert, "", js, hsInputs(1), 401, "category", "INVALID_AUTHENTICATION"},
		{"hapikey is gone", "POST", upsert + "?hapikey=tok", "", js, hsInputs(1), 401, "status", "error"},
		{"wrong token", "POST", upsert, "Bearer nope", js, hsInputs(1), 401, "message", "Authentication credentials not found"},
		{"101 inputs", "POST", upsert, auth, js, hsInputs(101), 400, "category", "VALIDATION_ERROR"},
		{"100 inputs", "POST", upsert, auth, js, hsInputs(100), 200, "status", "COMPLETE"},
		{"idProperty in the query", "POST", upsert + "?idProperty=email", auth, js, `{"inputs":[{"id":"q@acme.com","properties":{}}]}`, 200, "status", "COMPLETE"},
		{"no idProperty", "POST", upsert, auth, js, `{"inputs":[{"id":"q@acme.com","properties":{}}]}`, 400, "message", "idProperty"},
		{"repeated id", "POST", upsert, auth, js, `{"inputs":[{"idProperty":"email","id":"a@b.co","properties":{}},{"idProperty":"email","id":"A@b.co","properties":{}}]}`, 400, "message", "Duplicate IDs"},
		{"invalid JSON", "POST", upsert, auth, js, `{"inputs":[`, 400, "category", "VALIDATION_ERROR"},
		{"unknown field", "POST", upsert, auth, js, `{"inputs":[],"extra":1}`, 400, "message", "extra"},
		{"unknown property", "POST", upsert, auth, js, `{"inputs":[{"idProperty":"email","id":"a@b.co","properties":{"shoe_size":"9"}}]}`, 400, "message", "shoe_size"},
		{"read-only property", "POST", "/crm/v3/objects/contacts/batch/create", auth, js, `{"inputs":[{"properties":{"createdate":"1"}}]}`, 400, "message", "read only"},
		{"not JSON content type", "POST", upsert, auth, "text/plain", hsInputs(1), 415, "status", "error"},
		{"date-versioned path", "POST", "/crm/objects/2026-03/companies/batch/upsert", auth, js, `{"inputs":[{"idProperty":"external_company_id","id":"c1","properties":{"name":"C"}}]}`, 200, "status", "COMPLETE"},
		{"search limit 201", "POST", "/crm/v3/objects/contacts/search", auth, js, `{"limit":201}`, 400, "message", "limit"},
		{"search past 10000", "POST", "/crm/v3/objects/contacts/search", auth, js, `{"after":"10000"}`, 400, "message", "10000"},
		{"six filter groups", "POST", "/crm/v3/objects/contacts/search", auth, js, `{"filterGroups":[{"filters":[]},{"filters":[]},{"filters":[]},{"filters":[]},{"filters":[]},{"filters":[]}]}`, 400, "message", "filter groups"},
		{"string sorts", "POST", "/crm/v3/objects/contacts/search", auth, js, `{"sorts":["-createdate"],"after":5}`, 200, "total", ""},
		{"two sorts", "POST", "/crm/v3/objects/contacts/search", auth, js, `{"sorts":["createdate","email"]}`, 400, "message", "one sorting rule"},
		{"associate over 2000", "POST", "/crm/v4/associations/contacts/companies/batch/associate/default", auth, js, `{"inputs":[` + strings.Repeat(`{"from":{"id":"1"},"to":{"id":"2"}},`, 2000) + `{"from":{"id":"1"},"to":{"id":"2"}}]}`, 400, "category", "VALIDATION_ERROR"},
		{"gdpr delete without objectId", "POST", "/crm/v3/objects/contacts/gdpr-delete", auth, js, `{"idProperty":"email"}`, 400, "category", "VALIDATION_ERROR"},
		{"gdpr delete by a property not unique", "POST", "/crm/v3/objects/contacts/gdpr-delete", auth, js, `{"objectId":"Ada","idProperty":"firstname"}`, 400, "message", "firstname"},
		{"gdpr delete unknown field", "POST", "/crm/v3/objects/contacts/gdpr-delete", auth, js, `{"objectId":"1","email":"a@b.co"}`, 400, "message", "email"},
		{"gdpr delete unknown contact", "POST", "/crm/objects/2026-03/contacts/gdpr-delete", auth, js, `{"objectId":"424242"}`, 404, "category", "OBJECT_NOT_FOUND"},
		{"association of one type", "POST", "/crm/associations/2026-03/contacts/contacts/batch/read", auth, js, `{"inputs":[]}`, 400, "category", "VALIDATION_ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := hsCall(t, srv, tt.method, tt.path, tt.auth, tt.ctype, tt.body)
			got := fmt.Sprint(body[tt.field])
			if status != tt.status || !strings.Contains(got, tt.want) {
				t.Errorf("%d %s=%q, want %d containing %q (body %v)", status, tt.field, got, tt.status, tt.want, body)
			}
			if status >= 400 && body["correlationId"] == nil {
				t.Errorf("error without correlationId: %v", body)
			}
		})
	}
}

func TestHubSpotRateHeadersAnd429(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC)}
	sim := New(Options{Now: clk.Now, Knobs: map[string]Knobs{"hubspot": {Limits: map[string][]Limit{
		"default": {{Rate: 2, Per: 10 * time.Second}, {Rate: 3, Per: 24 * time.Hour, Window: Fixed}},
	}}}}, NewHubSpot("tok"))
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	read := func() (int, http.Header, map[string]any) {
		return hsCall(t, srv, "POST", "/crm/v3/objects/contacts/batch/read", "Bearer tok", "application/json", `{"inputs":[]}`)
	}
	_, hd, _ := read()
	want := map[string]string{"X-HubSpot-RateLimit-Max": "2", "X-HubSpot-RateLimit-Remaining": "1",
		"X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Daily": "3", "X-HubSpot-RateLimit-Daily-Remaining": "2"}
	for k, v := range want {
		if hd.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, hd.Get(k), v)
		}
	}
	read()
	status, hd, body := read()
	if status != 429 || body["policyName"] != "TEN_SECONDLY_ROLLING" || body["errorType"] != "RATE_LIMIT" || hd.Get("Retry-After") != "" || hd.Get("X-HubSpot-RateLimit-Remaining") != "0" {
		t.Errorf("burst: %d %v %v", status, hd, body)
	}
	clk.Add(10 * time.Second)
	read()
	status, _, body = read()
	if status != 429 || body["policyName"] != "DAILY" {
		t.Errorf("daily: %d %v", status, body)
	}
	clk.Add(50 * time.Second) // past midnight UTC: a new day
	if status, _, _ := read(); status != 200 {
		t.Errorf("after midnight: %d, want 200", status)
	}
	_, hd, _ = hsCall(t, srv, "POST", "/crm/v3/objects/contacts/search", "Bearer tok", "application/json", `{}`)
	if hd.Get("X-HubSpot-RateLimit-Max") != "" {
		t.Error("search answers carry no rate headers")
	}
	sim.SetKnobs("hubspot", Knobs{Outage: true})
	status, _, body = read()
	if status != 503 || body["status"] != "error" || body["category"] == nil {
		t.Errorf("outage: %d %v", status, body)
	}
}

// A GDPR delete, by id or by email, answers 204 without a body and the
// contact is gone with its associations: reads and a repeat are 404s.
func TestHubSpotGDPRDelete(t *testing.T) {
	t.Parallel()
	sim := New(Options{}, NewHubSpot("tok"))
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	const auth, js = "Bearer tok", "application/json"
	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		status, _, out := hsCall(t, srv, method, path, auth, js, body)
		return status, out
	}
	_, up := call("POST", "/crm/v3/objects/contacts/batch/upsert", hsInputs(2))
	_, co := call("POST", "/crm/v3/objects/companies", `{"properties":{"name":"Acme"}}`)
	results := up["results"].([]any)
	ids := map[string]string{}
	for _, r := range results {
		o := r.(map[string]any)
		ids[o["properties"].(map[string]any)["email"].(string)] = o["id"].(string)
	}
	byID, byEmail, coID := ids["p0@acme.com"], ids["p1@acme.com"], co["id"].(string)
	if status, _ := call("POST", "/crm/v4/associations/contacts/companies/batch/associate/default",
		fmt.Sprintf(`{"inputs":[{"from":{"id":%q},"to":{"id":%q}},{"from":{"id":%q},"to":{"id":%q}}]}`, byID, coID, byEmail, coID)); status != 200 {
		t.Fatalf("associate: %d", status)
	}

	for _, body := range []string{fmt.Sprintf(`{"objectId":%q}`, byID), `{"objectId":"P1@acme.com","idProperty":"email"}`} {
		req, _ := http.NewRequest("POST", srv.URL+"/hubspot/crm/v3/objects/contacts/gdpr-delete", strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", js)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 204 || len(data) != 0 {
			t.Fatalf("gdpr delete %s: %d %q, want 204 without a body", body, resp.StatusCode, data)
		}
	}
	for _, id := range []string{byID, byEmail} {
		if status, out := call("GET", "/crm/v3/objects/contacts/"+id, ""); status != 404 || out["category"] != "OBJECT_NOT_FOUND" {
			t.Errorf("read %s after delete: %d %v, want 404 OBJECT_NOT_FOUND", id, status, out)
		}
		if status, out := call("POST", "/crm/v3/objects/contacts/gdpr-delete", fmt.Sprintf(`{"objectId":%q}`, id)); status != 404 || out["category"] != "OBJECT_NOT_FOUND" {
			t.Errorf("repeat delete of %s: %d %v, want 404", id, status, out)
		}
	}
	if status, out := call("GET", "/crm/v3/objects/contacts/p1@acme.com?idProperty=email", ""); status != 404 {
		t.Errorf("read by email after delete: %d %v, want 404", status, out)
	}
	if status, out := call("POST", "/crm/v4/associations/companies/contacts/batch/read", fmt.Sprintf(`{"inputs":[{"id":%q}]}`, coID)); status != 207 || out["numErrors"] != float64(1) {
		t.Errorf("company's associations after delete: %d %v, want none (207 NO_ASSOCIATIONS_FOUND)", status, out)
	}
	// The email index forgot the address: an upsert creates a new contact
	// (the fake keeps no blocklist of GDPR-deleted addresses).
	if status, out := call("POST", "/crm/v3/objects/contacts/batch/upsert", hsInputs(1)); status != 200 || out["results"].([]any)[0].(map[string]any)["new"] != true {
		t.Errorf("upsert after delete: %d %v, want a new contact", status, out)
	}
}
