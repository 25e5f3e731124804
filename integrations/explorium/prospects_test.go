package explorium

import (
	"context"
	"net/http"
	"testing"
)

// matchProspects matches three people and returns their ids: the second is
// a no-match.
func matchProspects(t *testing.T, b *testBundle) []MatchedProspect {
	t.Helper()
	in := []ProspectInput{
		{Email: "jane.doe@acme-labs.com"},
		{Email: "nomatch@acme-labs.com"},
		{FullName: "Sam Sampleton", CompanyName: "Globex"},
	}
	got, err := b.client.MatchProspects(context.Background(), &MatchProspectsRequest{ProspectsToMatch: in})
	if err != nil {
		t.Fatalf("MatchProspects: %v", err)
	}
	if len(got.MatchedProspects) != 3 {
		t.Fatalf("got %d results, want 3", len(got.MatchedProspects))
	}
	for i, m := range got.MatchedProspects {
		if m.Input != in[i] {
			t.Errorf("result %d echoes %+v, want %+v", i, m.Input, in[i])
		}
	}
	if got.MatchedProspects[1].Matched() {
		t.Errorf("nomatch email matched")
	}
	for _, i := range []int{0, 2} {
		if id := got.MatchedProspects[i].ProspectID; !isHex(id, 40) {
			t.Errorf("prospect %d id = %q, want 40 hex", i, id)
		}
	}
	return got.MatchedProspects
}

func TestBulkContactsCreditsByContactType(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := matchProspects(t, b)
	ids := []string{m[0].ProspectID, m[2].ProspectID}
	tests := []struct {
		name        string
		types       []string
		wantCredits int64
		email       bool
	}{
		{"email only", []string{ContactEmail}, 4, true},
		{"phone only", []string{ContactPhone}, 10, false},
		{"both by default", nil, 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &BulkContactsRequest{ProspectIDs: ids}
			if tt.types != nil {
				req.Parameters = &ContactsParameters{ContactTypes: tt.types}
			}
			got, err := b.client.BulkContacts(context.Background(), req)
			if err != nil {
				t.Fatalf("BulkContacts: %v", err)
			}
			if got.CreditUsage == nil || got.CreditUsage.TotalCredits != tt.wantCredits {
				t.Errorf("credits = %+v, want %d", got.CreditUsage, tt.wantCredits)
			}
			if len(got.Data) != 2 || got.Data[0].ProspectID != ids[0] {
				t.Fatalf("data = %+v, want both prospects in order", got.Data)
			}
			jane := got.Data[0].Data
			if tt.email && (jane.ProfessionsEmail != "jane.doe@acme-labs.com" || len(jane.Emails) == 0) {
				t.Errorf("jane's contacts = %+v, want her professional email", jane)
			}
			if !tt.email && len(jane.Emails) != 0 {
				t.Errorf("phone-only answer carries emails: %+v", jane.Emails)
			}
		})
	}
}

func TestBulkProfiles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := matchProspects(t, b)
	got, err := b.client.BulkProfiles(context.Background(), &BulkProfilesRequest{ProspectIDs: []string{m[2].ProspectID, m[0].ProspectID}})
	if err != nil {
		t.Fatalf("BulkProfiles: %v", err)
	}
	sam := got.Data[0].Data
	if sam == nil || sam.FullName != "Sam Sampleton" || sam.CompanyName != "Globex" || sam.JobTitle == "" {
		t.Errorf("profile = %+v, want Sam Sampleton at Globex with a title", sam)
	}
	if got.CreditUsage.TotalCredits != 2 {
		t.Errorf("credits = %d, want 2", got.CreditUsage.TotalCredits)
	}
}

func TestInsufficientCreditsIs403(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := matchProspects(t, b)
	b.fake.SetCredits(3)
	_, err := b.client.BulkContacts(context.Background(), &BulkContactsRequest{ProspectIDs: []string{m[0].ProspectID}})
	ae := asAPIError(t, err)
	if ae.Status != http.StatusForbidden || ae.Code != CodeInsufficientCredits {
		t.Errorf("got %d %q, want 403 %s", ae.Status, ae.Code, CodeInsufficientCredits)
	}
	if b.fake.Credits() != 3 {
		t.Errorf("a refused call spent credits: %d left, want 3", b.fake.Credits())
	}

	sum, err := b.client.Credits(context.Background())
	if err != nil {
		t.Fatalf("Credits: %v", err)
	}
	if sum.RemainingCredits != 3 {
		t.Errorf("remaining = %d, want 3", sum.RemainingCredits)
	}
}

func TestFetchProspects(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got, err := b.client.FetchProspects(context.Background(), &FetchRequest{Mode: "preview", PageSize: 5, Page: 1, Filters: map[string]Filter{"job_level": {Values: []string{"vp"}}}})
	if err != nil {
		t.Fatalf("FetchProspects: %v", err)
	}
	if got.TotalResults > 0 && len(got.Data) == 0 {
		t.Fatalf("total %d but an empty first page", got.TotalResults)
	}
	for _, p := range got.Data {
		if !isHex(p.ProspectID, 40) || p.FullName == "" {
			t.Errorf("record %+v lacks id or name", p)
		}
	}
	if got.CreditUsage == nil || got.CreditUsage.TotalCredits != 0 {
		t.Errorf("preview mode credits = %+v, want 0", got.CreditUsage)
	}
}
