package jobs

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

// eventBundle is a schema with one instance (lemlist campaign cam_1) whose
// template has the given stop rules, and enrollments made with enroll.
type eventBundle struct {
	tx     pgx.Tx
	schema string
	worker *rivertest.Worker[OutreachProcessEventArgs, pgx.Tx]
	inst   uuid.UUID
	tmpl   uuid.UUID
	seq    int
}

func setupEvents(t *testing.T, stopRules string) (*eventBundle, context.Context) {
	t.Helper()
	ctx := context.Background()
	tx, schema := schemaTx(t)
	b := &eventBundle{tx: tx, schema: schema}
	if err := tx.QueryRow(ctx, `INSERT INTO campaign_templates (name, settings) VALUES ('t', $1) RETURNING id`,
		`{"stop_rules":`+stopRules+`}`).Scan(&b.tmpl); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, `INSERT INTO campaign_instances (template_id, name, status, lemlist_campaign_id)
		VALUES ($1, 'i', 'active', 'cam_1') RETURNING id`, b.tmpl).Scan(&b.inst); err != nil {
		t.Fatal(err)
	}
	w := &OutreachProcessEventWorker{db: tx, hasher: contacts.NewHasher([]byte("test-key-test-key-test-key-012345")),
		now: func() time.Time { return time.Date(2026, 5, 11, 10, 0, 0, 0, time.UTC) }, logger: slog.New(slog.DiscardHandler)}
	b.worker = rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: schema}, w)
	return b, ctx
}

// enroll adds a contact at domain and its active enrollment with lemlist
// lead lead; it returns the enrollment id.
func (b *eventBundle) enroll(t *testing.T, ctx context.Context, email, domain, lead string) uuid.UUID {
	t.Helper()
	var contact, enr uuid.UUID
	if err := b.tx.QueryRow(ctx, `INSERT INTO contacts (email, domain) VALUES ($1, $2) RETURNING id`, email, domain).Scan(&contact); err != nil {
		t.Fatal(err)
	}
	if err := b.tx.QueryRow(ctx, `INSERT INTO enrollments (instance_id, template_id, contact_id, status, lemlist_lead_id, enrolled_at)
		VALUES ($1, $2, $3, 'active', $4, now()) RETURNING id`, b.inst, b.tmpl, contact, lead).Scan(&enr); err != nil {
		t.Fatal(err)
	}
	return enr
}

// deliver ingests one event as a webhook would and works its job.
func (b *eventBundle) deliver(t *testing.T, ctx context.Context, typ, lead, email string) {
	t.Helper()
	b.seq++
	id := "act_" + typ + lead + string(rune('a'+b.seq))
	ids, err := store.NewCampaignEvents(b.tx).InsertNew(ctx, []store.NewCampaignEvent{{Vendor: "lemlist", VendorEventID: id,
		CampaignID: "cam_1", LeadID: lead, Type: typ,
		Payload:    []byte(`{"_id":"` + id + `","campaignId":"cam_1","leadId":"` + lead + `","leadEmail":"` + email + `"}`),
		OccurredAt: time.Date(2026, 5, 11, 9, 0, 0, 0, time.UTC)}})
	if err != nil || len(ids) != 1 {
		t.Fatalf("insert event: %v, %v", ids, err)
	}
	if _, err := b.worker.Work(ctx, t, b.tx, OutreachProcessEventArgs{EventID: ids[0].ID}, nil); err != nil {
		t.Fatal(err)
	}
}

func (b *eventBundle) status(t *testing.T, ctx context.Context, enr uuid.UUID) (status, reason string) {
	t.Helper()
	if err := b.tx.QueryRow(ctx, `SELECT status, stop_reason FROM enrollments WHERE id = $1`, enr).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	return status, reason
}

func (b *eventBundle) suppressed(t *testing.T, ctx context.Context, email string) string {
	t.Helper()
	var reason string
	err := b.tx.QueryRow(ctx, `SELECT reason FROM suppressions WHERE kind = 'email' AND value = $1`, email).Scan(&reason)
	if err != nil && err != pgx.ErrNoRows {
		t.Fatal(err)
	}
	return reason
}

