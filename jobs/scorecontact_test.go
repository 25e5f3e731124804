package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/icp"
	"github.com/rtgs/sales-automation/internal/store"
)

// scoreBundle is one scoring test's world: its own transaction on a
// migrated schema holding a well-known company and one of its people.
type scoreBundle struct {
	tx      pgx.Tx
	now     time.Time
	worker  *rivertest.Worker[ScoreContactArgs, pgx.Tx]
	contact uuid.UUID
}

func setupScore(t *testing.T) (*scoreBundle, context.Context) {
	t.Helper()
	ctx := context.Background()
	tx, schema := schemaTx(t)

	co, err := store.NewCompanies(tx).Insert(ctx, store.Company{Domain: "ledgerly.example", Name: "Ledgerly",
		Industry: "Financial Services", Country: "DE", Technologies: []string{"HubSpot CRM", "Slack"}})
	if err != nil {
		t.Fatal(err)
	}
	// What enrichment leaves: a vendor's head-count band and raw payloads
	// carrying keywords and a description.
	if _, err := tx.Exec(ctx, `UPDATE companies SET employee_range = '51-200', enrichment = $2 WHERE id = $1`, co.ID,
		`{"apollo":{"keywords":["payments","b2b saas"]},"explorium":{"firmographics":{"business_description":"Open banking APIs."}}}`); err != nil {
		t.Fatal(err)
	}
	c, err := store.NewContacts(tx).Insert(ctx, store.Contact{Email: "ana@ledgerly.example", Title: "VP of Sales",
		CompanyID: &co.ID, Country: "Germany"})
	if err != nil {
		t.Fatal(err)
	}
	b := &scoreBundle{tx: tx, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), contact: c.ID}
	w := &ScoreContactWorker{db: tx, now: func() time.Time { return b.now }, logger: slog.New(slog.DiscardHandler)}
	b.worker = rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: schema}, w)
	return b, ctx
}

// profile creates an ICP profile in the test's transaction.
func (b *scoreBundle) profile(t *testing.T, ctx context.Context, name string, minScore int, active bool, c icp.Criteria) uuid.UUID {
	t.Helper()
	p, err := store.NewICPProfiles(b.tx).Create(ctx, store.Profile{Name: name, Criteria: c, MinScore: minScore, Active: active})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// scored is what the contact row holds after scoring.
type scored struct {
	score         *int
	profileID     *uuid.UUID
	explanation   icp.Explanation
	scoredAt      *time.Time
	syncRequested bool
}

func (b *scoreBundle) read(t *testing.T, ctx context.Context) scored {
	t.Helper()
	var s scored
	var raw []byte
	if err := b.tx.QueryRow(ctx, `SELECT icp_score, icp_profile_id, icp_explanation, scored_at, sync_requested_at IS NOT NULL
		FROM contacts WHERE id = $1`, b.contact).Scan(&s.score, &s.profileID, &raw, &s.scoredAt, &s.syncRequested); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &s.explanation); err != nil {
		t.Fatalf("explanation %s: %v", raw, err)
	}
	return s
}

