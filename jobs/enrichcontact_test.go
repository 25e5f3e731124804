package jobs

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/internal/enrichment"
	"github.com/rtgs/sales-automation/internal/vendors"
)

func TestEnrichContact(t *testing.T) {
	t.Parallel()

	t.Run("enriches, then enqueues the score and the company's enrichment", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		company := b.insertCompany(t, ctx, "acme-labs.example")
		id := b.insertContact(t, ctx, matchingEmail(0, "acme-labs.example"), &company)
		tw := b.contactWorker(t, b.service(t, b.set), b.tx)

		res, err := tw.Work(ctx, t, b.tx, EnrichContactArgs{ContactID: id}, nil)
		if err != nil {
			t.Fatalf("Work: %v", err)
		}
		requireState(t, res, rivertype.JobStateCompleted)
		st := b.state(t, ctx, "contacts", id)
		if st.Status != enrichment.StatusEnriched || st.Source != "explorium" || st.EnrichedAt == nil || st.ClaimedBy != nil {
			t.Fatalf("contact = %+v, want enriched by explorium, claim released", st)
		}
		if len(st.Vendors) != 1 || st.Vendors[0] != "explorium" {
			t.Errorf("enrichment payload keys = %v, want [explorium]", st.Vendors)
		}
		var title, seniority string
		if err := b.tx.QueryRow(ctx, `SELECT title, seniority FROM contacts WHERE id = $1`, id).Scan(&title, &seniority); err != nil {
			t.Fatal(err)
		}
		if title == "" || seniority == "" {
			t.Errorf("typed fields title %q, seniority %q; want both filled", title, seniority)
		}
		if got := b.queued(t, ctx, KindScoreContact, fmt.Sprintf(`{"contact_id":%q}`, id)); got != 1 {
			t.Errorf("score_contact jobs = %d, want 1", got)
		}
		if got := b.queued(t, ctx, KindEnrichCompany, fmt.Sprintf(`{"company_id":%q}`, company)); got != 1 {
			t.Errorf("enrich_company jobs = %d, want 1", got)
		}
		if m, p := b.calls(routeProspectMatch), b.calls(routeProfiles); m != 1 || p != 1 {
			t.Errorf("explorium calls: match %d, profiles %d; want 1 and 1", m, p)
		}
	})

	t.Run("fills only empty fields", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		id := b.insertContact(t, ctx, matchingEmail(0, "keep.example"), nil)
		b.exec(t, ctx, `UPDATE contacts SET title = 'Chief Tester' WHERE id = $1`, id)
		tw := b.contactWorker(t, b.service(t, b.set), b.tx)
		if _, err := tw.Work(ctx, t, b.tx, EnrichContactArgs{ContactID: id}, nil); err != nil {
			t.Fatal(err)
		}
		var title string
		if err := b.tx.QueryRow(ctx, `SELECT title FROM contacts WHERE id = $1`, id).Scan(&title); err != nil {
			t.Fatal(err)
		}
		if title != "Chief Tester" {
			t.Errorf("title = %q, want the contact's own kept", title)
		}
	})

	t.Run("one vendor batch serves the jobs waiting in the queue", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		var ids []uuid.UUID
		var params []river.InsertManyParams
		for i := range 120 {
			id := b.insertContact(t, ctx, fmt.Sprintf("batch%d@wide.example", i), nil)
			ids = append(ids, id)
			if i > 0 {
				params = append(params, river.InsertManyParams{Args: EnrichContactArgs{ContactID: id}})
			}
		}
		if _, err := b.client.InsertManyTx(ctx, b.tx, params); err != nil {
			t.Fatal(err)
		}
		tw := b.contactWorker(t, b.service(t, b.set), b.tx)
		if _, err := tw.Work(ctx, t, b.tx, EnrichContactArgs{ContactID: ids[0]}, nil); err != nil {
			t.Fatal(err)
		}
		var concluded int
		if err := b.tx.QueryRow(ctx, `SELECT count(*) FROM contacts WHERE enrichment_status <> 'pending'`).Scan(&concluded); err != nil {
			t.Fatal(err)
		}
		if concluded != 50 {
			t.Errorf("contacts concluded by one job = %d, want a full Explorium batch of 50", concluded)
		}
		if m := b.calls(routeProspectMatch); m != 1 {
			t.Errorf("explorium match calls = %d, want 1", m)
		}

		// A contact of that batch: its own job finds it concluded and
		// completes without a vendor call.
		var other uuid.UUID
		if err := b.tx.QueryRow(ctx, `SELECT id FROM contacts WHERE enrichment_status <> 'pending' AND id <> $1 LIMIT 1`,
			ids[0]).Scan(&other); err != nil {
			t.Fatal(err)
		}
		var job rivertype.JobRow
		if err := b.tx.QueryRow(ctx, `SELECT id FROM river_job WHERE args @> $1::jsonb AND kind = $2`,
			fmt.Sprintf(`{"contact_id":%q}`, other), KindEnrichContact).Scan(&job.ID); err != nil {
			t.Fatal(err)
		}
		row, err := b.client.JobGetTx(ctx, b.tx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		res, err := tw.WorkJob(ctx, t, b.tx, row)
		if err != nil {
			t.Fatal(err)
		}
		requireState(t, res, rivertype.JobStateCompleted)
		if m := b.calls(routeProspectMatch); m != 1 {
			t.Errorf("explorium match calls after the second job = %d, want still 1", m)
		}
		if got := b.queued(t, ctx, KindScoreContact, fmt.Sprintf(`{"contact_id":%q}`, other)); got != 1 {
			t.Errorf("score_contact jobs of the batched contact = %d, want 1", got)
		}
	})

	t.Run("falls through to Apollo when Explorium is not configured", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		id := b.insertContact(t, ctx, matchingEmail(0, "apollo-only.example"), nil)
		tw := b.contactWorker(t, b.service(t, &vendors.Set{Apollo: b.set.Apollo}), b.tx)
		res, err := tw.Work(ctx, t, b.tx, EnrichContactArgs{ContactID: id}, nil)
		if err != nil {
			t.Fatal(err)
		}
		requireState(t, res, rivertype.JobStateCompleted)
		if st := b.state(t, ctx, "contacts", id); st.Status != enrichment.StatusEnriched || st.Source != "apollo" {
			t.Errorf("contact = %+v, want enriched by apollo", st)
		}
		if a, e := b.calls(routeApolloPeople), b.calls(routeProspectMatch); a != 1 || e != 0 {
			t.Errorf("calls: apollo %d, explorium %d; want 1 and 0", a, e)
		}
	})

	t.Run("not found by any vendor", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		id := b.insertContact(t, ctx, "nomatch@nowhere.example", nil)
		tw := b.contactWorker(t, b.service(t, b.set), b.tx)
		res, err := tw.Work(ctx, t, b.tx, EnrichContactArgs{ContactID: id}, nil)
		if err != nil {
			t.Fatal(err)
		}
		requireState(t, res, rivertype.JobStateCompleted)
		if st := b.state(t, ctx, "contacts", id); st.Status != enrichment.StatusNotFound || st.EnrichedAt == nil {
			t.Errorf("contact = %+v, want not_found with its time", st)
		}
		if e, a := b.calls(routeProspectMatch), b.calls(routeApolloPeople); e != 1 || a != 1 {
			t.Errorf("calls: explorium %d, apollo %d; want both asked once", e, a)
		}
	})

	t.Run("no vendor configured fails the contact and cancels the job", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		id := b.insertContact(t, ctx, "alone@novendor.example", nil)
		tw := b.contactWorker(t, b.service(t, &vendors.Set{}), b.tx)
		res, err := tw.Work(ctx, t, b.tx, EnrichContactArgs{ContactID: id}, nil)
		if err != nil && !errors.Is(err, &rivertype.JobCancelError{}) {
			t.Fatalf("Work error = %v, want a cancel", err)
		}
		requireState(t, res, rivertype.JobStateCancelled)
		if st := b.state(t, ctx, "contacts", id); st.Status != enrichment.StatusFailed || st.Error != enrichment.ReasonNoVendor {
			t.Errorf("contact = %+v, want failed with %q", st, enrichment.ReasonNoVendor)
		}
	})

	t.Run("permanent vendor error fails the contact with the reason", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		b.explorium.SetCredits(0) // Explorium answers 403: out of credits
		id := b.insertContact(t, ctx, matchingEmail(0, "broke.example"), nil)
		tw := b.contactWorker(t, b.service(t, &vendors.Set{Explorium: b.set.Explorium}), b.tx)
		res, err := tw.Work(ctx, t, b.tx, EnrichContactArgs{ContactID: id}, nil)
		if err != nil && !errors.Is(err, &rivertype.JobCancelError{}) {
			t.Fatalf("Work error = %v, want a cancel", err)
		}
		requireState(t, res, rivertype.JobStateCancelled)
		st := b.state(t, ctx, "contacts", id)
		if st.Status != enrichment.StatusFailed || !strings.Contains(st.Error, "explorium") || !strings.Contains(st.Error, "403") {
			t.Errorf("contact = %+v, want failed naming explorium's 403", st)
		}
		if st.ClaimedBy != nil {
			t.Errorf("claim kept by job %d after the failure", *st.ClaimedBy)
		}
	})

	t.Run("erased contact completes as a no-op", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		tw := b.contactWorker(t, b.service(t, b.set), b.tx)
		res, err := tw.Work(ctx, t, b.tx, EnrichContactArgs{ContactID: uuid.New()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		requireState(t, res, rivertype.JobStateCompleted)
		if c := b.sim.Counters(); len(c.Calls) != 0 {
			t.Errorf("vendor calls %v for a contact that is gone", c.Calls)
		}
	})

	t.Run("claimed by another job: snoozes without a vendor call", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		id := b.insertContact(t, ctx, matchingEmail(0, "busy.example"), nil)
		b.exec(t, ctx, `UPDATE contacts SET enrichment_claimed_by = -1, enrichment_claimed_until = $2 WHERE id = $1`,
			id, b.now.Add(time.Minute))
		w := &EnrichContactWorker{db: b.tx, enricher: b.service(t, b.set), logger: slog.New(slog.DiscardHandler), claimWait: time.Millisecond}
		tw := rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema}, w)
		res, err := tw.Work(ctx, t, b.tx, EnrichContactArgs{ContactID: id}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.EventKind != river.EventKindJobSnoozed {
			t.Errorf("event = %s, want snoozed", res.EventKind)
		}
		if m := b.calls(routeProspectMatch); m != 0 {
			t.Errorf("explorium calls = %d, want none", m)
		}
	})

	t.Run("failed commit leaves the contact pending, unclaimed, and the job to retry", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		id := b.insertContact(t, ctx, matchingEmail(0, "crash.example"), nil)
		tw := b.contactWorker(t, b.service(t, b.set), failingCommit{b.tx})
		res, err := tw.Work(ctx, t, b.tx, EnrichContactArgs{ContactID: id}, nil)
		if !errors.Is(err, errCommit) {
			t.Fatalf("Work error = %v, want %v", err, errCommit)
		}
		if s := res.Job.State; s != rivertype.JobStateRetryable && s != rivertype.JobStateAvailable {
			t.Errorf("job state = %s, want retryable or available", s)
		}
		st := b.state(t, ctx, "contacts", id)
		if st.Status != enrichment.StatusPending || st.ClaimedBy != nil {
			t.Errorf("contact = %+v, want pending with no claim", st)
		}
		if got := b.queued(t, ctx, KindScoreContact, fmt.Sprintf(`{"contact_id":%q}`, id)); got != 0 {
			t.Errorf("score_contact jobs = %d, want none from the failed commit", got)
		}
	})
}

