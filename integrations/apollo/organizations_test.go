package apollo

import (
	"context"
	"errors"
	"testing"
)

func TestEnrichOrganization(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name    string
		post    bool
		pattern string
	}{
		{"GET with ?domain=", false, "GET /api/v1/organizations/enrich"},
		{"POST with a body", true, "POST /api/v1/organizations/enrich"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, b.srv.URL+"/apollo/api/v1", func(c *Config) { c.OrganizationEnrichPOST = tt.post })
			got, err := c.EnrichOrganization(context.Background(), "acme-labs.com")
			if err != nil {
				t.Fatalf("EnrichOrganization: %v", err)
			}
			o := got.Organization
			if o == nil || o.Name != "Acme Labs" || o.PrimaryDomain != "acme-labs.com" || !isHex(o.ID, 24) || o.EstimatedNumEmployees == 0 {
				t.Errorf("organization = %+v, want Acme Labs with an id and a size", o)
			}
			if n := b.calls(tt.pattern); n != 1 {
				t.Errorf("simulator saw %d calls on %s, want 1", n, tt.pattern)
			}
		})
	}

	got, err := b.client.EnrichOrganization(context.Background(), "nomatch.io")
	if err != nil || got.Organization != nil {
		t.Errorf("unknown domain: %+v, %v; want no organization and no error", got, err)
	}
	if _, err := b.client.EnrichOrganization(context.Background(), " "); err == nil {
		t.Error("empty domain accepted")
	}
}

func TestBulkEnrichOrganizations(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got, err := b.client.BulkEnrichOrganizations(context.Background(), &BulkOrganizationsRequest{Domains: []string{"acme-labs.com", "nomatch.io", "globex.com", "acme-labs.com"}})
	if err != nil {
		t.Fatalf("BulkEnrichOrganizations: %v", err)
	}
	domains := map[string]bool{}
	for _, o := range got.Organizations {
		domains[o.PrimaryDomain] = true
	}
	if len(got.Organizations) != 2 || !domains["acme-labs.com"] || !domains["globex.com"] {
		t.Errorf("organizations for %v, want acme-labs.com and globex.com", domains)
	}
	if got.UniqueDomains != 3 || got.MissingRecords != 1 || got.UniqueEnrichedRecords != 2 {
		t.Errorf("counts %d unique, %d missing, %d enriched; want 3, 1, 2", got.UniqueDomains, got.MissingRecords, got.UniqueEnrichedRecords)
	}

	_, err = b.client.BulkEnrichOrganizations(context.Background(), &BulkOrganizationsRequest{Domains: make([]string, MaxBulk+1)})
	if !errors.Is(err, ErrBatchTooLarge) {
		t.Errorf("11 domains: err = %v, want ErrBatchTooLarge", err)
	}
}
