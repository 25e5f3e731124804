package vendorsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

const explTestKey = "explorium-test-key"

// explServe starts a simulator with only the fake Explorium.
func explServe(t *testing.T, knobs ...Knobs) (*httptest.Server, *Explorium, *Sim) {
	t.Helper()
	fake := NewExplorium(explTestKey)
	opts := Options{}
	if len(knobs) > 0 {
		opts.Knobs = map[string]Knobs{"explorium": knobs[0]}
	}
	sim := New(opts, fake)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return srv, fake, sim
}

// explCall sends body to path with the api_key header (unless headers
// override it) and returns the answer with its decoded JSON.
func explCall(t *testing.T, srv *httptest.Server, method, path, body string, headers map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+"/explorium"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header["api_key"] = []string{explTestKey}
	for k, v := range headers {
		if v == "" {
			delete(req.Header, k)
			continue
		}
		req.Header[k] = []string{v}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %q", method, path, raw)
	}
	return resp, out
}

func TestExploriumAuth(t *testing.T) {
	t.Parallel()
	srv, _, _ := explServe(t)
	tests := []struct {
		name    string
		headers map[string]string
		status  int
		details string
	}{
		{"api_key header", nil, http.StatusOK, ""},
		{"upper-case header name", map[string]string{"api_key": "", "API_KEY": explTestKey}, http.StatusOK, ""},
		{"bearer token", map[string]string{"api_key": "", "Authorization": "Bearer " + explTestKey}, http.StatusOK, ""},
		{"missing", map[string]string{"api_key": ""}, http.StatusUnauthorized, "API key is missing"},
		{"wrong", map[string]string{"api_key": "nope"}, http.StatusUnauthorized, "API key is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := explCall(t, srv, "GET", "/v1/credits", "", tt.headers)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.details != "" && (!strings.Contains(fmt.Sprint(body["details"]), tt.details) || body["correlation_id"] == nil) {
				t.Errorf("401 body = %v, want details %q and a correlation_id", body, tt.details)
			}
		})
	}
}

func TestExploriumRateLimit(t *testing.T) {
	t.Parallel()
	srv, fake, sim := explServe(t, Knobs{Limits: map[string][]Limit{"default": {{Rate: 2, Per: time.Minute}}}})
	resp, _ := explCall(t, srv, "GET", "/v1/credits", "", nil)
	if resp.Header.Get("X-RateLimit-Limit") != "2" || resp.Header.Get("X-RateLimit-Remaining") != "1" {
		t.Errorf("headers %v, want limit 2 remaining 1", resp.Header)
	}
	reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	if until := time.Until(time.Unix(reset, 0)); err != nil || until < 50*time.Second || until > 61*time.Second {
		t.Errorf("X-RateLimit-Reset %q is not a unix time about a minute away", resp.Header.Get("X-RateLimit-Reset"))
	}
	explCall(t, srv, "GET", "/v1/credits", "", nil)

	resp, body := explCall(t, srv, "POST", "/v1/businesses/match", `{"businesses_to_match":[{"domain":"acme.com"}]}`, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || resp.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("status %d headers %v, want 429 with Retry-After and remaining 0", resp.StatusCode, resp.Header)
	}
	if body["error"] != "rate_limit_exceeded" || body["retry_after"] == nil || body["message"] == nil {
		t.Errorf("429 body = %v, want the rate-limit page's form", body)
	}
	fake.SetRateLimitBody(ExploriumRateLimitCode)
	_, body = explCall(t, srv, "GET", "/v1/credits", "", nil)
	if body["code"] != float64(429) || body["retry_after"] == nil || body["error"] != nil {
		t.Errorf("429 body = %v, want the error page's form", body)
	}
	if n := sim.Counters().RateLimited["explorium"]; n != 2 {
		t.Errorf("%d 429s counted, want 2", n)
	}
}

func TestExploriumValidation(t *testing.T) {
	t.Parallel()
	srv, _, _ := explServe(t)
	many := func(n int, item string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
	}
	tests := []struct {
		name, path, body, loc, typ string
	}{
		{"51 businesses", "/v1/businesses/match", `{"businesses_to_match":` + many(51, `{"domain":"a.com"}`) + `}`, "body.businesses_to_match", "value_error.list.max_items"},
		{"no businesses", "/v1/businesses/match", `{"businesses_to_match":[]}`, "body.businesses_to_match", "value_error.list.min_items"},
		{"missing list", "/v1/prospects/match", `{}`, "body.prospects_to_match", "value_error.missing"},
		{"not JSON", "/v1/prospects/match", `{"prospects_to_match":`, "body", "value_error.jsondecode"},
		{"long name", "/v1/businesses/match", `{"businesses_to_match":[{"name":"` + strings.Repeat("n", 257) + `"}]}`, "body.businesses_to_match.0.name", "value_error.any_str.max_length"},
		{"51 ids", "/v1/businesses/firmographics/bulk_enrich", `{"business_ids":` + many(51, `"x"`) + `}`, "body.business_ids", "value_error.list.max_items"},
		{"missing business_id", "/v1/businesses/firmographics/enrich", `{}`, "body.business_id", "value_error.missing"},
		{"bad contact type", "/v1/prospects/contacts_information/bulk_enrich", `{"prospect_ids":["x"],"parameters":{"contact_types":["fax"]}}`, "body.parameters.contact_types.0", "type_error.enum"},
		{"page 0", "/v1/businesses", `{"filters":{},"page":0,"page_size":10}`, "body.page", "value_error.number.not_ge"},
		{"page_size 101", "/v1/prospects", `{"filters":{},"page_size":101}`, "body.page_size", "value_error.number.not_le"},
		{"size 101 as the page", "/v1/businesses", `{"filters":{},"size":101}`, "body.size", "value_error.number.not_le"},
		{"size over 60,000", "/v1/businesses", `{"filters":{},"size":60001,"page_size":100}`, "body.size", "value_error.number.not_le"},
		{"missing filters", "/v1/businesses", `{"page_size":10}`, "body.filters", "value_error.missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := explCall(t, srv, "POST", tt.path, tt.body, nil)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			items, _ := body["detail"].([]any)
			if len(items) == 0 {
				t.Fatalf("body %v has no detail list", body)
			}
			item := items[0].(map[string]any)
			var loc []string
			for _, l := range item["loc"].([]any) {
				loc = append(loc, fmt.Sprint(l))
			}
			if strings.Join(loc, ".") != tt.loc || item["type"] != tt.typ || item["msg"] == "" {
				t.Errorf("detail %v, want loc %s type %s", item, tt.loc, tt.typ)
			}
		})
	}
	// Both fetch forms Explorium documents are accepted.
	for _, body := range []string{`{"filters":{},"size":100}`, `{"filters":{},"size":10000,"page_size":100,"page":3}`} {
		if resp, got := explCall(t, srv, "POST", "/v1/businesses", body, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %v", body, resp.StatusCode, got)
		}
	}
}
