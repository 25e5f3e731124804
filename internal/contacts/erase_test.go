package contacts_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

// The erased hook gets the contact's vendor ids inside the erasure's
// transaction, after its queued jobs are deleted; its failure rolls the
// erasure back. A contact with no vendor copies does not call it.
func TestEraseContactHandsOverVendorCopies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	boom := errors.New("enqueue failed")
	var got []store.VendorCopies
	var jobsSeen int
	fail := true
	svc := contacts.NewService(pool, testHasher, contacts.WithContactErased(func(ctx context.Context, tx pgx.Tx, copies store.VendorCopies) error {
		got = append(got, copies)
		jobsSeen = count(t, tx, "river_job")
		if fail {
			return boom
		}
		return nil
	}))
	c, err := svc.CreateContact(ctx, contacts.ContactInput{Email: "ada@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := svc.CreateContact(ctx, contacts.ContactInput{Email: "grace@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`
WITH t AS (INSERT INTO campaign_templates (name) SELECT 't' || n FROM generate_series(1, 2) n RETURNING id, name),
     i AS (INSERT INTO campaign_instances (template_id, name, lemlist_campaign_id)
           SELECT id, 'wave', 'cam_' || substr(name, 2) FROM t RETURNING id, template_id)
INSERT INTO enrollments (instance_id, template_id, contact_id, lemlist_lead_id)
SELECT i.id, i.template_id, $1, 'lea_1' FROM i`,
		`UPDATE contacts SET hubspot_id = '501' WHERE id = $1`,
		`INSERT INTO river_job (args, kind, max_attempts, queue, state)
VALUES (jsonb_build_object('contact_id', $1::text), 'enrich_contact', 10, 'enrichment', 'available')`,
	} {
		if _, err := pool.Exec(ctx, sql, c.ID); err != nil {
			t.Fatal(err)
		}
	}

	if err := svc.EraseContact(ctx, c.ID, nil); !errors.Is(err, boom) {
		t.Fatalf("erase with a failing hook: err = %v, want the hook's error", err)
	}
	want := store.VendorCopies{HubSpotID: "501", LemlistLeads: []store.LemlistLead{
		{CampaignID: "cam_1", LeadID: "lea_1"}, {CampaignID: "cam_2", LeadID: "lea_1"}}}
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("hook got %+v, want %+v", got, want)
	}
	if jobsSeen != 0 {
		t.Errorf("hook saw %d queued jobs, want 0 (the contact's deleted before it runs)", jobsSeen)
	}
	for table, want := range map[string]int{"contacts": 2, "enrollments": 2, "river_job": 1, "suppressions": 0, "audit_log": 0} {
		if n := count(t, pool, table); n != want {
			t.Errorf("%s = %d after the failed erasure, want %d", table, n, want)
		}
	}

	fail = false
	if err := svc.EraseContact(ctx, c.ID, nil); err != nil {
		t.Fatalf("erase: %v", err)
	}
	if err := svc.EraseContact(ctx, plain.ID, nil); err != nil {
		t.Fatalf("erase a contact without vendor copies: %v", err)
	}
	if len(got) != 2 {
		t.Errorf("hook called %d times, want 2 (not for the contact without copies)", len(got))
	}
	if n := count(t, pool, "contacts"); n != 0 {
		t.Errorf("contacts = %d after erasure, want 0", n)
	}
}