func (b *scoreBundle) crmSyncJobs(t *testing.T, ctx context.Context) int {
	t.Helper()
	var n int
	if err := b.tx.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1`, KindCRMSyncContacts).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (b *scoreBundle) work(t *testing.T, ctx context.Context, args ScoreContactArgs) (*rivertest.WorkResult, error) {
	t.Helper()
	args.ContactID = cmpOr(args.ContactID, b.contact)
	return b.worker.Work(ctx, t, b.tx, args, nil)
}

func cmpOr(id, fallback uuid.UUID) uuid.UUID {
	if id == uuid.Nil {
		return fallback
	}
	return id
}

// fintech matches the bundle's contact on every group: industry, band,
// country, title, seniority, keywords (from Apollo's payload) and
// technologies.
var fintech = icp.Criteria{
	Industries:     []string{"financial services"},
	EmployeeRanges: []icp.EmployeeRange{{Min: 51, Max: 500}},
	Countries:      []string{"DE", "AT"},
	Titles:         []string{"sales"},
	Seniorities:    []string{"vp"},
	Keywords:       []string{"b2b"},
	Technologies:   []string{"hubspot"},
}

// retail matches only the contact's title: 1 group of 2.
var retail = icp.Criteria{Industries: []string{"retail"}, Titles: []string{"sales"}}

func TestScoreContactBestOfActiveProfiles(t *testing.T) {
	t.Parallel()
	b, ctx := setupScore(t)
	b.profile(t, ctx, "Retail", 40, true, retail)
	best := b.profile(t, ctx, "Fintech DACH", 90, true, fintech)
	// Inactive profiles take no part, however well they would fit.
	b.profile(t, ctx, "Old fintech", 10, false, fintech)

	res, err := b.work(t, ctx, ScoreContactArgs{})
	if err != nil || res.EventKind != river.EventKindJobCompleted {
		t.Fatalf("Work = %v, %v; want completed", res, err)
	}
	got := b.read(t, ctx)
	if got.score == nil || *got.score != 100 || got.profileID == nil || *got.profileID != best {
		t.Fatalf("score %v of profile %v, want 100 of %s", got.score, got.profileID, best)
	}
	if got.scoredAt == nil || !got.scoredAt.Equal(b.now) {
		t.Errorf("scored_at = %v, want %v", got.scoredAt, b.now)
	}
	e := got.explanation
	if e.Profile != "Fintech DACH" || e.MinScore != 90 || !e.Qualified || e.Score != 100 || len(e.Matches) != 7 {
		t.Fatalf("explanation = %+v, want Fintech DACH, qualified at 100 with 7 matches", e)
	}
	for _, m := range e.Matches {
		if !m.Matched || m.Points != float64(m.Weight) || len(m.MatchedValues) == 0 {
			t.Errorf("match %+v, want matched in full with the values that matched", m)
		}
	}
	if kw := e.Matches[5]; kw.Criterion != icp.CriterionKeywords || kw.Detail != `keyword "b2b" found in keywords` {
		t.Errorf("keywords match = %+v, want found in Apollo's keywords", kw)
	}
	if !got.syncRequested || b.crmSyncJobs(t, ctx) != 1 {
		t.Errorf("sync requested %v with %d crm_sync jobs, want the qualified contact marked and one job", got.syncRequested, b.crmSyncJobs(t, ctx))
	}
}

func TestScoreContactQualifiedBeatsHigherScore(t *testing.T) {
	t.Parallel()
	b, ctx := setupScore(t)
	b.profile(t, ctx, "Demanding", 100, true, icp.Criteria{Industries: []string{"financial services"}, Titles: []string{"cto"}})
	easy := b.profile(t, ctx, "Easy", 40, true, retail)

	if _, err := b.work(t, ctx, ScoreContactArgs{}); err != nil {
		t.Fatal(err)
	}
	// Both score 50; only Easy's bar is reached, so Easy is kept.
	if got := b.read(t, ctx); *got.profileID != easy || !got.explanation.Qualified || !got.syncRequested {
		t.Errorf("kept %+v, want the profile the contact qualifies for, and a sync request", got)
	}
}

func TestScoreContactNamedProfile(t *testing.T) {
	t.Parallel()
	b, ctx := setupScore(t)
	b.profile(t, ctx, "Fintech DACH", 60, true, fintech)
	named := b.profile(t, ctx, "Retail", 60, true, retail)

	if _, err := b.work(t, ctx, ScoreContactArgs{ProfileID: &named}); err != nil {
		t.Fatal(err)
	}
	got := b.read(t, ctx)
	if *got.profileID != named || *got.score != 50 || got.explanation.Qualified {
		t.Errorf("scored %d against %s, qualified %v; want 50 against the named profile, not qualified", *got.score, *got.profileID, got.explanation.Qualified)
	}
	if got.syncRequested || b.crmSyncJobs(t, ctx) != 0 {
		t.Errorf("a contact under the bar was marked for sync")
	}
}

// Scoring a contact the CRM already holds with the same score and profile
// asks for no sync; a changed score does.
func TestScoreContactSyncOnlyOnChange(t *testing.T) {
	t.Parallel()
	b, ctx := setupScore(t)
	id := b.profile(t, ctx, "Fintech DACH", 60, true, fintech)
	synced := func() {
		if _, err := b.tx.Exec(ctx, `UPDATE contacts SET sync_status = 'synced', sync_requested_at = NULL WHERE id = $1`, b.contact); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.work(t, ctx, ScoreContactArgs{}); err != nil {
		t.Fatal(err)
	}
	synced()
	if _, err := b.work(t, ctx, ScoreContactArgs{ProfileID: &id}); err != nil {
		t.Fatal(err)
	}
	if b.read(t, ctx).syncRequested {
		t.Errorf("unchanged score of a synced contact requested a sync")
	}
	if _, err := b.tx.Exec(ctx, `UPDATE contacts SET title = 'Sales Manager' WHERE id = $1`, b.contact); err != nil {
		t.Fatal(err)
	}
	if _, err := b.work(t, ctx, ScoreContactArgs{ProfileID: &id}); err != nil {
		t.Fatal(err)
	}
	if got := b.read(t, ctx); *got.score == 100 || !got.syncRequested {
		t.Errorf("changed score %d: sync requested %v, want a new sync", *got.score, got.syncRequested)
	}
}

func TestScoreContactNothingToDo(t *testing.T) {
	t.Parallel()

	t.Run("contact gone completes", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupScore(t)
		b.profile(t, ctx, "Fintech DACH", 60, true, fintech)
		res, err := b.work(t, ctx, ScoreContactArgs{ContactID: uuid.New()})
		if err != nil || res.Job.State != rivertype.JobStateCompleted {
			t.Fatalf("Work = %v, %v; want completed", res, err)
		}
	})

	t.Run("no active profile completes and leaves the contact unscored", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupScore(t)
		b.profile(t, ctx, "Old", 60, false, fintech)
		res, err := b.work(t, ctx, ScoreContactArgs{})
		if err != nil || res.Job.State != rivertype.JobStateCompleted {
			t.Fatalf("Work = %v, %v; want completed", res, err)
		}
		if got := b.read(t, ctx); got.score != nil || got.scoredAt != nil {
			t.Errorf("contact scored %v at %v, want unscored", got.score, got.scoredAt)
		}
	})

	t.Run("profile deleted cancels", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupScore(t)
		gone := uuid.New()
		res, err := b.work(t, ctx, ScoreContactArgs{ProfileID: &gone})
		if err != nil || res.Job.State != rivertype.JobStateCancelled || len(res.Job.Errors) != 1 ||
			!strings.Contains(res.Job.Errors[0].Error, errNoProfile.Error()) {
			t.Fatalf("Work = %+v, %v; want cancelled, the deleted profile recorded as the reason", res.Job, err)
		}
		if got := b.read(t, ctx); got.score != nil {
			t.Errorf("contact scored %d, want untouched", *got.score)
		}
	})
}

// benchNoopArgs is the anchor's kind: a job whose work is nothing.
type benchNoopArgs struct{}

func (benchNoopArgs) Kind() string { return "bench_score_noop" }

type benchNoopWorker struct {
	river.WorkerDefaults[benchNoopArgs]
}

func (benchNoopWorker) Work(context.Context, *river.Job[benchNoopArgs]) error { return nil }

// benchTxNoopWorker does nothing but complete its job in a transaction of
// its own, the least any worker that writes with JobCompleteTx pays.
type benchTxNoopWorker struct {
	river.WorkerDefaults[benchNoopArgs]
	db txBeginner
}

func (w benchTxNoopWorker) Work(ctx context.Context, job *river.Job[benchNoopArgs]) error {
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func benchNoopJobs(_ context.Context, _ pgx.Tx, n int) []river.InsertManyParams {
	params := make([]river.InsertManyParams, n)
	for i := range params {
		params[i] = river.InsertManyParams{Args: benchNoopArgs{}, InsertOpts: &river.InsertOpts{Queue: QueueEnrichment}}
	}
	return params
}

// BenchmarkScoreContactThroughput works b.N score_contact jobs (contacts at
// 100 companies, three active profiles, half the contacts qualifying and
// marked for sync) and, as anchors in the same run, b.N no-op jobs with a
// bare River client of the same queue settings, completed by River's batch
// completer and by JobCompleteTx in a transaction of their own, and prints
// the rates:
//
//	go test -run '^$' -bench BenchmarkScoreContactThroughput -benchtime 5000x ./jobs/
func BenchmarkScoreContactThroughput(b *testing.B) {
	rates := map[string]float64{}
	b.Run("bare_river_noop", func(b *testing.B) {
		rates["noop"] = benchScoreRun(b, func(w *river.Workers, _ txBeginner) {
			river.AddWorker(w, benchNoopWorker{})
		}, benchNoopJobs)
	})
	b.Run("bare_river_tx_complete", func(b *testing.B) {
		rates["tx"] = benchScoreRun(b, func(w *river.Workers, db txBeginner) {
			river.AddWorker(w, benchTxNoopWorker{db: db})
		}, benchNoopJobs)
	})
	b.Run("score_contact", func(b *testing.B) {
		rates["score"] = benchScoreRun(b, func(w *river.Workers, db txBeginner) {
			river.AddWorker(w, &ScoreContactWorker{db: db, now: time.Now, logger: slog.New(slog.DiscardHandler)})
			// The sync jobs scoring queues are inserted, not worked: the
			// crm queue is not served here.
			river.AddWorker(w, river.WorkFunc(func(context.Context, *river.Job[CRMSyncContactsArgs]) error { return nil }))
		}, func(ctx context.Context, tx pgx.Tx, n int) []river.InsertManyParams {
			return benchScoreJobs(b, ctx, tx, n)
		})
	})
	if noop, tx, score := rates["noop"], rates["tx"], rates["score"]; noop > 0 && tx > 0 && score > 0 {
		fmt.Printf("score_contact %.0f jobs/s vs bare River no-op %.0f jobs/s (ratio %.2f) "+
			"and no-op completing in its own transaction %.0f jobs/s (ratio %.2f)\n",
			score, noop, score/noop, tx, score/tx)
	}
}

// benchScoreJobs writes n contacts at 100 companies and three profiles on
// tx and returns one score_contact job per contact.
func benchScoreJobs(b *testing.B, ctx context.Context, tx pgx.Tx, n int) []river.InsertManyParams {
	b.Helper()
	for name, c := range map[string]icp.Criteria{"Fintech": fintech, "Retail": retail,
		"Tech": {Technologies: []string{"slack"}, Seniorities: []string{"vp", "c_suite"}}} {
		if _, err := store.NewICPProfiles(tx).Create(ctx, store.Profile{Name: name, Criteria: c, MinScore: 60, Active: true}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO companies (domain, industry, employee_count, country, technologies)
		SELECT 'c' || i || '.example', (ARRAY['Financial Services', 'Retail', 'Computer Software'])[i % 3 + 1],
			(i * 37) % 5000 + 1, 'DE', ARRAY['HubSpot', 'Slack']
		FROM generate_series(1, 100) i`); err != nil {
		b.Fatal(err)
	}
	rows, err := tx.Query(ctx, `
		WITH co AS (SELECT id, row_number() OVER (ORDER BY domain) - 1 AS n FROM companies)
		INSERT INTO contacts (email, title, country, company_id)
		SELECT 'p' || i || '@bench.example', (ARRAY['VP of Sales', 'Software Engineer'])[i % 2 + 1], 'Germany', co.id
		FROM generate_series(1, $1::int) i JOIN co ON co.n = i % 100
		RETURNING id`, n)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		b.Fatal(err)
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: ScoreContactArgs{ContactID: id}}
	}
	return params
}

