package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/jobs"
)

// vendorCopiesFixture gives the contact id a HubSpot id and three
// enrollments (one per template, as only one may be active per template):
// two whose leads reached lemlist campaigns, one that never reached
// lemlist (no lead id).
func (b *testBundle) vendorCopiesFixture(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE contacts SET hubspot_id = '100501' WHERE id = $1`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
WITH t AS (INSERT INTO campaign_templates (name) SELECT 't' || n FROM generate_series(1, 3) n RETURNING id, name),
     i AS (INSERT INTO campaign_instances (template_id, name, lemlist_campaign_id)
           SELECT t.id, 'wave', 'cam_' || substr(t.name, 2) FROM t RETURNING id, template_id, lemlist_campaign_id)
INSERT INTO enrollments (instance_id, template_id, contact_id, lemlist_lead_id)
SELECT i.id, i.template_id, $1, CASE WHEN i.lemlist_campaign_id <> 'cam_3' THEN 'lea_' || i.lemlist_campaign_id END FROM i`, id)
		return err
	})
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
}

// erase sends the contact's GDPR erasure and fails the test unless it
// answers status.
func (b *testBundle) erase(t *testing.T, id string, status int) {
	t.Helper()
	if r := b.do(t, request{method: "DELETE", path: "/api/v1/contacts/" + id, headers: bearer(b.admin)}); r.status != status {
		t.Fatalf("erase %s: status = %d, want %d; body %s", id, r.status, status, r.body)
	}
}

// Erasing a contact queues, in its transaction, the GDPR delete of its
// HubSpot contact and the removal of each of its lemlist leads, with vendor
// ids only in the args.
func TestEraseContactQueuesVendorErasure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	c := b.createContact(t, `{"email":"ada@analytical.example"}`)
	b.vendorCopiesFixture(t, c.ID)
	other := b.createContact(t, `{"email":"grace@navy.example"}`)

	b.erase(t, c.ID, 204)
	rows, err := b.pool.Query(ctx, `SELECT kind, queue, args::text FROM river_job WHERE kind = ANY($1) ORDER BY kind, args->>'lead_id'`,
		[]string{jobs.KindCRMContactErase, jobs.KindOutreachLeadErase})
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var kind, queue, args string
		err := r.Scan(&kind, &queue, &args)
		return kind + " " + queue + " " + args, err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`crm_contact_erase crm {"hubspot_id": "100501"}`,
		`outreach_lead_erase outreach {"lead_id": "lea_cam_1", "campaign_id": "cam_1"}`,
		`outreach_lead_erase outreach {"lead_id": "lea_cam_2", "campaign_id": "cam_2"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("vendor erasure jobs =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, needle := range []string{c.ID, c.Email} {
		if held := tablesHolding(t, b, needle); len(held) > 1 || len(held) == 1 && !strings.HasPrefix(held[0], "audit_log.target_id") {
			t.Errorf("after erasure %q is in %v", needle, held)
		}
	}

	// A contact never pushed to a vendor queues nothing.
	b.erase(t, other.ID, 204)
	if n := b.countRowsT(t, `SELECT count(*) FROM river_job WHERE kind = ANY($1)`,
		[]string{jobs.KindCRMContactErase, jobs.KindOutreachLeadErase}); n != 3 {
		t.Errorf("vendor erasure jobs after erasing a contact without copies = %d, want still 3", n)
	}
}

// When the vendor erasure jobs cannot be queued, the erasure rolls back:
// it never commits without them.
func TestEraseContactRollsBackWithoutVendorErasure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	c := b.createContact(t, `{"email":"ada@analytical.example"}`)
	b.vendorCopiesFixture(t, c.ID)
	schema := pgx.Identifier{dbtest.Schema(b.pool)}.Sanitize()
	if _, err := b.pool.Exec(ctx, `
CREATE FUNCTION `+schema+`.refuse_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'queue refused %', NEW.kind; END $$;
CREATE TRIGGER refuse_lead_erase BEFORE INSERT ON `+schema+`.river_job
FOR EACH ROW WHEN (NEW.kind = 'outreach_lead_erase') EXECUTE FUNCTION `+schema+`.refuse_job()`); err != nil {
		t.Fatal(err)
	}

	b.erase(t, c.ID, 500) // the queue refuses
	for table, want := range map[string]int{"contacts": 1, "enrollments": 3, "suppressions": 0, "audit_log": 0} {
		if n := countRows(t, b, table); n != want {
			t.Errorf("%s = %d after the failed erasure, want %d", table, n, want)
		}
	}
	if n := b.countRowsT(t, `SELECT count(*) FROM river_job WHERE kind = $1`, jobs.KindCRMContactErase); n != 0 {
		t.Errorf("crm_contact_erase jobs = %d, want 0", n)
	}

	if _, err := b.pool.Exec(ctx, `DROP TRIGGER refuse_lead_erase ON `+schema+`.river_job`); err != nil {
		t.Fatal(err)
	}
	b.erase(t, c.ID, 204)
	if n := countRows(t, b, "contacts"); n != 0 {
		t.Errorf("contacts = %d after erasure, want 0", n)
	}
}
