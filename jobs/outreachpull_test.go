package jobs

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

	"github.com/rtgs/sales-automation/integrations/lemlist"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/store"
)

// The pull catches up an activity whose webhook never came, without
// storing again (or processing again) one a webhook delivered, and moves
// its cursor; a second pull adds nothing.
func TestPullActivitiesBackfills(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx, schema := schemaTx(t)
	lem := vendorsim.NewLemlist(vendorsim.DevKey)
	srv := httptest.NewServer(vendorsim.New(vendorsim.Options{}, lem).Handler())
	t.Cleanup(srv.Close)
	client, err := lemlist.NewClient(lemlist.Config{BaseURL: srv.URL + "/lemlist", APIKey: vendorsim.DevKey})
	if err != nil {
		t.Fatal(err)
	}
	cam := lem.Campaigns()[0].ID
	req, _ := http.NewRequest("POST", srv.URL+"/lemlist/campaigns/"+cam+"/leads/", strings.NewReader(`{"email":"ana@acme.example"}`))
	req.SetBasicAuth("", vendorsim.DevKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("add lead: %v %v", resp, err)
	}
	resp.Body.Close()
	delivered, err := lem.RecordActivity(cam, "ana@acme.example", "emailsReplied")
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := activityEvent(lemlist.Activity{ID: delivered.ID, Type: delivered.Type, CreatedAt: delivered.CreatedAt,
		CampaignID: delivered.CampaignID, LeadID: delivered.LeadID})
	if _, err := store.NewCampaignEvents(tx).InsertNew(ctx, []store.NewCampaignEvent{ev}); err != nil {
		t.Fatal(err)
	}
	total := len(lem.Activities()) // adding the lead recorded some of its own

	w := &OutreachPullActivitiesWorker{db: tx, client: client, now: time.Now, logger: slog.New(slog.DiscardHandler)}
	tw := rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: schema}, w)
	count := func(q string, args ...any) int {
		var n int
		if err := tx.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for range 2 {
		if _, err := tw.Work(ctx, t, tx, OutreachPullActivitiesArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		if n := count(`SELECT count(*) FROM campaign_events`); n != total {
			t.Errorf("%d events stored, want %d", n, total)
		}
		if n := count(`SELECT count(*) FROM river_job WHERE kind = $1`, KindOutreachProcessEvent); n != total-1 {
			t.Errorf("%d processing jobs, want %d (none for the event already delivered)", n, total-1)
		}
	}
	if n := count(`SELECT count(*) FROM vendor_cursors WHERE name = $1 AND position > now() - interval '1 hour'`, lemlistActivitiesFeed); n != 1 {
		t.Errorf("cursor not advanced")
	}
}

// A listed activity holding a NUL (which Postgres cannot store) is skipped,
// not stored, so the pages after it still come in.
func TestActivityEventSkipsNul(t *testing.T) {
	at := time.Date(2026, 5, 11, 9, 0, 0, 0, time.UTC)
	if _, ok := activityEvent(lemlist.Activity{ID: "act_1", Type: "emailsReplied", CreatedAt: at, LeadFirstName: "An\x00a"}); ok {
		t.Error("an activity with a NUL was kept")
	}
	if ev, ok := activityEvent(lemlist.Activity{ID: "act_2", Type: "emailsReplied", CreatedAt: at, LeadFirstName: "Ana"}); !ok || ev.VendorEventID != "act_2" {
		t.Errorf("a plain activity: %+v, %v", ev, ok)
	}
}
