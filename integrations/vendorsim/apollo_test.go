package vendorsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

const apoTestKey = "apollo-test-key"

// apoServe starts a simulator with only the fake Apollo.
func apoServe(t *testing.T, fake *Apollo, knobs ...Knobs) (*httptest.Server, *Sim) {
	t.Helper()
	opts := Options{}
	if len(knobs) > 0 {
		opts.Knobs = map[string]Knobs{"apollo": knobs[0]}
	}
	sim := New(opts, fake)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return srv, sim
}

// apoCall sends body to /apollo/api/v1+path with x-api-key (key "" leaves
// it out) and returns the answer and its raw body.
func apoCall(t *testing.T, srv *httptest.Server, key, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+"/apollo/api/v1"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

func apoJSON(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("answer is not a JSON object: %q", raw)
	}
	return out
}

func TestApolloUnauthorizedIsPlainText(t *testing.T) {
	t.Parallel()
	srv, sim := apoServe(t, NewApollo(apoTestKey))
	for _, key := range []string{"", "wrong"} {
		resp, raw := apoCall(t, srv, key, "POST", "/people/match", `{"email":"a@b.com"}`)
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || !strings.HasPrefix(string(raw), "Invalid API key.") {
			t.Errorf("key %q: %d %q %q, want Apollo's text/plain 401", key, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
		}
	}
	if n := sim.Counters().Unauthorized["apollo"]; n != 2 {
		t.Errorf("%d 401s counted, want 2", n)
	}
}

func TestApolloRateHeadersAndBody(t *testing.T) {
	t.Parallel()
	srv, sim := apoServe(t, NewApollo(apoTestKey).WithPlan(ApolloFree))
	resp, _ := apoCall(t, srv, apoTestKey, "POST", "/people/match", `{"email":"tim.zheng@acme-labs.com"}`)
	want := map[string]string{
		"x-rate-limit-minute": "50", "x-minute-usage": "1", "x-minute-requests-left": "49",
		"x-rate-limit-hourly": "200", "x-hourly-usage": "1", "x-hourly-requests-left": "199",
		"x-rate-limit-daily": "600", "x-daily-usage": "1", "x-daily-requests-left": "599",
	}
	for h, v := range want {
		if got := resp.Header.Get(h); got != v {
			t.Errorf("%s = %q, want %q", h, got, v)
		}
	}
	if resp.Header.Get("Retry-After") != "" {
		t.Error("Apollo sends no Retry-After")
	}

	if err := sim.SetKnobs("apollo", Knobs{Limits: map[string][]Limit{"default": {{Rate: 1, Per: time.Hour, Window: Fixed}}}}); err != nil {
		t.Fatal(err)
	}
	apoCall(t, srv, apoTestKey, "POST", "/mixed_people/api_search", `{}`)
	resp, raw := apoCall(t, srv, apoTestKey, "POST", "/mixed_people/api_search", `{}`)
	body := apoJSON(t, raw)
	msg, _ := body["message"].(string)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("x-hourly-requests-left") != "0" || resp.Header.Get("Retry-After") != "" {
		t.Errorf("got %d %v, want 429 with the hourly window at 0 and no Retry-After", resp.StatusCode, resp.Header)
	}
	if !strings.Contains(msg, "api/v1/mixed_people/api_search is 1 times per hour") {
		t.Errorf("429 message %q, want Apollo's wording", msg)
	}
}

func TestApolloValidation(t *testing.T) {
	t.Parallel()
	srv, _ := apoServe(t, NewApollo(apoTestKey))
	eleven := `["a.com","b.com","c.com","d.com","e.com","f.com","g.com","h.com","i.com","j.com","k.com"]`
	tests := []struct {
		name, method, path, body string
	}{
		{"11 details", "POST", "/people/bulk_match", `{"details":[` + strings.Repeat(`{"email":"a@b.com"},`, 10) + `{"email":"c@d.com"}]}`},
		{"no details", "POST", "/people/bulk_match", `{"details":[]}`},
		{"phone reveal without webhook", "POST", "/people/match", `{"email":"a@b.com","reveal_phone_number":true}`},
		{"not JSON", "POST", "/people/match", `{"email":`},
		{"per_page 101", "POST", "/mixed_people/api_search", `{"per_page":101}`},
		{"page 0", "POST", "/mixed_people/api_search", `{"page":0}`},
		{"past the display limit", "POST", "/mixed_people/api_search", `{"page":501,"per_page":100}`},
		{"11 domains", "POST", "/organizations/bulk_enrich", `{"domains":` + eleven + `}`},
		{"no domain", "GET", "/organizations/enrich", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, raw := apoCall(t, srv, apoTestKey, tt.method, tt.path, tt.body)
			if body := apoJSON(t, raw); resp.StatusCode != http.StatusUnprocessableEntity || body["error"] == nil {
				t.Errorf("got %d %s, want 422 {\"error\"}", resp.StatusCode, raw)
			}
		})
	}
}

