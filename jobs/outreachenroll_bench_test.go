package jobs

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/lemlist"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

// BenchmarkOutreachEnroll enrolls RTGS_BENCH_ENROLL_CONTACTS contacts
// (default 1000; the figure is 10000, which takes over 1000 s at
// lemlist's limit) into one instance and runs their outreach_enroll jobs
// on a real River client (20 workers) against the simulator at lemlist's
// real limit, 20 requests per rolling 2 s, through the client's guard
// (lemlist.DefaultGuardConfig, in process). lemlist has no bulk add-leads
// endpoint (VENDORS.md section 2), so each lead is one call and the
// minimum the limit allows is contacts / 10 per second. It reports the
// wall time from the enrollment request to the last lead, that minimum,
// and the 429s the simulator served (must be 0).
func BenchmarkOutreachEnroll(b *testing.B) {
	n := 1000
	if v := os.Getenv("RTGS_BENCH_ENROLL_CONTACTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > MaxEnrollIDs {
			b.Fatalf("RTGS_BENCH_ENROLL_CONTACTS=%q: want 1..%d", v, MaxEnrollIDs)
		}
	}
	ctx := context.Background()
	pool := dbtest.Pool(b)
	lem := vendorsim.NewLemlist(lemlistKey)
	sim := vendorsim.New(vendorsim.Options{Seed: 1}, lem) // lemlist's own limits
	srv := httptest.NewServer(sim.Handler())
	b.Cleanup(srv.Close)
	g, err := guard.New(lemlist.DefaultGuardConfig())
	if err != nil {
		b.Fatal(err)
	}
	client, err := lemlist.NewClient(lemlist.Config{BaseURL: srv.URL + "/lemlist", APIKey: lemlistKey,
		HTTPClient: &http.Client{Timeout: 10 * time.Second}, Guard: g})
	if err != nil {
		b.Fatal(err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &OutreachEnrollWorker{db: pool, lemlist: client, hasher: outreachHasher, now: time.Now,
		logger: slog.New(slog.DiscardHandler)})
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema: dbtest.Schema(pool), Workers: workers, SkipUnknownJobCheck: true,
		Queues:            map[string]river.QueueConfig{QueueOutreach: {MaxWorkers: 20}},
		FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 5 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := rc.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rc.Stop(sctx)
	})
	events, cancel := rc.Subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled, river.EventKindJobFailed)
	defer cancel()

	// The window is open around the clock, so the figure is the same
	// whenever the benchmark runs.
	alwaysOpen := campaigns.DefaultSettings()
	alwaysOpen.SendingWindow = campaigns.SendingWindow{Start: "00:00", End: "24:00", Timezone: "UTC",
		Weekdays: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}}
	for i := 0; i < b.N; i++ {
		lem.Reset()
		camp := lem.AddCampaign("bench", "running")
		tpl, err := store.NewCampaignTemplates(pool).Create(ctx, campaigns.Template{Name: "bench", Settings: alwaysOpen,
			Steps: []campaigns.Step{{Subject: "Hi {{first_name|there}}", Body: "<p>Hello {{company}}</p>"}}})
		if err != nil {
			b.Fatal(err)
		}
		inst, err := store.NewCampaignInstances(pool).Create(ctx, store.NewCampaignInstance{TemplateID: tpl.ID, Name: "bench",
			DailyCap: &n, LemlistCampaignID: &camp.ID})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := store.NewCampaignInstances(pool).Transition(ctx, inst.ID, []string{"draft"}, "active"); err != nil {
			b.Fatal(err)
		}
		rows, err := pool.Query(ctx, `INSERT INTO contacts (email, first_name, company_name, domain)
			SELECT 'b' || $2::int || '-' || i || '@bench' || i || '.example', 'F' || i, 'C', 'bench' || i || '.example'
			FROM generate_series(0, $1 - 1) i RETURNING id`, n, i)
		if err != nil {
			b.Fatal(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			b.Fatal(err)
		}
		before := sim.Counters().RateLimited["lemlist"]
		start := time.Now()
		err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := EnrollContacts(ctx, tx, rc, outreachHasher, EnrollInput{InstanceID: inst.ID, ContactIDs: ids})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		done := 0
		timeout := time.After(time.Duration(n)*200*time.Millisecond + time.Minute)
		for done < n {
			select {
			case ev := <-events:
				if ev.Job.Kind != KindOutreachEnroll {
					continue
				}
				if ev.Kind != river.EventKindJobCompleted {
					b.Fatalf("job %s: %v", ev.Kind, ev.Job.Errors)
				}
				done++
			case <-timeout:
				b.Fatalf("timed out with %d of %d leads sent", done, n)
			}
		}
		wall := time.Since(start)
		minimum := time.Duration(float64(n) / 10 * float64(time.Second))
		served429 := sim.Counters().RateLimited["lemlist"] - before
		if got := len(lem.Leads(camp.ID)); got != n {
			b.Fatalf("lemlist holds %d leads, want %d", got, n)
		}
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(minimum.Seconds(), "min-s")
		b.ReportMetric(float64(served429), "429s")
		b.Logf("%d contacts: wall %s, minimum at 20 req / 2 s %s (%.1f%% of it), 429s served %d",
			n, wall.Round(time.Millisecond), minimum, 100*minimum.Seconds()/wall.Seconds(), served429)
		if served429 != 0 {
			b.Errorf("simulator served %d 429s, want 0", served429)
		}
	}
}
