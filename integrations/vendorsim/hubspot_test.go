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
