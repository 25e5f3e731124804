package lemlist

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

// addLeads adds n leads to campaign and returns how many activities the
// fake recorded.
func addLeads(t *testing.T, b *testBundle, campaign string, n int) int {
	t.Helper()
	for i := range n {
		_, err := b.client.AddLead(context.Background(), campaign, AddLeadRequest{
			Email: fmt.Sprintf("lead%02d@paging.example", i), FirstName: fmt.Sprint("Lead", i),
		}, AddLeadOptions{})
		if err != nil {
			t.Fatalf("add lead %d: %v", i, err)
		}
	}
	return len(b.fake.Activities())
}

func TestListActivitiesFilters(t *testing.T) {
	t.Parallel()
	b := setup(t, unlimited)
	ctx := context.Background()
	c0, c1 := b.campaign(0), b.campaign(1)
	before := time.Now().Add(-time.Second)
	addLeads(t, b, c0, 5)
	lead, err := b.client.AddLead(ctx, c1, AddLeadRequest{Email: "solo@filter.example"}, AddLeadOptions{})
	if err != nil {
		t.Fatal(err)
	}

	sent, err := b.client.ListActivities(ctx, ListActivitiesOptions{Type: "emailsSent", CampaignID: c0})
	if err != nil || len(sent) != 5 {
		t.Fatalf("emailsSent in c0 = %d, %v; want 5", len(sent), err)
	}
	for _, a := range sent {
		if a.CampaignID != c0 || a.Type != "emailsSent" || a.SequenceStep != 0 || !a.IsFirst || len(a.To) != 1 {
			t.Fatalf("activity = %+v", a)
		}
	}
	// Newest first.
	if !sent[0].CreatedAt.After(sent[4].CreatedAt) && !sent[0].CreatedAt.Equal(sent[4].CreatedAt) {
		t.Fatalf("order: %s before %s", sent[0].CreatedAt, sent[4].CreatedAt)
	}
	byLead, err := b.client.ListActivities(ctx, ListActivitiesOptions{LeadID: lead.ID})
	if err != nil || len(byLead) == 0 {
		t.Fatalf("by lead = %d, %v", len(byLead), err)
	}
	for _, a := range byLead {
		if a.LeadID != lead.ID || a.LeadEmail != "solo@filter.example" {
			t.Fatalf("activity = %+v", a)
		}
	}
	none, err := b.client.ListActivities(ctx, ListActivitiesOptions{MaxDate: before})
	if err != nil || len(none) != 0 {
		t.Fatalf("before any lead = %d, %v", len(none), err)
	}
	first := false
	notFirst, err := b.client.ListActivities(ctx, ListActivitiesOptions{IsFirst: &first, MinDate: before})
	if err != nil || len(notFirst) != 0 {
		t.Fatalf("isFirst=false = %d, %v", len(notFirst), err)
	}
}

func TestActivitiesIteratesEveryPage(t *testing.T) {
	t.Parallel()
	b := setup(t, unlimited)
	total := addLeads(t, b, b.campaign(0), 30)
	if total < 30 {
		t.Fatalf("fake recorded %d activities", total)
	}
	seen := map[string]bool{}
	callsBefore := b.calls("GET /activities")
	for a, err := range b.client.Activities(context.Background(), ListActivitiesOptions{Limit: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[a.ID] {
			t.Fatalf("activity %s twice", a.ID)
		}
		seen[a.ID] = true
	}
	if len(seen) != total {
		t.Fatalf("iterated %d activities, want %d", len(seen), total)
	}
	if pages, want := b.calls("GET /activities")-callsBefore, int64(total/7+1); pages != want {
		t.Fatalf("pages fetched = %d, want %d", pages, want)
	}
}

func TestActivitiesStopsEarlyAndOnError(t *testing.T) {
	t.Parallel()
	b := setup(t, unlimited)
	addLeads(t, b, b.campaign(0), 10)
	n := 0
	for range b.client.Activities(context.Background(), ListActivitiesOptions{Limit: 2}) {
		n++
		if n == 3 {
			break
		}
	}
	if got := b.calls("GET /activities"); got != 2 {
		t.Fatalf("pages fetched after an early break = %d, want 2", got)
	}

	broken := setup(t, vendorsim.Knobs{Outage: true})
	var errs int
	for _, err := range broken.client.Activities(context.Background(), ListActivitiesOptions{}) {
		asTransient(t, err)
		errs++
	}
	if errs != 1 {
		t.Fatalf("errors yielded = %d, want 1", errs)
	}
}

func TestListActivitiesLimitCap(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, limit := range []int{-1, MaxActivitiesLimit + 1} {
		_, err := b.client.ListActivities(context.Background(), ListActivitiesOptions{Limit: limit})
		if ae := asAPIError(t, err); ae.Code != CodeInvalidRequest {
			t.Fatalf("limit %d: %+v", limit, ae)
		}
	}
	if n := b.totalCalls(); n != 0 {
		t.Fatalf("%d calls reached the simulator", n)
	}
}

func TestActivitiesAreDeterministic(t *testing.T) {
	t.Parallel()
	types := func() []string {
		b := setup(t)
		addLeads(t, b, b.campaign(0), 10)
		var out []string
		for _, a := range b.fake.Activities() {
			out = append(out, a.ID+" "+a.Type+" "+a.LeadID)
		}
		return out
	}
	a, c := types(), types()
	if fmt.Sprint(a) != fmt.Sprint(c) {
		t.Fatalf("two fresh fakes disagree:\n%v\n%v", a, c)
	}
}