// A reply stops the enrollment; an open does not; the event is linked.
func TestProcessEventReplyStops(t *testing.T) {
	t.Parallel()
	b, ctx := setupEvents(t, `{}`)
	ana := b.enroll(t, ctx, "ana@acme.example", "acme.example", "lea_ana")
	bob := b.enroll(t, ctx, "bob@acme.example", "acme.example", "lea_bob")
	b.deliver(t, ctx, "emailsOpened", "lea_ana", "ana@acme.example")
	if st, _ := b.status(t, ctx, ana); st != "active" {
		t.Fatalf("after an open: status %s, want active", st)
	}
	b.deliver(t, ctx, "emailsReplied", "lea_ana", "ana@acme.example")
	if st, reason := b.status(t, ctx, ana); st != "stopped" || reason != "replied" {
		t.Errorf("after a reply: %s/%s, want stopped/replied", st, reason)
	}
	if st, _ := b.status(t, ctx, bob); st != "active" {
		t.Errorf("colleague without the company setting: %s, want active", st)
	}
	var linked int
	if err := b.tx.QueryRow(ctx, `SELECT count(*) FROM campaign_events WHERE enrollment_id = $1 AND contact_id IS NOT NULL
		AND processed_at IS NOT NULL`, ana).Scan(&linked); err != nil || linked != 2 {
		t.Errorf("%d events linked to the enrollment (%v), want 2", linked, err)
	}
	if r := b.suppressed(t, ctx, "ana@acme.example"); r != "" {
		t.Errorf("a reply suppressed the address (%s)", r)
	}
}

// Bounces and unsubscribes stop and suppress the address, found by email
// when lemlist's lead id is not known yet.
func TestProcessEventBounceUnsubscribe(t *testing.T) {
	t.Parallel()
	b, ctx := setupEvents(t, `{}`)
	ana := b.enroll(t, ctx, "ana@acme.example", "acme.example", "lea_ana")
	bob := b.enroll(t, ctx, "bob@acme.example", "acme.example", "lea_other")
	b.deliver(t, ctx, "emailsBounced", "lea_ana", "ana@acme.example")
	b.deliver(t, ctx, "emailsUnsubscribed", "lea_unknown", "Bob@Acme.example")
	for _, tc := range []struct {
		enr           uuid.UUID
		email, reason string
		suppress      string
	}{{ana, "ana@acme.example", "bounced", "bounced"}, {bob, "bob@acme.example", "unsubscribed", "unsubscribed"}} {
		if st, reason := b.status(t, ctx, tc.enr); st != "stopped" || reason != tc.reason {
			t.Errorf("%s: %s/%s, want stopped/%s", tc.email, st, reason, tc.reason)
		}
		if got := b.suppressed(t, ctx, tc.email); got != tc.suppress {
			t.Errorf("%s: suppression %q, want %q", tc.email, got, tc.suppress)
		}
	}
}

// With stop_company_on_reply a reply stops everyone else at the company
// (by domain), not people elsewhere.
func TestProcessEventCompanyStop(t *testing.T) {
	t.Parallel()
	b, ctx := setupEvents(t, `{"stop_company_on_reply":true}`)
	ana := b.enroll(t, ctx, "ana@acme.example", "acme.example", "lea_ana")
	bob := b.enroll(t, ctx, "bob@acme.example", "acme.example", "lea_bob")
	eve := b.enroll(t, ctx, "eve@other.example", "other.example", "lea_eve")
	b.deliver(t, ctx, "emailsReplied", "lea_ana", "ana@acme.example")
	for _, tc := range []struct {
		enr            uuid.UUID
		status, reason string
	}{{ana, "stopped", "replied"}, {bob, "stopped", "company_replied"}, {eve, "active", ""}} {
		if st, reason := b.status(t, ctx, tc.enr); st != tc.status || reason != tc.reason {
			t.Errorf("%s: %s/%s, want %s/%s", tc.enr, st, reason, tc.status, tc.reason)
		}
	}
	// Bob's lead is paused in lemlist by its own job; Ana's stopped itself.
	var mirrored []uuid.UUID
	rows, err := b.tx.Query(ctx, `SELECT (args->>'enrollment_id')::uuid FROM river_job WHERE kind = $1`, KindOutreachLeadState)
	if err == nil {
		mirrored, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	}
	if err != nil || len(mirrored) != 1 || mirrored[0] != bob {
		t.Errorf("outreach_lead_state jobs for %v (%v), want one for bob %s", mirrored, err, bob)
	}
}

// signals records what the event processing brings to workflow waits.
type signals struct{ got []string }

