package explorium

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"testing"
)

func TestMatchBusinessesKeepsOrderAndNulls(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	in := []BusinessInput{
		{Name: "Acme", Domain: "acme.com"},
		{Name: "Nomatch Ltd", Domain: "nomatch-ltd.com"},
		{LinkedInURL: "https://linkedin.com/company/globex"},
		{Name: "Initech", URL: "https://www.initech.io/about"},
	}
	got, err := b.client.MatchBusinesses(ctx, &MatchBusinessesRequest{BusinessesToMatch: in})
	if err != nil {
		t.Fatalf("MatchBusinesses: %v", err)
	}
	if len(got.MatchedBusinesses) != len(in) {
		t.Fatalf("got %d results, want %d", len(got.MatchedBusinesses), len(in))
	}
	for i, m := range got.MatchedBusinesses {
		if m.Input != in[i] {
			t.Errorf("result %d echoes %+v, want %+v (order kept)", i, m.Input, in[i])
		}
	}
	if got.MatchedBusinesses[1].Matched() {
		t.Errorf("nomatch domain matched: %q", got.MatchedBusinesses[1].BusinessID)
	}
	for _, i := range []int{0, 2, 3} {
		if id := got.MatchedBusinesses[i].BusinessID; !isHex(id, 32) {
			t.Errorf("result %d business_id = %q, want 32 hex", i, id)
		}
	}
	if got.TotalResults != 4 || got.TotalMatches != 3 || got.ResponseContext.RequestStatus != "success" {
		t.Errorf("totals %d/%d status %q, want 4/3 success", got.TotalResults, got.TotalMatches, got.ResponseContext.RequestStatus)
	}

	// Same domain, same id: matching is deterministic.
	again, err := b.client.MatchBusinesses(ctx, &MatchBusinessesRequest{BusinessesToMatch: []BusinessInput{{Domain: "ACME.com"}}})
	if err != nil {
		t.Fatalf("MatchBusinesses again: %v", err)
	}
	if again.MatchedBusinesses[0].BusinessID != got.MatchedBusinesses[0].BusinessID {
		t.Errorf("acme.com matched %q then %q", got.MatchedBusinesses[0].BusinessID, again.MatchedBusinesses[0].BusinessID)
	}
}

func TestFirmographics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	m, err := b.client.MatchBusinesses(ctx, &MatchBusinessesRequest{BusinessesToMatch: []BusinessInput{{Domain: "acme-labs.com"}, {Domain: "globex.com"}}})
	if err != nil {
		t.Fatalf("MatchBusinesses: %v", err)
	}
	id := m.MatchedBusinesses[0].BusinessID

	one, err := b.client.Firmographics(ctx, &FirmographicsRequest{BusinessID: id})
	if err != nil {
		t.Fatalf("Firmographics: %v", err)
	}
	if one.Data == nil || one.Data.Name != "Acme Labs" || one.Data.Website != "https://www.acme-labs.com" {
		t.Fatalf("firmographics = %+v, want Acme Labs at https://www.acme-labs.com", one.Data)
	}
	ranges := []string{"1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001-10000", "10001+"}
	if !slices.Contains(ranges, one.Data.NumberOfEmployeesRange) || one.Data.NAICS == "" || one.Data.LinkedInIndustryCategory == "" {
		t.Errorf("firmographics incomplete: %+v", one.Data)
	}
	if one.CreditUsage == nil || one.CreditUsage.TotalCredits != 1 {
		t.Errorf("credit usage = %+v, want 1 credit", one.CreditUsage)
	}

	ids := []string{id, m.MatchedBusinesses[1].BusinessID, "not-an-id"}
	bulk, err := b.client.BulkFirmographics(ctx, &BulkFirmographicsRequest{BusinessIDs: ids})
	if err != nil {
		t.Fatalf("BulkFirmographics: %v", err)
	}
	if len(bulk.Data) != 3 || bulk.Data[0].BusinessID != id || bulk.Data[2].Data != nil {
		t.Fatalf("bulk = %+v, want 3 in order, the last without data", bulk.Data)
	}
	if !reflect.DeepEqual(bulk.Data[0].Data, one.Data) {
		t.Errorf("bulk record %+v differs from single %+v", bulk.Data[0].Data, one.Data)
	}
	if bulk.CreditUsage.TotalCredits != 2 {
		t.Errorf("bulk credits = %d, want 2", bulk.CreditUsage.TotalCredits)
	}
}

