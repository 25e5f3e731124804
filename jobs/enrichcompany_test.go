package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/enrichment"
)

// domainFoundOnlyByApollo returns a domain the simulated Explorium does not
// know and the simulated Apollo does.
func domainFoundOnlyByApollo() string {
	for i := 0; ; i++ {
		d := fmt.Sprintf("fallthrough%d.example", i)
		if vendorsim.NoMatch(d) && !vendorsim.NoMatch("org:"+d) {
			return d
		}
	}
}

func TestEnrichCompany(t *testing.T) {
	t.Parallel()

	t.Run("enriches typed fields next to the raw payload", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		d := "typed-fields.example"
		for vendorsim.NoMatch(d) {
			d = "x" + d
		}
		id := b.insertCompany(t, ctx, d)
		tw := b.companyWorker(t, b.service(t, b.set), b.tx)
		res, err := tw.Work(ctx, t, b.tx, EnrichCompanyArgs{CompanyID: id}, nil)
		if err != nil {
			t.Fatal(err)
		}
		requireState(t, res, rivertype.JobStateCompleted)
		st := b.state(t, ctx, "companies", id)
		if st.Status != enrichment.StatusEnriched || st.Source != "explorium" || len(st.Vendors) != 1 {
			t.Fatalf("company = %+v, want enriched by explorium with its payload", st)
		}
		var name, industry, country, band string
		if err := b.tx.QueryRow(ctx, `SELECT name, industry, country, employee_range FROM companies WHERE id = $1`, id).
			Scan(&name, &industry, &country, &band); err != nil {
			t.Fatal(err)
		}
		if name == "" || industry == "" || country == "" || band == "" {
			t.Errorf("typed fields name %q, industry %q, country %q, employee_range %q; want all filled", name, industry, country, band)
		}
	})

	t.Run("rescores the company's enriched contacts", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		d := "rescore.example"
		for vendorsim.NoMatch(d) {
			d = "x" + d
		}
		id := b.insertCompany(t, ctx, d)
		var scored uuid.UUID
		if err := b.tx.QueryRow(ctx, `
			INSERT INTO contacts (email, company_id, domain, enrichment_status, enriched_at)
			VALUES ('ann@' || $2, $1, $2, 'enriched', now()) RETURNING id`, id, d).Scan(&scored); err != nil {
			t.Fatal(err)
		}
		// Still waiting for its own enrichment, which will score it.
		if _, err := b.tx.Exec(ctx, `INSERT INTO contacts (email, company_id, domain) VALUES ('bob@' || $2, $1, $2)`, id, d); err != nil {
			t.Fatal(err)
		}
		tw := b.companyWorker(t, b.service(t, b.set), b.tx)
		if _, err := tw.Work(ctx, t, b.tx, EnrichCompanyArgs{CompanyID: id}, nil); err != nil {
			t.Fatal(err)
		}
		rows, err := b.tx.Query(ctx, `SELECT (args->>'contact_id')::uuid FROM river_job WHERE kind = $1`, KindScoreContact)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0] != scored {
			t.Errorf("score_contact jobs for %v, want one for the enriched contact %s", got, scored)
		}
	})

	t.Run("falls through to Apollo when Explorium finds nothing", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		id := b.insertCompany(t, ctx, domainFoundOnlyByApollo())
		tw := b.companyWorker(t, b.service(t, b.set), b.tx)
		if _, err := tw.Work(ctx, t, b.tx, EnrichCompanyArgs{CompanyID: id}, nil); err != nil {
			t.Fatal(err)
		}
		if st := b.state(t, ctx, "companies", id); st.Status != enrichment.StatusEnriched || st.Source != "apollo" {
			t.Errorf("company = %+v, want enriched by apollo", st)
		}
		calls := map[string]int64{}
		for _, r := range []string{routeBusinessMatch, routeFirmographics, routeApolloCompanys} {
			calls[r] = b.calls(r)
		}
		if calls[routeBusinessMatch] != 1 || calls[routeFirmographics] != 0 || calls[routeApolloCompanys] != 1 {
			t.Errorf("calls %v; want one Explorium match, no firmographics, one Apollo bulk", calls)
		}
	})

	t.Run("fresh within the TTL: completes without a vendor call", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		id := b.insertCompany(t, ctx, "fresh.example")
		b.exec(t, ctx, `UPDATE companies SET enrichment_status = 'not_found', enriched_at = $2 WHERE id = $1`,
			id, b.now.Add(-time.Hour))
		tw := b.companyWorker(t, b.service(t, b.set), b.tx)
		res, err := tw.Work(ctx, t, b.tx, EnrichCompanyArgs{CompanyID: id}, nil)
		if err != nil {
			t.Fatal(err)
		}
		requireState(t, res, rivertype.JobStateCompleted)
		if c := b.sim.Counters(); len(c.Calls) != 0 {
			t.Errorf("vendor calls %v for a fresh company", c.Calls)
		}
	})

	t.Run("a failed commit is retried from the cache, not the vendor", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupEnrich(t)
		id := b.insertCompany(t, ctx, "retry-cache.example")
		svc := b.service(t, b.set)
		res, err := b.companyWorker(t, svc, failingCommit{b.tx}).Work(ctx, t, b.tx, EnrichCompanyArgs{CompanyID: id}, nil)
		if !errors.Is(err, errCommit) {
			t.Fatalf("Work error = %v, want %v", err, errCommit)
		}
		if st := b.state(t, ctx, "companies", id); st.Status != enrichment.StatusPending || st.ClaimedBy != nil {
			t.Fatalf("company after the failed commit = %+v, want pending, unclaimed", st)
		}
		matches := b.calls(routeBusinessMatch)

		res, err = b.companyWorker(t, svc, b.tx).WorkJob(ctx, t, b.tx, res.Job)
		if err != nil {
			t.Fatal(err)
		}
		requireState(t, res, rivertype.JobStateCompleted)
		if st := b.state(t, ctx, "companies", id); st.Status == enrichment.StatusPending {
			t.Errorf("company still pending after the retry")
		}
		if got := b.calls(routeBusinessMatch); got != matches {
			t.Errorf("explorium match calls %d after the retry, want still %d", got, matches)
		}
	})
}