func (s *signals) Signal(_ context.Context, _ pgx.Tx, event, key string, _ map[string]any) (int, error) {
	s.got = append(s.got, event+" "+key)
	return 0, nil
}

// A processed event is brought to workflow waits keyed by its enrollment
// and by its contact; an event the platform does not count is not.
func TestProcessEventSignalsWaits(t *testing.T) {
	t.Parallel()
	b, ctx := setupEvents(t, `{}`)
	rec := &signals{}
	b.worker = rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema}, &OutreachProcessEventWorker{
		db: b.tx, hasher: contacts.NewHasher([]byte("test-key-test-key-test-key-012345")), waits: rec,
		now: time.Now, logger: slog.New(slog.DiscardHandler)})
	enr := b.enroll(t, ctx, "ana@acme.example", "acme.example", "lea_ana")
	var contact uuid.UUID
	if err := b.tx.QueryRow(ctx, `SELECT contact_id FROM enrollments WHERE id = $1`, enr).Scan(&contact); err != nil {
		t.Fatal(err)
	}
	b.deliver(t, ctx, "emailsReplied", "lea_ana", "ana@acme.example")
	b.deliver(t, ctx, "linkedinVisitDone", "lea_ana", "ana@acme.example")
	want := []string{"replied " + enr.String(), "replied " + contact.String()}
	if strings.Join(rec.got, ",") != strings.Join(want, ",") {
		t.Errorf("signalled %v, want %v", rec.got, want)
	}
}

// A reply processed from lemlist completes the workflow step waiting for
// it (keyed by the contact), and the run goes on.
func TestProcessEventWakesWorkflowWait(t *testing.T) {
	t.Parallel()
	wb := setupWorkflows(t)
	ctx := context.Background()
	var tmpl, inst, contact, enr uuid.UUID
	err := pgx.BeginFunc(ctx, wb.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO campaign_templates (name) VALUES ('t') RETURNING id`).Scan(&tmpl); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO campaign_instances (template_id, name, status, lemlist_campaign_id)
			VALUES ($1, 'i', 'active', 'cam_1') RETURNING id`, tmpl).Scan(&inst); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO contacts (email) VALUES ('ann@acme.example') RETURNING id`).Scan(&contact); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO enrollments (instance_id, template_id, contact_id, status, lemlist_lead_id, enrolled_at)
			VALUES ($1, $2, $3, 'active', 'lea_ann', now()) RETURNING id`, inst, tmpl, contact).Scan(&enr)
	})
	if err != nil {
		t.Fatal(err)
	}
	const replied = `workflow:
  metadata: {name: replied}
  inputs:
    contact: {type: string, required: true}
  steps:
    - id: reply
      wait: {event: replied, key: "${{ inputs.contact }}", timeout: 1h}
    - id: after
      action: echo
      inputs: {type: "${{ steps.reply.output.data.type }}"}
`
	id := wb.start(t, "replied", replied, map[string]any{"contact": contact.String()})
	wb.awaitStatus(t, id, "reply", store.StepWaiting)

	stored, err := store.NewCampaignEvents(wb.pool).InsertNew(ctx, []store.NewCampaignEvent{{Vendor: "lemlist", VendorEventID: "act_r1",
		CampaignID: "cam_1", LeadID: "lea_ann", Type: "emailsReplied", Payload: []byte(`{"_id":"act_r1"}`), OccurredAt: time.Now()}})
	if err != nil || len(stored) != 1 {
		t.Fatalf("store the event: %v %v", stored, err)
	}
	err = pgx.BeginFunc(ctx, wb.pool, func(tx pgx.Tx) error {
		w := rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: dbtest.Schema(wb.pool)}, &OutreachProcessEventWorker{
			db: tx, hasher: contacts.NewHasher([]byte("test-key-test-key-test-key-012345")), waits: wb.engine,
			now: time.Now, logger: slog.New(slog.DiscardHandler)})
		_, err := w.Work(ctx, t, tx, OutreachProcessEventArgs{EventID: stored[0].ID}, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	run, steps := wb.wait(t, id)
	if run.Status != store.RunCompleted {
		t.Fatalf("run = %s (%s), want completed after the reply", run.Status, run.Error)
	}
	if s := steps["after"]; !strings.Contains(string(s.Output), "emailsReplied") {
		t.Errorf("after = %s %s, want it to see the reply", s.Status, s.Output)
	}
}
