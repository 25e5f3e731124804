package lemlist

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestAddLead(t *testing.T) {
	t.Parallel()
	b := setup(t)
	camp := b.fake.Campaigns()[0]
	lead, err := b.client.AddLead(context.Background(), camp.ID, AddLeadRequest{
		Email: "Jane@Acme.example", FirstName: "Jane", LastName: "Doe", CompanyName: "Acme",
		CompanyDomain: "acme.example", LinkedinURL: "https://www.linkedin.com/in/jane-doe-sim",
		Timezone: "Europe/Paris", Icebreaker: "Saw your talk",
		Variables: map[string]string{"painPoint": "slow onboarding", "tier": "A"},
	}, AddLeadOptions{VerifyEmail: true, FindPhone: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(lead.ID, "lea_") || !strings.HasPrefix(lead.ContactID, "ctc_") || lead.CampaignID != camp.ID || lead.CampaignName != camp.Name {
		t.Fatalf("lead ids = %+v", lead)
	}
	if lead.Email != "jane@acme.example" || lead.FirstName != "Jane" || lead.CompanyDomain != "acme.example" || lead.Timezone != "Europe/Paris" || lead.IsPaused {
		t.Fatalf("lead fields = %+v", lead)
	}
	if lead.Variables["painPoint"] != "slow onboarding" || lead.Variables["tier"] != "A" || len(lead.Variables) != 2 {
		t.Fatalf("variables = %v", lead.Variables)
	}
	stored := b.fake.Leads(camp.ID)
	if len(stored) != 1 || !stored[0].Flags["verifyEmail"] || !stored[0].Flags["findPhone"] || stored[0].Flags["deduplicate"] {
		t.Fatalf("stored = %+v", stored)
	}
	if stored[0].Variables["painPoint"] != "slow onboarding" {
		t.Fatalf("custom variables were not sent as extra keys: %+v", stored[0].Variables)
	}
}

func TestAddLeadTwiceIsRefusedAndCounted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	camp := b.campaign(0)
	req := AddLeadRequest{Email: "twice@dup.example", FirstName: "Twice"}
	first, err := b.client.AddLead(ctx, camp, req, AddLeadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.client.AddLead(ctx, camp, req, AddLeadOptions{})
	if ae := asAPIError(t, err); ae.Status != http.StatusBadRequest || !IsLeadExists(err) {
		t.Fatalf("re-add = %+v, want a 400 lead_exists", ae)
	}
	if got := b.sim.Counters().DuplicateWrites["lemlist"]["lead"]; got != 1 {
		t.Fatalf("duplicate leads counted = %d, want 1", got)
	}
	if leads := b.fake.Leads(camp); len(leads) != 1 || leads[0].ID != first.ID {
		t.Fatalf("leads = %+v", leads)
	}
	// Another campaign takes it, unless deduplicate is asked for.
	if _, err := b.client.AddLead(ctx, b.campaign(1), req, AddLeadOptions{}); err != nil {
		t.Fatalf("other campaign: %v", err)
	}
	_, err = b.client.AddLead(ctx, b.campaign(2), req, AddLeadOptions{Deduplicate: true})
	if !IsLeadExists(err) {
		t.Fatalf("deduplicate = %v, want lead_exists", err)
	}
}

func TestAddLeadLinkedInOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lead, err := b.client.AddLead(context.Background(), b.campaign(1), AddLeadRequest{
		LinkedinURL: "https://www.linkedin.com/in/no-email-sim", FirstName: "Lin",
	}, AddLeadOptions{LinkedinEnrichment: true, FindEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	if lead.Email != "" || lead.LinkedinURL == "" {
		t.Fatalf("lead = %+v", lead)
	}
}

func TestAddLeadRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name     string
		campaign string
		req      AddLeadRequest
		status   int // 0: refused by the client
		code     string
	}{
		{"no campaign id", "", AddLeadRequest{Email: "a@b.example"}, 0, CodeInvalidRequest},
		{"neither email nor LinkedIn", b.campaign(0), AddLeadRequest{FirstName: "X"}, 0, CodeInvalidRequest},
		{"variable shadows a field", b.campaign(0), AddLeadRequest{Email: "a@b.example", Variables: map[string]string{"email": "x"}}, 0, CodeInvalidRequest},
		{"unknown campaign", "cam_doesNotExist0000", AddLeadRequest{Email: "a@b.example"}, 404, CodeNotFound},
		{"invalid email", b.campaign(0), AddLeadRequest{Email: "not-an-email"}, 400, CodeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.client.AddLead(context.Background(), tt.campaign, tt.req, AddLeadOptions{})
			ae := asAPIError(t, err)
			if ae.Status != tt.status || ae.Code != tt.code {
				t.Fatalf("err = %+v, want %d %s", ae, tt.status, tt.code)
			}
			if tt.status == 404 && (!IsNotFound(err) || ae.Message != "Campaign not found") {
				t.Fatalf("err = %+v", ae)
			}
		})
	}
	if n := b.calls("POST /campaigns/{campaignId}/leads/{$}"); n != 2 {
		t.Fatalf("calls = %d, want only the two the vendor refused", n)
	}
}

func TestAddLeadRequestJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(AddLeadRequest{Email: "a@b.example", JobTitle: "CTO", Variables: map[string]string{"hook": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 3 || m["email"] != "a@b.example" || m["jobTitle"] != "CTO" || m["hook"] != "x" {
		t.Fatalf("body = %s", b)
	}
}

func TestUnsubscribeAndDeleteLead(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	c0, c1 := b.campaign(0), b.campaign(1)
	lead, err := b.client.AddLead(ctx, c0, AddLeadRequest{Email: "stop@acme.example"}, AddLeadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.client.AddLead(ctx, c1, AddLeadRequest{Email: "stop@acme.example"}, AddLeadOptions{}); err != nil {
		t.Fatal(err)
	}

	ref, err := b.client.UnsubscribeLead(ctx, c0, "stop@acme.example")
	if err != nil || ref.ID != lead.ID || ref.Email != "stop@acme.example" {
		t.Fatalf("unsubscribe = %+v, %v", ref, err)
	}
	// lemlist stops the lead in every campaign it belongs to.
	if l0, l1 := b.fake.Leads(c0), b.fake.Leads(c1); !l0[0].Unsubscribed || !l1[0].Unsubscribed {
		t.Fatalf("unsubscribed = %v %v", l0[0].Unsubscribed, l1[0].Unsubscribed)
	}

	ref, err = b.client.DeleteLead(ctx, c0, lead.ID)
	if err != nil || ref.ID != lead.ID {
		t.Fatalf("delete by id = %+v, %v", ref, err)
	}
	if _, err := b.client.DeleteLead(ctx, c1, "stop@acme.example"); err != nil {
		t.Fatalf("delete by email (legacy form): %v", err)
	}
	if len(b.fake.Leads(c0))+len(b.fake.Leads(c1)) != 0 {
		t.Fatal("leads still there")
	}
	_, err = b.client.DeleteLead(ctx, c0, lead.ID)
	if ae := asAPIError(t, err); !IsNotFound(err) || ae.Message != "Lead not found" {
		t.Fatalf("second delete = %+v", ae)
	}
	_, err = b.client.UnsubscribeLead(ctx, "cam_missing", "stop@acme.example")
	if !IsNotFound(err) {
		t.Fatalf("unknown campaign = %v", err)
	}
	if _, err := b.client.UnsubscribeLead(ctx, c0, " "); err == nil {
		t.Fatal("blank email accepted")
	}
}

// LeadsByEmail finds an address's lead in each campaign holding it (the
// case differing), and an address in none is a not-found error.
func TestLeadsByEmail(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	c0, c1 := b.campaign(0), b.campaign(1)
	want := map[string]string{}
	for _, c := range []string{c0, c1} {
		lead, err := b.client.AddLead(ctx, c, AddLeadRequest{Email: "found@acme.example"}, AddLeadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want[c] = lead.ID
	}
	if _, err := b.client.AddLead(ctx, c0, AddLeadRequest{Email: "other@acme.example"}, AddLeadOptions{}); err != nil {
		t.Fatal(err)
	}
	found, err := b.client.LeadsByEmail(ctx, "Found@Acme.example")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range found {
		got[l.Campaign.ID] = l.ID
	}
	if len(found) != 2 || got[c0] != want[c0] || got[c1] != want[c1] || found[0].Status != "running" || found[0].ContactID == "" {
		t.Errorf("found %+v, want the leads %v", found, want)
	}
	if _, err := b.client.LeadsByEmail(ctx, "nobody@acme.example"); !IsNotFound(err) {
		t.Errorf("unknown address: %v, want not found", err)
	}
	if _, err := b.client.LeadsByEmail(ctx, " "); err == nil {
		t.Error("blank email accepted")
	}
}