func TestApolloDeniedEndpoint(t *testing.T) {
	t.Parallel()
	fake := NewApollo(apoTestKey)
	fake.Deny("/mixed_people/api_search")
	srv, _ := apoServe(t, fake)
	resp, raw := apoCall(t, srv, apoTestKey, "POST", "/mixed_people/api_search", `{}`)
	body := apoJSON(t, raw)
	if resp.StatusCode != http.StatusForbidden || body["error_code"] != "API_INACCESSIBLE" || !strings.Contains(body["error"].(string), "api/v1/mixed_people/api_search") {
		t.Errorf("got %d %v, want 403 API_INACCESSIBLE", resp.StatusCode, body)
	}
	if resp, _ := apoCall(t, srv, apoTestKey, "POST", "/people/match", `{"email":"a@b.com"}`); resp.StatusCode != http.StatusOK {
		t.Errorf("other endpoints refused too: %d", resp.StatusCode)
	}
}

func TestApolloParamsInQueryOrBody(t *testing.T) {
	t.Parallel()
	fake := NewApollo(apoTestKey)
	srv, sim := apoServe(t, fake)
	_, fromBody := apoCall(t, srv, apoTestKey, "POST", "/people/match", `{"email":"tim.zheng@acme-labs.com"}`)
	_, fromQuery := apoCall(t, srv, apoTestKey, "POST", "/people/match?email=tim.zheng%40acme-labs.com", "")
	if !reflect.DeepEqual(apoJSON(t, fromBody), apoJSON(t, fromQuery)) {
		t.Errorf("body and query answers differ:\n%s\n%s", fromBody, fromQuery)
	}
	_, get := apoCall(t, srv, apoTestKey, "GET", "/organizations/enrich?domain=acme-labs.com", "")
	_, post := apoCall(t, srv, apoTestKey, "POST", "/organizations/enrich", `{"domain":"acme-labs.com"}`)
	if !reflect.DeepEqual(apoJSON(t, get), apoJSON(t, post)) || apoJSON(t, get)["organization"] == nil {
		t.Errorf("GET and POST organization answers differ or are empty:\n%s\n%s", get, post)
	}
	_, general := apoCall(t, srv, apoTestKey, "POST", "/people/match", `{"first_name":"Tim","last_name":"Zheng"}`)
	if body := apoJSON(t, general); body["person"] != nil {
		t.Errorf("a name alone was enriched: %s", general)
	}

	_, search := apoCall(t, srv, apoTestKey, "POST", "/mixed_people/api_search?person_titles[]=CTO&per_page=5", "")
	for _, p := range apoJSON(t, search)["people"].([]any) {
		if title := p.(map[string]any)["title"]; title != "CTO" {
			t.Errorf("query list filter ignored: title %v", title)
		}
	}

	before := fake.CreditsConsumed()
	apoCall(t, srv, apoTestKey, "POST", "/mixed_people/api_search", `{"person_titles":["CTO"]}`)
	if fake.CreditsConsumed() != before {
		t.Error("search spent credits")
	}
	sim.Reset()
	if fake.CreditsConsumed() != 0 {
		t.Errorf("after Reset %d credits spent, want 0", fake.CreditsConsumed())
	}
}