// benchScoreRun writes the jobs jobsFor returns into a fresh schema, then
// times a client with the workers register adds, started until every job
// has completed.
func benchScoreRun(b *testing.B, register func(*river.Workers, txBeginner), jobsFor func(context.Context, pgx.Tx, int) []river.InsertManyParams) float64 {
	ctx := context.Background()
	pool := dbtest.Pool(b)
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Schema: dbtest.Schema(pool)})
	if err != nil {
		b.Fatal(err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	params := jobsFor(ctx, tx, b.N)
	for start := 0; start < len(params); start += 5000 {
		if _, err := client.InsertManyTx(ctx, tx, params[start:min(start+5000, len(params))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}

	workers := river.NewWorkers()
	register(workers, pool)
	worker, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema: dbtest.Schema(pool), Workers: workers, Logger: slog.New(slog.DiscardHandler),
		FetchCooldown: 5 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		Queues: map[string]river.QueueConfig{QueueEnrichment: {MaxWorkers: 8}},
	})
	if err != nil {
		b.Fatal(err)
	}
	events, cancel := worker.SubscribeConfig(&river.SubscribeConfig{ChanSize: b.N + 1000,
		Kinds: []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed}})
	defer cancel()

	b.ResetTimer()
	began := time.Now()
	if err := worker.Start(ctx); err != nil {
		b.Fatal(err)
	}
	stall := time.NewTimer(time.Minute)
	for done := 0; done < b.N; {
		select {
		case ev := <-events:
			if ev.Kind == river.EventKindJobFailed {
				b.Fatalf("job failed: %v", ev.Job.Errors)
			}
			done++
		case <-stall.C:
			b.Fatalf("only %d of %d jobs completed", done, b.N)
		}
	}
	elapsed := time.Since(began)
	b.StopTimer()
	if err := worker.Stop(ctx); err != nil {
		b.Error(err)
	}
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "jobs/s")
	return rate
}