func TestBatchCapsAreEnforcedBeforeCalling(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	ids := make([]string, MaxBatch+1)
	for i := range ids {
		ids[i] = fmt.Sprintf("%032x", i)
	}
	tests := []struct {
		name    string
		call    func() error
		pattern string
	}{
		{"match businesses", func() error {
			_, err := b.client.MatchBusinesses(ctx, &MatchBusinessesRequest{BusinessesToMatch: make([]BusinessInput, MaxBatch+1)})
			return err
		}, "POST /v1/businesses/match"},
		{"bulk firmographics", func() error {
			_, err := b.client.BulkFirmographics(ctx, &BulkFirmographicsRequest{BusinessIDs: ids})
			return err
		}, "POST /v1/businesses/firmographics/bulk_enrich"},
		{"match prospects", func() error {
			_, err := b.client.MatchProspects(ctx, &MatchProspectsRequest{ProspectsToMatch: make([]ProspectInput, MaxBatch+1)})
			return err
		}, "POST /v1/prospects/match"},
		{"bulk contacts", func() error {
			_, err := b.client.BulkContacts(ctx, &BulkContactsRequest{ProspectIDs: ids})
			return err
		}, "POST /v1/prospects/contacts_information/bulk_enrich"},
		{"bulk profiles", func() error {
			_, err := b.client.BulkProfiles(ctx, &BulkProfilesRequest{ProspectIDs: ids})
			return err
		}, "POST /v1/prospects/profiles/bulk_enrich"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, ErrBatchTooLarge) {
				t.Fatalf("err = %v, want ErrBatchTooLarge", err)
			}
			if ae := asAPIError(t, err); ae.Code != "batch_too_large" {
				t.Errorf("code = %q, want batch_too_large", ae.Code)
			}
			if n := b.calls(tt.pattern); n != 0 {
				t.Errorf("simulator saw %d calls, want none", n)
			}
		})
	}
}

func TestFetchBusinesses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	req := &FetchRequest{Mode: "full", Size: 1000, PageSize: 10, Page: 2, Filters: map[string]Filter{
		"country_code": {Values: []string{"us"}}, "company_size": {Values: []string{"51-200"}},
	}}
	page, err := b.client.FetchBusinesses(ctx, req)
	if err != nil {
		t.Fatalf("FetchBusinesses: %v", err)
	}
	if page.Page != 2 || len(page.Data) > 10 {
		t.Fatalf("page %d with %d records, want page 2 with at most 10", page.Page, len(page.Data))
	}
	for _, d := range page.Data {
		if !isHex(d.BusinessID, 32) || d.NumberOfEmployeesRange != "51-200" || d.CountryName != "United States" {
			t.Errorf("record %+v does not honour the filters", d)
		}
	}

	// Client-side limits refuse before calling.
	_, err = b.client.FetchBusinesses(ctx, &FetchRequest{PageSize: 101, Filters: map[string]Filter{}})
	if ae := asAPIError(t, err); ae.Status != 0 {
		t.Errorf("page_size 101: status %d, want 0 (not sent)", ae.Status)
	}
	// The older form (no page_size, size is the page) is capped at 100 by
	// Explorium: its FastAPI 422 arrives as an APIError with the item type.
	_, err = b.client.FetchBusinesses(ctx, &FetchRequest{Size: 500, Filters: map[string]Filter{}})
	ae := asAPIError(t, err)
	if ae.Status != http.StatusUnprocessableEntity || ae.Code != "value_error.number.not_le" {
		t.Errorf("size 500 without page_size: %d %q, want 422 value_error.number.not_le", ae.Status, ae.Code)
	}
}