// TestThousandContactsOneCompanyLookup runs the enrichment workers on a
// real River client: a thousand contacts at one company cost one company
// lookup, and every contact is concluded.
func TestThousandContactsOneCompanyLookup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	rdb, prefix := dbtest.Redis(t)
	sim := vendorsim.New(vendorsim.Options{Knobs: map[string]vendorsim.Knobs{
		"explorium": {Limits: map[string][]vendorsim.Limit{"default": nil}},
	}}, vendorsim.NewExplorium(vendorsim.DevKey), vendorsim.NewApollo(vendorsim.DevKey))
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	set := simVendors(t, srv.URL, map[string]string{"EXPLORIUM_RATE_LIMIT": "100000/1m"})

	const n = 1000
	var company uuid.UUID
	if err := pool.QueryRow(ctx, `INSERT INTO companies (domain) VALUES ('thousand.example') RETURNING id`).Scan(&company); err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO contacts (email, company_id)
			SELECT 'p' || g || '@thousand.example', $1 FROM generate_series(1, $2) g RETURNING id`, company, n)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	}); err != nil {
		t.Fatal(err)
	}

	cfg := config.DefaultEnrichment()
	cfg.RedisPrefix = prefix
	reg := prometheus.NewRegistry()
	workers := river.NewWorkers()
	if err := registerEnrichment(workers, Deps{Pool: pool, Vendors: set, Redis: rdb, Registerer: reg,
		Enrichment: cfg, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[ScoreContactArgs]) error { return nil }))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema: dbtest.Schema(pool), Workers: workers, FetchCooldown: 20 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		Queues: map[string]river.QueueConfig{QueueEnrichment: {MaxWorkers: 10}},
	})
	if err != nil {
		t.Fatal(err)
	}
	params := make([]river.InsertManyParams, n)
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: EnrichContactArgs{ContactID: id}}
	}
	if _, err := client.InsertMany(ctx, params); err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Stop(context.Background()) })

	waitForJobs(t, ctx, pool, []string{KindEnrichContact, KindEnrichCompany})

	if got := sim.Counters().Calls[routeBusinessMatch]; got != 1 {
		t.Errorf("explorium business match calls = %d for %d contacts at one company, want 1", got, n)
	}
	if got := sim.Counters().Calls[routeApolloCompanys]; got > 1 {
		t.Errorf("apollo organization calls = %d, want at most 1", got)
	}
	var pending, companyJobs int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE enrichment_status = 'pending') FROM contacts`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1`, KindEnrichCompany).Scan(&companyJobs); err != nil {
		t.Fatal(err)
	}
	// Contacts queue the company's job while one waits or runs (River's
	// unique jobs keep one); a contact whose transaction read the company
	// as due just before its job committed may queue another, which finds
	// the company concluded and makes no call: the match count above is
	// what must stay at one.
	if pending != 0 || companyJobs < 1 {
		t.Errorf("contacts pending %d, enrich_company jobs %d; want 0 and at least 1", pending, companyJobs)
	}
	// Each contact was looked up once: no two jobs asked about the same one.
	if got := metricSum(t, reg, "rtgs_enrichment_lookups_total", map[string]string{"vendor": "explorium", "kind": "person"}); got != n {
		t.Errorf("explorium person lookups = %v, want %d", got, n)
	}
	t.Logf("explorium prospect match calls: %d for %d contacts (%d in full batches of 50); enrich_company jobs %d",
		sim.Counters().Calls[routeProspectMatch], n, n/50, companyJobs)
}

// metricSum adds up the samples of the named metric whose labels include
// want.
func metricSum(t testing.TB, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue metrics
				}
			}
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

// waitForJobs waits until no job of kinds is left to run (the test's own
// timeout bounds the wait).
func waitForJobs(t testing.TB, ctx context.Context, db interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, kinds []string) {
	t.Helper()
	for {
		var left int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = ANY($1)
			AND state NOT IN ('completed', 'cancelled', 'discarded')`, kinds).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
