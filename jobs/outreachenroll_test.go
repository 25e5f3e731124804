package jobs

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

	"github.com/rtgs/sales-automation/integrations/lemlist"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

const lemlistKey = "lem-outreach-test"

var outreachHasher = contacts.NewHasher([]byte(config.DevSuppressionKey))

// outreachBundle is one outreach test's world: its own transaction on a
// migrated schema, a lemlist simulator with its limit lifted, a client for
// it, an insert-only River client, an active instance of a two-step
// template mapped to a lemlist campaign, and a movable clock.
type outreachBundle struct {
	tx       pgx.Tx
	schema   string
	lem      *vendorsim.Lemlist
	sim      *vendorsim.Sim
	client   *lemlist.Client
	river    *river.Client[pgx.Tx]
	instance store.CampaignInstance
	campaign string
	now      time.Time
}

// lemlistSim is a lemlist simulator without rate limits, answering after
// latency, on a real listener, and a client of it.
func lemlistSim(t *testing.T, latency time.Duration) (*vendorsim.Lemlist, *vendorsim.Sim, *lemlist.Client) {
	t.Helper()
	lem := vendorsim.NewLemlist(lemlistKey)
	sim := vendorsim.New(vendorsim.Options{Seed: 1, Knobs: map[string]vendorsim.Knobs{
		"lemlist": {LatencyMin: latency, Limits: map[string][]vendorsim.Limit{"default": {}}}}}, lem)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	client, err := lemlist.NewClient(lemlist.Config{BaseURL: srv.URL + "/lemlist", APIKey: lemlistKey,
		HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return lem, sim, client
}

func setupOutreach(t *testing.T, dailyCap int) (*outreachBundle, context.Context) {
	t.Helper()
	ctx := context.Background()
	tx, schema := schemaTx(t)
	lem, sim, client := lemlistSim(t, 0)
	rc := insertClient(t, schema)
	tpl := campaigns.Template{Name: "tpl", Settings: campaigns.DefaultSettings(), Steps: []campaigns.Step{
		{Subject: "Hi {{first_name|there}}", Body: "<p>{{custom.opening_line|Hello}} at {{company}}</p>"},
		{Subject: "Re: {{company}}", Body: "<p>Bump</p>", DelayDays: 3,
			Variants: []campaigns.Variant{{Name: "A", Weight: 1}, {Name: "B", Subject: "Still there, {{first_name}}?", Weight: 3}}},
	}}
	st, err := store.NewCampaignTemplates(tx).Create(ctx, tpl)
	if err != nil {
		t.Fatal(err)
	}
	camp := lem.AddCampaign("outreach test", "running")
	instances := store.NewCampaignInstances(tx)
	inst, err := instances.Create(ctx, store.NewCampaignInstance{TemplateID: st.ID, Name: "wave", DailyCap: &dailyCap, LemlistCampaignID: &camp.ID})
	if err != nil {
		t.Fatal(err)
	}
	if inst, err = instances.Transition(ctx, inst.ID, []string{"draft"}, "active"); err != nil {
		t.Fatal(err)
	}
	return &outreachBundle{tx: tx, schema: schema, lem: lem, sim: sim, client: client, river: rc, instance: inst,
		campaign: camp.ID, now: time.Date(2026, 5, 11, 15, 0, 0, 0, time.UTC)}, ctx
}

func (b *outreachBundle) contacts(t *testing.T, ctx context.Context, n int) []uuid.UUID {
	t.Helper()
	rows, err := b.tx.Query(ctx, `INSERT INTO contacts (email, first_name, company_name, domain, custom_fields)
		SELECT 'lead' || i || '@co' || i || '.example', 'Ann' || i, 'Co ' || i, 'co' || i || '.example',
			jsonb_build_object('opening_line', 'Loved your post ' || i)
		FROM generate_series(0, $1 - 1) i ORDER BY i RETURNING id`, n)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (b *outreachBundle) enroll(t *testing.T, ctx context.Context, ids ...uuid.UUID) EnrollResult {
	t.Helper()
	sp, err := b.tx.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := EnrollContacts(ctx, sp, b.river, outreachHasher, EnrollInput{InstanceID: b.instance.ID, ContactIDs: ids})
	if err != nil {
		t.Fatalf("EnrollContacts: %v", err)
	}
	if err := sp.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return res
}

func (b *outreachBundle) worker(t *testing.T) *rivertest.Worker[OutreachEnrollArgs, pgx.Tx] {
	t.Helper()
	w := &OutreachEnrollWorker{db: b.tx, lemlist: b.client, hasher: outreachHasher,
		now: func() time.Time { return b.now }, logger: slog.New(slog.DiscardHandler)}
	return rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema}, w)
}

func (b *outreachBundle) enrollment(t *testing.T, ctx context.Context, id uuid.UUID) store.Enrollment {
	t.Helper()
	e, err := store.NewEnrollments(b.tx).Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// outreach_enroll adds the lead with its rendered steps, stores the lead
// id, and a repeat after a crash (the lead already in lemlist) adds
// nothing twice and looks the lead's id up; a contact suppressed after enrolling is stopped without
// a call.
func TestOutreachEnrollSendsLead(t *testing.T) {
	t.Parallel()
	b, ctx := setupOutreach(t, 100)
	ids := b.contacts(t, ctx, 2)
	res := b.enroll(t, ctx, ids...)
	if len(res.Enrolled) != 2 {
		t.Fatalf("enrolled = %d, want 2", len(res.Enrolled))
	}
	w := b.worker(t)
	e0 := res.Enrolled[0]
	if r, err := w.Work(ctx, t, b.tx, OutreachEnrollArgs{EnrollmentID: e0.ID}, nil); err != nil || r.EventKind != river.EventKindJobCompleted {
		t.Fatalf("work: %v %v", r, err)
	}
	leads := b.lem.Leads(b.campaign)
	if len(leads) != 1 {
		t.Fatalf("lemlist leads = %d, want 1", len(leads))
	}
	ld := leads[0]
	n := strings.TrimPrefix(strings.Split(ld.Email, "@")[0], "lead")
	if ld.Variables["step1Subject"] != "Hi Ann"+n || ld.Variables["step1Body"] != "<p>Loved your post "+n+" at Co "+n+"</p>" {
		t.Errorf("rendered step 1 = %q / %q", ld.Variables["step1Subject"], ld.Variables["step1Body"])
	}
	got := b.enrollment(t, ctx, e0.ID)
	if got.Status != "active" || got.LemlistLeadID == nil || *got.LemlistLeadID != ld.ID || got.EnrolledAt == nil ||
		!strings.HasPrefix(got.Variant, "2:") {
		t.Errorf("enrollment = %+v, want active with lead %s and a step-2 variant", got, ld.ID)
	}
	step2 := ld.Variables["step2Subject"]
	if (got.Variant == "2:A") != (step2 == "Re: Co "+n) {
		t.Errorf("variant %s but step 2 subject %q", got.Variant, step2)
	}

	// A crash after lemlist's answer: the row never recorded it.
	if _, err := b.tx.Exec(ctx, `UPDATE enrollments SET status = 'pending', lemlist_lead_id = NULL, enrolled_at = NULL WHERE id = $1`, e0.ID); err != nil {
		t.Fatal(err)
	}
	if r, err := w.Work(ctx, t, b.tx, OutreachEnrollArgs{EnrollmentID: e0.ID}, nil); err != nil || r.EventKind != river.EventKindJobCompleted {
		t.Fatalf("repeat: %v %v", r, err)
	}
	if n := len(b.lem.Leads(b.campaign)); n != 1 {
		t.Errorf("leads after repeat = %d, want 1", n)
	}
	if got := b.enrollment(t, ctx, e0.ID); got.Status != "active" || got.EnrolledAt == nil ||
		got.LemlistLeadID == nil || *got.LemlistLeadID != ld.ID {
		t.Errorf("after repeat = %+v, want active with lead %s looked up", got, ld.ID)
	}

	// Suppressed between enrollment and job: stopped, no call.
	e1 := res.Enrolled[1]
	c, err := store.NewContacts(b.tx).ByID(ctx, e1.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.NewSuppressions(b.tx).Add(ctx, store.Suppression{Kind: "domain", Value: &c.Domain,
		ValueHash: outreachHasher.Hash("domain", c.Domain), Reason: "bounced"}); err != nil {
		t.Fatal(err)
	}
	calls := b.sim.Counters().Calls["lemlist POST /campaigns/{campaignId}/leads/{$}"]
	if r, err := w.Work(ctx, t, b.tx, OutreachEnrollArgs{EnrollmentID: e1.ID}, nil); err != nil || r.EventKind != river.EventKindJobCompleted {
		t.Fatalf("suppressed: %v %v", r, err)
	}
	if got := b.enrollment(t, ctx, e1.ID); got.Status != "stopped" || got.StopReason != "bounced" {
		t.Errorf("suppressed enrollment = %s/%s, want stopped/bounced", got.Status, got.StopReason)
	}
	if after := b.sim.Counters().Calls["lemlist POST /campaigns/{campaignId}/leads/{$}"]; after != calls {
		t.Errorf("lemlist calls %d → %d, want none for a suppressed contact", calls, after)
	}
}

// Over the daily cap the job snoozes to the next UTC midnight; a paused
// instance snoozes without sending; the next day the lead goes out.
func TestOutreachEnrollDailyCap(t *testing.T) {
	t.Parallel()
	b, ctx := setupOutreach(t, 1)
	res := b.enroll(t, ctx, b.contacts(t, ctx, 2)...)
	w := b.worker(t)
	if r, err := w.Work(ctx, t, b.tx, OutreachEnrollArgs{EnrollmentID: res.Enrolled[0].ID}, nil); err != nil || r.EventKind != river.EventKindJobCompleted {
		t.Fatalf("first: %v %v", r, err)
	}
	r, err := w.Work(ctx, t, b.tx, OutreachEnrollArgs{EnrollmentID: res.Enrolled[1].ID}, nil)
	if err != nil || r.EventKind != river.EventKindJobSnoozed {
		t.Fatalf("over cap: %v %v, want snoozed", r, err)
	}
	if got := b.enrollment(t, ctx, res.Enrolled[1].ID); got.Status != "pending" {
		t.Errorf("over cap: status %s, want pending (never dropped)", got.Status)
	}
	if n := len(b.lem.Leads(b.campaign)); n != 1 {
		t.Errorf("leads = %d, want 1", n)
	}
	if got := campaigns.UntilNextCapDay(b.now); got != 9*time.Hour {
		t.Errorf("wait = %s, want 9h to midnight UTC", got)
	}

	b.now = b.now.Add(9 * time.Hour) // the next UTC day
	if _, err := store.NewCampaignInstances(b.tx).Transition(ctx, b.instance.ID, []string{"active"}, "paused"); err != nil {
		t.Fatal(err)
	}
	if r, err := w.Work(ctx, t, b.tx, OutreachEnrollArgs{EnrollmentID: res.Enrolled[1].ID}, nil); err != nil || r.EventKind != river.EventKindJobSnoozed {
		t.Fatalf("paused instance: %v %v, want snoozed", r, err)
	}
	if _, err := store.NewCampaignInstances(b.tx).Transition(ctx, b.instance.ID, []string{"paused"}, "active"); err != nil {
		t.Fatal(err)
	}
	// Midnight UTC opens the cap but not the sending window (09:00).
	if r, err := w.Work(ctx, t, b.tx, OutreachEnrollArgs{EnrollmentID: res.Enrolled[1].ID}, nil); err != nil || r.EventKind != river.EventKindJobSnoozed {
		t.Fatalf("next day before the window: %v %v, want snoozed", r, err)
	}
	b.now = b.now.Add(9 * time.Hour)
	if r, err := w.Work(ctx, t, b.tx, OutreachEnrollArgs{EnrollmentID: res.Enrolled[1].ID}, nil); err != nil || r.EventKind != river.EventKindJobCompleted {
		t.Fatalf("next day: %v %v", r, err)
	}
	if n := len(b.lem.Leads(b.campaign)); n != 2 {
		t.Errorf("leads = %d, want 2", n)
	}
}

// A lead waits for the sending window on its own clock: 18:00 in New York
// snoozes the job until 09:00 there the next morning, without a lemlist
// call or a daily-cap slot; in the window it goes out.
func TestOutreachEnrollSendingWindow(t *testing.T) {
	t.Parallel()
	b, ctx := setupOutreach(t, 100)
	ids := b.contacts(t, ctx, 1)
	if _, err := b.tx.Exec(ctx, `UPDATE contacts SET timezone = 'America/New_York' WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	id := b.enroll(t, ctx, ids...).Enrolled[0].ID
	w := b.worker(t)
	b.now = time.Date(2026, 5, 11, 22, 0, 0, 0, time.UTC) // Monday 18:00 in New York
	calls := b.sim.Counters().Calls["lemlist POST /campaigns/{campaignId}/leads/{$}"]
	before := time.Now()
	r, err := w.Work(ctx, t, b.tx, OutreachEnrollArgs{EnrollmentID: id}, nil)
	if err != nil || r.EventKind != river.EventKindJobSnoozed {
		t.Fatalf("after hours: %v %v, want snoozed", r, err)
	}
	// Tuesday 09:00 in New York is 13:00 UTC: 15 hours on.
	if wait := r.Job.ScheduledAt.Sub(before); wait < 15*time.Hour-time.Minute || wait > 15*time.Hour+time.Minute {
		t.Errorf("snoozed for %s, want 15h (until 09:00 in New York)", wait)
	}
	if e := b.enrollment(t, ctx, id); e.Status != "pending" || e.SendDay != nil {
		t.Errorf("after hours: status %s, send day %v; want pending without a cap slot", e.Status, e.SendDay)
	}
	if after := b.sim.Counters().Calls["lemlist POST /campaigns/{campaignId}/leads/{$}"]; after != calls {
		t.Errorf("lemlist calls %d → %d, want none outside the window", calls, after)
	}
	b.now = time.Date(2026, 5, 12, 13, 0, 0, 0, time.UTC)
	if r, err := w.Work(ctx, t, b.tx, OutreachEnrollArgs{EnrollmentID: id}, nil); err != nil || r.EventKind != river.EventKindJobCompleted {
		t.Fatalf("in the window: %v %v", r, err)
	}
	if n := len(b.lem.Leads(b.campaign)); n != 1 {
		t.Errorf("leads = %d, want 1", n)
	}
}

// Pause, resume and unenroll reach lemlist; creating and pausing an
// instance's campaign does too.
func TestOutreachLeadAndCampaignState(t *testing.T) {
	t.Parallel()
	b, ctx := setupOutreach(t, 100)
	res := b.enroll(t, ctx, b.contacts(t, ctx, 1)...)
	id := res.Enrolled[0].ID
	if _, err := b.worker(t).Work(ctx, t, b.tx, OutreachEnrollArgs{EnrollmentID: id}, nil); err != nil {
		t.Fatal(err)
	}
	lw := rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema}, &OutreachLeadStateWorker{db: b.tx, lemlist: b.client})
	enr := store.NewEnrollments(b.tx)
	for _, step := range []struct {
		from           []string
		to, reason     string
		paused, exists bool
	}{
		{[]string{"active"}, "paused", "", true, true},
		{[]string{"paused"}, "", "", false, true},
		{[]string{"active"}, "stopped", campaigns.ReasonUnenrolled, false, false},
	} {
		if _, err := enr.Transition(ctx, id, step.from, step.to, step.reason, b.now); err != nil {
			t.Fatal(err)
		}
		if r, err := lw.Work(ctx, t, b.tx, OutreachLeadStateArgs{EnrollmentID: id}, nil); err != nil || r.EventKind != river.EventKindJobCompleted {
			t.Fatalf("to %q: %v %v", step.to, r, err)
		}
		leads := b.lem.Leads(b.campaign)
		if (len(leads) == 1) != step.exists || (step.exists && leads[0].IsPaused != step.paused) {
			t.Errorf("after %q: leads %+v, want exists %v paused %v", step.to, leads, step.exists, step.paused)
		}
	}

	// An instance without a lemlist campaign gets one, paused while draft.
	inst, err := store.NewCampaignInstances(b.tx).Create(ctx, store.NewCampaignInstance{TemplateID: b.instance.TemplateID, Name: "fresh"})
	if err != nil {
		t.Fatal(err)
	}
	cw := rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema},
		&OutreachCampaignSyncWorker{db: b.tx, lemlist: b.client, logger: slog.New(slog.DiscardHandler)})
	for range 2 { // a repeat creates nothing more
		if r, err := cw.Work(ctx, t, b.tx, OutreachCampaignSyncArgs{InstanceID: inst.ID}, nil); err != nil || r.EventKind != river.EventKindJobCompleted {
			t.Fatalf("campaign sync: %v %v", r, err)
		}
	}
	got, err := store.NewCampaignInstances(b.tx).Get(ctx, inst.ID)
	if err != nil || got.LemlistCampaignID == nil {
		t.Fatalf("instance = %+v, %v; want a lemlist campaign", got, err)
	}
	var found []vendorsim.LemlistCampaign
	for _, c := range b.lem.Campaigns() {
		if c.Name == "fresh" {
			found = append(found, c)
		}
	}
	if len(found) != 1 || found[0].ID != *got.LemlistCampaignID || found[0].Status != "paused" {
		t.Errorf("lemlist campaigns named fresh = %+v, want one, paused", found)
	}
	// Its sequence has the template's steps, once, as the leads' variables.
	seqs, err := b.client.CampaignSequences(ctx, *got.LemlistCampaignID)
	if err != nil || len(seqs) != 1 || len(seqs[0].Steps) != 2 {
		t.Fatalf("sequences of the created campaign: %+v, %v; want one of 2 steps", seqs, err)
	}
	if st := seqs[0].Steps; st[0].Subject != "{{step1Subject}}" || st[0].Message != "{{step1Body}}" ||
		st[1].Subject != "{{step2Subject}}" || st[1].Delay != 3 {
		t.Errorf("steps %+v, want the step variables with the template's delays", st)
	}
	// Its schedule is the template's sending window (09:00-17:00 Monday to
	// Friday, UTC), written over the default lemlist made with it.
	skd := b.lem.CampaignSchedules(*got.LemlistCampaignID)
	if len(skd) != 1 || skd[0].Start != "09:00" || skd[0].End != "17:00" || skd[0].Timezone != "UTC" ||
		!slices.Equal(skd[0].Weekdays, []int{1, 2, 3, 4, 5}) {
		t.Errorf("schedules of the created campaign %+v, want the sending window", skd)
	}
	// A mapped campaign's sequence and schedule are the user's: left alone.
	if r, err := cw.Work(ctx, t, b.tx, OutreachCampaignSyncArgs{InstanceID: b.instance.ID}, nil); err != nil || r.EventKind != river.EventKindJobCompleted {
		t.Fatalf("campaign sync of the mapped instance: %v %v", r, err)
	}
	if seqs, err := b.client.CampaignSequences(ctx, b.campaign); err != nil || len(seqs) != 1 || len(seqs[0].Steps) != 0 {
		t.Errorf("mapped campaign's sequences %+v, %v; want untouched", seqs, err)
	}
	if skd := b.lem.CampaignSchedules(b.campaign); len(skd) != 1 || skd[0].End != "18:00" || skd[0].Timezone != "Europe/Paris" {
		t.Errorf("mapped campaign's schedules %+v, want lemlist's default", skd)
	}
}

// campaignSync is an outreach_campaign_sync worker over a lemlist
// simulator answering after latency.
type campaignSync struct {
	pool   *pgxpool.Pool
	lem    *vendorsim.Lemlist
	client *lemlist.Client
	rw     *rivertest.Worker[OutreachCampaignSyncArgs, pgx.Tx]
}

func newCampaignSync(t *testing.T, latency time.Duration) *campaignSync {
	t.Helper()
	pool := dbtest.Pool(t)
	lem, _, client := lemlistSim(t, latency)
	w := &OutreachCampaignSyncWorker{db: pool, lemlist: client, logger: slog.New(slog.DiscardHandler)}
	return &campaignSync{pool: pool, lem: lem, client: client,
		rw: rivertest.NewWorker(t, riverpgxv5.New(pool), &river.Config{Schema: dbtest.Schema(pool)}, w)}
}

// instance makes a template of steps with settings and an instance of it
// whose lemlist campaign the platform created.
func (c *campaignSync) instance(t *testing.T, name string, settings campaigns.Settings, steps []campaigns.Step) (store.CampaignTemplate, uuid.UUID, string) {
	t.Helper()
	ctx := context.Background()
	tpl, err := store.NewCampaignTemplates(c.pool).Create(ctx, campaigns.Template{Name: name, Settings: settings, Steps: steps})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := store.NewCampaignInstances(c.pool).Create(ctx, store.NewCampaignInstance{TemplateID: tpl.ID, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	campaign, err := store.NewCampaignInstances(c.pool).SetLemlistCampaign(ctx, inst.ID, c.lem.AddCampaign(name, "running").ID)
	if err != nil {
		t.Fatal(err)
	}
	return tpl, inst.ID, campaign
}

// run works a sync job of instance until it completes; a snooze is
// another job holding the setup.
func (c *campaignSync) run(t *testing.T, instance uuid.UUID) error {
	ctx := context.Background()
	for range 50 {
		tx, err := c.pool.Begin(ctx)
		if err != nil {
			return err
		}
		r, err := c.rw.Work(ctx, t, tx, OutreachCampaignSyncArgs{InstanceID: instance}, nil)
		if cerr := tx.Commit(ctx); err == nil {
			err = cerr
		}
		if err != nil || r.EventKind == river.EventKindJobCompleted {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("never completed")
}

// The sync jobs of an instance's creation and activation run at once on
// two workers while lemlist is slow: the campaign is created once and its
// sequence written once (one job sets it up, the other waits for it).
func TestOutreachCampaignSyncConcurrent(t *testing.T) {
	t.Parallel()
	c := newCampaignSync(t, 30*time.Millisecond)
	// The first job created the campaign; now two race over its setup.
	_, inst, campaign := c.instance(t, "racing", campaigns.DefaultSettings(), []campaigns.Step{
		{Subject: "One", Body: "<p>1</p>"}, {Subject: "Two", Body: "<p>2</p>", DelayDays: 2},
		{Subject: "Three", Body: "<p>3</p>", DelayDays: 3}})
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- c.run(t, inst) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	seqs, err := c.client.CampaignSequences(context.Background(), campaign)
	if err != nil || len(seqs) != 1 || len(seqs[0].Steps) != 3 {
		t.Fatalf("sequences %+v, %v; want one of the template's 3 steps, written once", seqs, err)
	}
}

// A template replaced after its campaign was set up: the campaign's setup
// is pending again, and the sync writes the new window as its schedule and
// appends the new step, once however often it runs.
func TestOutreachCampaignSyncAfterTemplateChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCampaignSync(t, 0)
	steps := []campaigns.Step{{Subject: "One", Body: "<p>1</p>"}, {Subject: "Two", Body: "<p>2</p>", DelayDays: 2}}
	tpl, inst, campaign := c.instance(t, "changing", campaigns.DefaultSettings(), steps)
	if err := c.run(t, inst); err != nil {
		t.Fatal(err)
	}
	check := func(when string, start, end string, weekdays []int, nSteps int) {
		t.Helper()
		scheds, err := c.client.CampaignSchedules(ctx, campaign)
		if err != nil || len(scheds) != 1 || scheds[0].Start != start || scheds[0].End != end || !slices.Equal(scheds[0].Weekdays, weekdays) {
			t.Errorf("%s: schedules %+v, %v; want one %s-%s on %v", when, scheds, err, start, end, weekdays)
		}
		seqs, err := c.client.CampaignSequences(ctx, campaign)
		if err != nil || len(seqs) != 1 || len(seqs[0].Steps) != nSteps {
			t.Errorf("%s: sequences %+v, %v; want one of %d steps", when, seqs, err, nSteps)
		}
	}
	check("set up", "09:00", "17:00", []int{1, 2, 3, 4, 5}, 2)

	changed := tpl.Template
	changed.Settings.SendingWindow = campaigns.SendingWindow{Start: "08:00", End: "12:00", Weekdays: []string{"mon", "wed"}, Timezone: "UTC"}
	changed.Steps = append(slices.Clone(steps), campaigns.Step{Subject: "Three", Body: "<p>3</p>", DelayDays: 4})
	if _, err := store.NewCampaignTemplates(c.pool).Replace(ctx, tpl.ID, changed); err != nil {
		t.Fatal(err)
	}
	ids, err := store.NewCampaignInstances(c.pool).ResetLemlistSetup(ctx, tpl.ID)
	if err != nil || !slices.Equal(ids, []uuid.UUID{inst}) {
		t.Fatalf("reset %v, %v; want the instance", ids, err)
	}
	for range 2 {
		if err := c.run(t, inst); err != nil {
			t.Fatal(err)
		}
	}
	check("after the change", "08:00", "12:00", []int{1, 3}, 3)
}
