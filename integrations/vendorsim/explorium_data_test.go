package vendorsim

import (
	"net/http"
	"reflect"
	"testing"
)

func TestExploriumDataIsDeterministic(t *testing.T) {
	t.Parallel()
	match := `{"businesses_to_match":[{"domain":"acme-labs.com"},{"domain":"nomatch.io"},{"name":"Globex"}]}`
	var ids [2][]any
	var firmo [2]any
	for i := range 2 { // two separate simulators share nothing but the input
		srv, _, _ := explServe(t)
		_, body := explCall(t, srv, "POST", "/v1/businesses/match", match, nil)
		for _, m := range body["matched_businesses"].([]any) {
			ids[i] = append(ids[i], m.(map[string]any)["business_id"])
		}
		id, _ := ids[i][0].(string)
		_, f := explCall(t, srv, "POST", "/v1/businesses/firmographics/enrich", `{"business_id":"`+id+`"}`, nil)
		firmo[i] = f["data"]
	}
	if !reflect.DeepEqual(ids[0], ids[1]) || !reflect.DeepEqual(firmo[0], firmo[1]) {
		t.Errorf("same inputs, different answers: %v / %v", ids, firmo)
	}
	if ids[0][1] != nil {
		t.Errorf("nomatch.io matched: %v", ids[0][1])
	}
	if id, _ := ids[0][0].(string); !explIsHex(id, 32) {
		t.Errorf("business_id %v is not 32 hex", ids[0][0])
	}
	f := firmo[0].(map[string]any)
	if f["name"] != "Acme Labs" || f["website"] != "https://www.acme-labs.com" || f["number_of_employees_range"] == "" {
		t.Errorf("firmographics %v not derived from the domain", f)
	}
}

func TestExploriumProspectEcho(t *testing.T) {
	t.Parallel()
	srv, _, _ := explServe(t)
	_, body := explCall(t, srv, "POST", "/v1/prospects/match", `{"prospects_to_match":[{"email":"jane.doe@acme-labs.com"}]}`, nil)
	m := body["matched_prospects"].([]any)[0].(map[string]any)
	want := map[string]any{"business_id": nil, "full_name": nil, "company_name": nil, "email": "jane.doe@acme-labs.com", "phone_number": nil, "linkedin": nil}
	if !reflect.DeepEqual(m["input"], want) {
		t.Errorf("input echo = %v, want all six keys with nulls", m["input"])
	}
	if id, _ := m["prospect_id"].(string); !explIsHex(id, 40) {
		t.Errorf("prospect_id %v is not 40 hex", m["prospect_id"])
	}
}

func TestExploriumCredits(t *testing.T) {
	t.Parallel()
	srv, fake, sim := explServe(t)
	id := explBusinessID("acme-labs.com")
	enrich := `{"business_ids":["` + id + `"]}`

	_, body := explCall(t, srv, "POST", "/v1/businesses/firmographics/bulk_enrich", enrich, nil)
	if _, ok := body["credit_usage"]; ok {
		t.Errorf("credit_usage without the opt-in header: %v", body)
	}
	_, body = explCall(t, srv, "POST", "/v1/businesses/firmographics/bulk_enrich", enrich, map[string]string{"credit-usage": "true"})
	if cu, _ := body["credit_usage"].(map[string]any); cu["total_credits"] != float64(1) {
		t.Errorf("credit_usage = %v, want 1 credit", body["credit_usage"])
	}
	if got := fake.Credits(); got != DefaultExploriumCredits-2 {
		t.Errorf("balance %d, want %d", got, DefaultExploriumCredits-2)
	}

	fake.SetCredits(0)
	resp, body := explCall(t, srv, "POST", "/v1/businesses/firmographics/bulk_enrich", enrich, nil)
	if resp.StatusCode != http.StatusForbidden || body["details"] == nil || body["correlation_id"] == nil {
		t.Errorf("out of credits: %d %v, want 403 with the generic error body", resp.StatusCode, body)
	}
	if resp, _ := explCall(t, srv, "POST", "/v1/businesses/match", `{"businesses_to_match":[{"domain":"a.com"}]}`, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("matching (free) refused at zero credits: %d", resp.StatusCode)
	}
	_, body = explCall(t, srv, "GET", "/v1/credits", "", nil)
	if body["remaining_credits"] != float64(0) || body["allocated_credits"] != float64(DefaultExploriumCredits) {
		t.Errorf("credits = %v", body)
	}

	sim.Reset()
	if fake.Credits() != DefaultExploriumCredits {
		t.Errorf("after Reset the balance is %d, want %d", fake.Credits(), DefaultExploriumCredits)
	}
}

func TestExploriumServerError(t *testing.T) {
	t.Parallel()
	srv, _, _ := explServe(t, Knobs{ErrorRate: 1, ErrorStatus: http.StatusServiceUnavailable})
	resp, body := explCall(t, srv, "GET", "/v1/credits", "", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || body["details"] == nil || body["correlation_id"] == nil {
		t.Errorf("got %d %v, want 503 with the generic error body", resp.StatusCode, body)
	}
}
