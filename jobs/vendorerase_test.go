package jobs

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/integrations/hubspot"
	"github.com/rtgs/sales-automation/integrations/lemlist"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/store"
)

// vendorEraseBundle is one vendor erasure test's world: its own
// transaction on a migrated schema, and a simulator of HubSpot and lemlist
// (limits lifted) holding one contact and one lead, with clients for it.
type vendorEraseBundle struct {
	tx        pgx.Tx
	schema    string
	srv       *httptest.Server
	sim       *vendorsim.Sim
	lem       *vendorsim.Lemlist
	hs        *hubspot.Client
	lemlist   *lemlist.Client
	hubspotID string
	lead      store.LemlistLead
}

func setupVendorErase(t *testing.T) (*vendorEraseBundle, context.Context) {
	t.Helper()
	ctx := context.Background()
	tx, schema := schemaTx(t)
	lem := vendorsim.NewLemlist(lemlistKey)
	sim := vendorsim.New(vendorsim.Options{Seed: 1, Knobs: map[string]vendorsim.Knobs{
		"hubspot": {Limits: map[string][]vendorsim.Limit{"default": {}, "search": {}}},
		"lemlist": {Limits: map[string][]vendorsim.Limit{"default": {}}},
	}}, vendorsim.NewHubSpot(hubspotToken), lem)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	hc := &http.Client{Timeout: 10 * time.Second}
	hs, err := hubspot.NewClient(hubspot.Config{BaseURL: srv.URL + "/hubspot", Token: hubspotToken, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	lc, err := lemlist.NewClient(lemlist.Config{BaseURL: srv.URL + "/lemlist", APIKey: lemlistKey, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	b := &vendorEraseBundle{tx: tx, schema: schema, srv: srv, sim: sim, lem: lem, hs: hs, lemlist: lc}
	up, err := hs.Contacts.BatchUpsert(ctx, []hubspot.UpsertInput{hubspot.ContactUpsert("ada@acme.example", map[string]string{"firstname": "Ada"}, "")})
	if err != nil {
		t.Fatal(err)
	}
	b.hubspotID = up.ResultFor(0).ID
	camp := lem.AddCampaign("erasure test", "running")
	lead, err := lc.AddLead(ctx, camp.ID, lemlist.AddLeadRequest{Email: "ada@acme.example"}, lemlist.AddLeadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.lead = store.LemlistLead{CampaignID: camp.ID, LeadID: lead.ID}
	return b, ctx
}

func (b *vendorEraseBundle) hubspotBase() string { return b.srv.URL + "/hubspot" }
func (b *vendorEraseBundle) lemlistBase() string { return b.srv.URL + "/lemlist" }

func (b *vendorEraseBundle) hubspotWorker(t *testing.T, hs *hubspot.Client) *rivertest.Worker[CRMContactEraseArgs, pgx.Tx] {
	t.Helper()
	return rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema}, &CRMContactEraseWorker{hubspot: hs})
}

func (b *vendorEraseBundle) lemlistWorker(t *testing.T, lc *lemlist.Client) *rivertest.Worker[OutreachLeadEraseArgs, pgx.Tx] {
	t.Helper()
	return rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema}, &OutreachLeadEraseWorker{lemlist: lc})
}

// The workers delete the copies from the vendors; run again, when the
// copies are gone (404), they succeed.
func TestVendorEraseDeletesCopies(t *testing.T) {
	t.Parallel()
	b, ctx := setupVendorErase(t)
	hsArgs := CRMContactEraseArgs{HubSpotID: b.hubspotID}
	lemArgs := OutreachLeadEraseArgs{CampaignID: b.lead.CampaignID, LeadID: b.lead.LeadID}
	for run := 1; run <= 2; run++ {
		res, err := b.hubspotWorker(t, b.hs).Work(ctx, t, b.tx, hsArgs, nil)
		if err != nil {
			t.Fatalf("run %d: hubspot: %v", run, err)
		}
		requireState(t, res, rivertype.JobStateCompleted)
		res, err = b.lemlistWorker(t, b.lemlist).Work(ctx, t, b.tx, lemArgs, nil)
		if err != nil {
			t.Fatalf("run %d: lemlist: %v", run, err)
		}
		requireState(t, res, rivertype.JobStateCompleted)
		if _, err := b.hs.Contacts.Get(ctx, b.hubspotID, ""); !hubspot.IsNotFound(err) {
			t.Errorf("run %d: HubSpot contact read: %v, want a 404", run, err)
		}
		if leads := b.lem.Leads(b.lead.CampaignID); len(leads) != 0 {
			t.Errorf("run %d: lemlist leads = %+v, want none", run, leads)
		}
	}
	calls := b.sim.Counters().Calls
	if n := calls["hubspot POST /crm/v3/objects/contacts/gdpr-delete"]; n != 2 {
		t.Errorf("hubspot gdpr deletes = %d, want 2", n)
	}
	if n := calls["lemlist DELETE /campaigns/{campaignId}/leads/{lead}"]; n != 2 {
		t.Errorf("lemlist deletes = %d, want 2", n)
	}
}

// Vendor errors go through VendorOutcome: a refusal cancels, an outage
// retries. A missing client fails naming the setting and retries: a
// deletion is never dropped.
func TestVendorEraseFailures(t *testing.T) {
	t.Parallel()
	retried := []rivertype.JobState{rivertype.JobStateRetryable, rivertype.JobStateAvailable}
	tests := []struct {
		name    string
		prepare func(t *testing.T, b *vendorEraseBundle) (hs *hubspot.Client, lc *lemlist.Client)
		hubspot []rivertype.JobState
		lemlist []rivertype.JobState
	}{
		{"refused", func(t *testing.T, b *vendorEraseBundle) (*hubspot.Client, *lemlist.Client) {
			hs, err := hubspot.NewClient(hubspot.Config{BaseURL: b.hubspotBase(), Token: "pat-revoked"})
			if err != nil {
				t.Fatal(err)
			}
			lc, err := lemlist.NewClient(lemlist.Config{BaseURL: b.lemlistBase(), APIKey: "revoked"})
			if err != nil {
				t.Fatal(err)
			}
			return hs, lc
		}, []rivertype.JobState{rivertype.JobStateCancelled}, []rivertype.JobState{rivertype.JobStateCancelled}},
		{"outage", func(t *testing.T, b *vendorEraseBundle) (*hubspot.Client, *lemlist.Client) {
			b.sim.SetKnobs("hubspot", vendorsim.Knobs{Outage: true})
			b.sim.SetKnobs("lemlist", vendorsim.Knobs{Outage: true})
			return b.hs, b.lemlist
		}, retried, retried},
		{"not configured", func(*testing.T, *vendorEraseBundle) (*hubspot.Client, *lemlist.Client) {
			return nil, nil
		}, retried, retried},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, ctx := setupVendorErase(t)
			hs, lc := tt.prepare(t, b)
			res, _ := b.hubspotWorker(t, hs).Work(ctx, t, b.tx, CRMContactEraseArgs{HubSpotID: b.hubspotID}, nil)
			if res == nil || !slices.Contains(tt.hubspot, res.Job.State) {
				t.Errorf("hubspot job = %+v, want state in %v", res, tt.hubspot)
			}
			res, _ = b.lemlistWorker(t, lc).Work(ctx, t, b.tx, OutreachLeadEraseArgs{CampaignID: b.lead.CampaignID, LeadID: b.lead.LeadID}, nil)
			if res == nil || !slices.Contains(tt.lemlist, res.Job.State) {
				t.Errorf("lemlist job = %+v, want state in %v", res, tt.lemlist)
			}
			b.sim.SetKnobs("hubspot", vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {}, "search": {}}})
			b.sim.SetKnobs("lemlist", vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {}}})
			if _, err := b.hs.Contacts.Get(ctx, b.hubspotID, ""); err != nil {
				t.Errorf("HubSpot contact after a failed erasure: %v, want it still there", err)
			}
			if n := len(b.lem.Leads(b.lead.CampaignID)); n != 1 {
				t.Errorf("lemlist leads after a failed erasure = %d, want 1", n)
			}
		})
	}
}

// The jobs of one copy are queued once, however many erasures name it.
func TestVendorEraseJobsAreUnique(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx, schema := schemaTx(t)
	client := insertClient(t, schema)
	copies := store.VendorCopies{HubSpotID: "501", LemlistLeads: []store.LemlistLead{
		{CampaignID: "cam_1", LeadID: "lea_1"}, {CampaignID: "cam_2", LeadID: "lea_1"}}}
	if n := len(VendorEraseJobs(store.VendorCopies{})); n != 0 {
		t.Errorf("jobs for no copies = %d, want 0", n)
	}
	for range 2 {
		if _, err := client.InsertManyTx(ctx, tx, VendorEraseJobs(copies)); err != nil {
			t.Fatal(err)
		}
	}
	var kinds string
	if err := tx.QueryRow(ctx, `SELECT string_agg(kind || '@' || queue, ',' ORDER BY kind, id) FROM river_job`).Scan(&kinds); err != nil {
		t.Fatal(err)
	}
	if want := "crm_contact_erase@crm,outreach_lead_erase@outreach,outreach_lead_erase@outreach"; kinds != want {
		t.Errorf("queued = %s, want %s", kinds, want)
	}
}
