package apollo

import (
	"context"
	"errors"
	"testing"
)

func TestMatchPerson(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name      string
		req       PersonMatchRequest
		wantName  string // "" when no one should come back
		wantEmail string
	}{
		{"by email", PersonMatchRequest{PersonDetails: PersonDetails{Email: "tim.zheng@acme-labs.com"}}, "Tim Zheng", "tim.zheng@acme-labs.com"},
		{"by name and domain", PersonMatchRequest{PersonDetails: PersonDetails{FirstName: "Jordan", LastName: "Stubbs", Domain: "globex.com"}}, "Jordan Stubbs", "jordan.stubbs@globex.com"},
		{"by name and company", PersonMatchRequest{PersonDetails: PersonDetails{Name: "Jordan Stubbs", OrganizationName: "Globex"}}, "Jordan Stubbs", "jordan.stubbs@globex.example"},
		{"name only is general information", PersonMatchRequest{PersonDetails: PersonDetails{FirstName: "Tim", LastName: "Zheng"}}, "", ""},
		{"no match", PersonMatchRequest{PersonDetails: PersonDetails{Email: "nomatch@acme-labs.com"}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := b.client.MatchPerson(context.Background(), &tt.req)
			if err != nil {
				t.Fatalf("MatchPerson: %v", err)
			}
			if tt.wantName == "" {
				if got.Person != nil {
					t.Errorf("person = %+v, want none", got.Person)
				}
				return
			}
			p := got.Person
			if p == nil {
				t.Fatal("no person")
			}
			if p.Name != tt.wantName || p.Email != tt.wantEmail || !isHex(p.ID, 24) {
				t.Errorf("person %q <%s> id %q, want %q <%s> with a 24-hex id", p.Name, p.Email, p.ID, tt.wantName, tt.wantEmail)
			}
			if p.Organization == nil || p.Organization.ID != p.OrganizationID || p.Title == "" {
				t.Errorf("person lacks title or organization: %+v", p)
			}
		})
	}
}

func TestMatchPersonIsDeterministic(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	req := &PersonMatchRequest{PersonDetails: PersonDetails{Email: "tim.zheng@acme-labs.com"}}
	first, err := b.client.MatchPerson(ctx, req)
	if err != nil {
		t.Fatalf("MatchPerson: %v", err)
	}
	other := setup(t) // a separate simulator: nothing shared but the input
	second, err := other.client.MatchPerson(ctx, req)
	if err != nil {
		t.Fatalf("MatchPerson: %v", err)
	}
	if first.Person.ID != second.Person.ID || first.Person.Title != second.Person.Title || first.Person.Organization.Industry != second.Person.Organization.Industry {
		t.Errorf("same email, different people: %+v vs %+v", first.Person, second.Person)
	}
}

func TestPhoneRevealNeedsWebhook(t *testing.T) {
	t.Parallel()
	b := setup(t)
	reveal := Reveal{RevealPhoneNumber: true}
	_, err := b.client.MatchPerson(context.Background(), &PersonMatchRequest{PersonDetails: PersonDetails{Email: "a@b.com"}, Reveal: reveal})
	if ae := asAPIError(t, err); ae.Code != "webhook_url_required" || ae.Status != 0 {
		t.Errorf("got %+v, want webhook_url_required before any call", ae)
	}
	_, err = b.client.BulkMatchPeople(context.Background(), &BulkMatchRequest{Details: []PersonDetails{{Email: "a@b.com"}}, Reveal: reveal})
	asAPIError(t, err)
	if n := b.calls("POST /api/v1/people/match") + b.calls("POST /api/v1/people/bulk_match"); n != 0 {
		t.Errorf("simulator saw %d calls, want none", n)
	}
}

func TestBulkMatchPeople(t *testing.T) {
	t.Parallel()
	b := setup(t)
	details := []PersonDetails{
		{Email: "tim.zheng@acme-labs.com"},
		{Email: "nomatch@acme-labs.com"},
		{FirstName: "Jordan", LastName: "Stubbs", Domain: "globex.com"},
	}
	got, err := b.client.BulkMatchPeople(context.Background(), &BulkMatchRequest{Details: details, Reveal: Reveal{RevealPersonalEmails: true}})
	if err != nil {
		t.Fatalf("BulkMatchPeople: %v", err)
	}
	if len(got.Matches) != 3 || got.Matches[1] != nil || got.Matches[0] == nil || got.Matches[2] == nil {
		t.Fatalf("matches = %v, want person, null, person", got.Matches)
	}
	if got.Matches[0].Email != details[0].Email || got.Matches[2].Name != "Jordan Stubbs" {
		t.Errorf("matches out of order: %q, %q", got.Matches[0].Email, got.Matches[2].Name)
	}
	if len(got.Matches[0].PersonalEmails) == 0 {
		t.Errorf("reveal_personal_emails ignored: %+v", got.Matches[0])
	}
	if got.CreditsConsumed.String() != "2" || got.MissingRecords != 1 || b.fake.CreditsConsumed() != 2 {
		t.Errorf("credits %s, missing %d, simulator spent %d; want 2, 1, 2", got.CreditsConsumed, got.MissingRecords, b.fake.CreditsConsumed())
	}

	_, err = b.client.BulkMatchPeople(context.Background(), &BulkMatchRequest{Details: make([]PersonDetails, MaxBulk+1)})
	if !errors.Is(err, ErrBatchTooLarge) {
		t.Errorf("11 details: err = %v, want ErrBatchTooLarge", err)
	}
	if n := b.calls("POST /api/v1/people/bulk_match"); n != 1 {
		t.Errorf("simulator saw %d bulk calls, want 1", n)
	}
}