func TestEnrichContactCreditCeiling(t *testing.T) {
	t.Parallel()

	t.Run("reached: snoozes to the next UTC day without calling", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		b.cfg.DailyCredits = map[string]int64{"explorium": 10}
		b.exec(t, ctx, `INSERT INTO enrichment_credits (vendor, day, spent, ceiling) VALUES ('explorium', $1, 10, 10)`,
			b.now.Format(time.DateOnly))
		id := b.insertContact(t, ctx, matchingEmail(0, "capped.example"), nil)
		tw := b.contactWorker(t, b.service(t, &vendors.Set{Explorium: b.set.Explorium}), b.tx)

		before := time.Now()
		res, err := tw.Work(ctx, t, b.tx, EnrichContactArgs{ContactID: id}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.EventKind != river.EventKindJobSnoozed {
			t.Fatalf("event = %s, want snoozed", res.EventKind)
		}
		// The snooze lasts until the next UTC midnight (plus at most a
		// minute's spread), counted from when the job ran.
		wantMin := before.Add(enrichment.NextDay(b.now).Sub(b.now))
		if at := res.Job.ScheduledAt; at.Before(wantMin.Add(-time.Second)) || at.After(wantMin.Add(2*time.Minute)) {
			t.Errorf("scheduled at %s, want the next UTC day, about %s", at, wantMin)
		}
		if st := b.state(t, ctx, "contacts", id); st.Status != enrichment.StatusPending || st.ClaimedBy != nil {
			t.Errorf("contact = %+v, want pending and unclaimed", st)
		}
		if m := b.calls(routeProspectMatch); m != 0 {
			t.Errorf("explorium calls = %d, want none past the ceiling", m)
		}
		var snoozes int
		if err := b.tx.QueryRow(ctx, `SELECT snoozes FROM enrichment_credits WHERE vendor = 'explorium'`).Scan(&snoozes); err != nil {
			t.Fatal(err)
		}
		if snoozes != 1 {
			t.Errorf("ceiling snoozes recorded = %d, want 1", snoozes)
		}
	})

	t.Run("reached for Explorium: Apollo, with budget, is asked instead", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		b.cfg.DailyCredits = map[string]int64{"explorium": 10, "apollo": 10}
		b.exec(t, ctx, `INSERT INTO enrichment_credits (vendor, day, spent, ceiling) VALUES ('explorium', $1, 10, 10)`,
			b.now.Format(time.DateOnly))
		id := b.insertContact(t, ctx, matchingEmail(0, "spill.example"), nil)
		tw := b.contactWorker(t, b.service(t, b.set), b.tx)
		res, err := tw.Work(ctx, t, b.tx, EnrichContactArgs{ContactID: id}, nil)
		if err != nil {
			t.Fatal(err)
		}
		requireState(t, res, rivertype.JobStateCompleted)
		if st := b.state(t, ctx, "contacts", id); st.Status != enrichment.StatusEnriched || st.Source != "apollo" {
			t.Errorf("contact = %+v, want enriched by apollo", st)
		}
		var spent int64
		if err := b.tx.QueryRow(ctx, `SELECT spent FROM enrichment_credits WHERE vendor = 'apollo'`).Scan(&spent); err != nil {
			t.Fatal(err)
		}
		if spent != 1 {
			t.Errorf("apollo credits spent = %d, want 1", spent)
		}
	})
}
