package hubspot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/hubspot"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

const token = "pat-na1-test"

// testBundle is a client talking to the HubSpot fake in a real simulator.
type testBundle struct {
	sim    *vendorsim.Sim
	srv    *httptest.Server
	client *hubspot.Client
}

// setup starts a simulator with the HubSpot fake (its limits lifted unless
// knobs say otherwise, so tests are not paced by them) and a client for it.
func setup(t *testing.T, knobs *vendorsim.Knobs, configure ...func(*hubspot.Config)) testBundle {
	t.Helper()
	k := vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {}, "search": {}}}
	if knobs != nil {
		k = *knobs
	}
	sim := vendorsim.New(vendorsim.Options{Seed: 1, Knobs: map[string]vendorsim.Knobs{"hubspot": k}}, vendorsim.NewHubSpot(token))
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	cfg := hubspot.Config{BaseURL: srv.URL + "/hubspot", Token: token, HTTPClient: &http.Client{Timeout: 5 * time.Second}}
	for _, f := range configure {
		f(&cfg)
	}
	c, err := hubspot.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return testBundle{sim: sim, srv: srv, client: c}
}

func contacts(n int, domain string) []hubspot.UpsertInput {
	in := make([]hubspot.UpsertInput, n)
	for i := range in {
		email := fmt.Sprintf("person%d@%s", i, domain)
		in[i] = hubspot.ContactUpsert(email, map[string]string{"firstname": fmt.Sprintf("P%d", i), "lastname": "Test"}, "")
	}
	return in
}

// twoContactsAndACompany upserts person0 and person1 at acme.com and the
// company acme-1, and returns their HubSpot ids.
func twoContactsAndACompany(t *testing.T, b testBundle) (p0, p1, co string) {
	t.Helper()
	ctx := context.Background()
	people, err := b.client.Contacts.BatchUpsert(ctx, contacts(2, "acme.com"))
	if err != nil {
		t.Fatal(err)
	}
	cos, err := b.client.Companies.BatchUpsert(ctx, []hubspot.UpsertInput{hubspot.CompanyUpsert("acme-1", map[string]string{"name": "Acme"}, "")})
	if err != nil {
		t.Fatal(err)
	}
	return people.ResultFor(0).ID, people.ResultFor(1).ID, cos.ResultFor(0).ID
}

func requireAPIError(t *testing.T, err error, status int, code string) *guard.APIError {
	t.Helper()
	var api *guard.APIError
	if !errors.As(err, &api) || api.Status != status || (code != "" && api.Code != code) {
		t.Fatalf("got %T %v, want *guard.APIError %d %s", err, err, status, code)
	}
	return api
}

func TestNewClientNamesTheSetting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  hubspot.Config
		want string
	}{
		{"no token", hubspot.Config{}, "Config.Token"},
		{"blank token", hubspot.Config{Token: "  "}, "Config.Token"},
		{"relative base URL", hubspot.Config{Token: "t", BaseURL: "api.hubapi.com"}, "Config.BaseURL"},
		{"ftp base URL", hubspot.Config{Token: "t", BaseURL: "ftp://x"}, "Config.BaseURL"},
		{"bad version", hubspot.Config{Token: "t", Version: "v2"}, "Config.Version"},
		{"negative bound", hubspot.Config{Token: "t", MaxResponseBytes: -1}, "Config.MaxResponseBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := hubspot.NewClient(tt.cfg)
			if err == nil || !contains(err.Error(), tt.want) {
				t.Errorf("NewClient: %v, want an error naming %s", err, tt.want)
			}
		})
	}
	for _, v := range []string{"", "v3", "2026-03"} {
		if _, err := hubspot.NewClient(hubspot.Config{Token: "t", Version: v}); err != nil {
			t.Errorf("version %q: %v", v, err)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
