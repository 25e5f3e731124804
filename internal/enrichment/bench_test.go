package enrichment_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/worker"
	"github.com/rtgs/sales-automation/jobs"
)

// Vendors' default limits (VENDORS.md), which BenchmarkEnrichment runs
// under: Explorium 200 calls a minute, Apollo's enrichment bucket 1,000.
const (
	exploriumPerMinute = 200
	apolloPerMinute    = 1000
)

// BenchmarkEnrichment enriches BENCH_ENRICH_CONTACTS contacts (default
// 10,000) at a tenth as many companies through the real worker stack
// (worker.Run: River, middleware, guards on Redis) against the simulator
// with the vendors' default limits, and prints the wall time next to the
// least the limits allow (calls needed ÷ rate) and the vendor calls made
// next to the calls needed. One run is the measurement:
//
//	go test -run '^$' -bench BenchmarkEnrichment$ -benchtime 1x -timeout 30m ./internal/enrichment/
func BenchmarkEnrichment(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("BENCH_ENRICH_CONTACTS")); err == nil && v > 0 {
		n = v
	}
	companies := max(n/10, 1)
	for range b.N {
		ctx := context.Background()
		pool := dbtest.Pool(b)
		emails, domains := insertPeople(b, ctx, pool, n, companies)
		sim := vendorsim.New(vendorsim.Options{}, vendorsim.NewExplorium(vendorsim.DevKey), vendorsim.NewApollo(vendorsim.DevKey))
		need := callsNeeded(emails, domains)

		reg := obs.NewRegistry()
		b.ResetTimer()
		began := time.Now()
		stop := startWorker(b, ctx, pool, sim, reg, nil, map[string]int{jobs.QueueEnrichment: 10})
		waitEnriched(b, ctx, pool)
		elapsed := time.Since(began)
		b.StopTimer()
		stop()

		calls := sim.Counters().Calls
		b.Logf("simulator calls: %v", calls)
		madeExpl := calls["explorium POST /v1/prospects/match"] + calls["explorium POST /v1/prospects/profiles/bulk_enrich"] +
			calls["explorium POST /v1/businesses/match"] + calls["explorium POST /v1/businesses/firmographics/bulk_enrich"]
		madeApollo := calls["apollo POST /api/v1/people/bulk_match"] + calls["apollo POST /api/v1/organizations/bulk_enrich"]
		minWall := time.Duration(math.Max(float64(need.explorium)/exploriumPerMinute, float64(need.apollo)/apolloPerMinute) * float64(time.Minute))
		// Every company is answered once by the first vendor: no duplicates.
		companyLookups := gatherSum(b, reg, "rtgs_enrichment_lookups_total", map[string]string{"kind": "company", "vendor": "explorium", "result": "found"}) +
			gatherSum(b, reg, "rtgs_enrichment_lookups_total", map[string]string{"kind": "company", "vendor": "explorium", "result": "not_found"})
		b.ReportMetric(elapsed.Seconds(), "wall_s")
		b.ReportMetric(minWall.Seconds(), "min_wall_s")
		b.ReportMetric(float64(madeExpl+madeApollo), "vendor_calls")
		b.ReportMetric(float64(need.explorium+need.apollo), "calls_needed")
		fmt.Printf("enrichment of %d contacts at %d companies: wall %s vs %s minimum at the default limits (%.2fx); "+
			"vendor calls %d (explorium %d, apollo %d) vs %d needed (explorium %d, apollo %d); "+
			"explorium company lookups %.0f for %d companies; 429s %v\n",
			n, companies, elapsed.Round(time.Second), minWall.Round(time.Second), elapsed.Seconds()/minWall.Seconds(),
			madeExpl+madeApollo, madeExpl, madeApollo, need.explorium+need.apollo, need.explorium, need.apollo,
			companyLookups, companies, sim.Counters().RateLimited)
	}
}

// BenchmarkEnrichContactOverhead works b.N enrich_contact jobs through the
// worker stack against a zero-latency simulator with every limit raised out
// of the way, next to bare River working b.N no-op jobs on the same
// database with the same queue settings:
//
//	go test -run '^$' -bench BenchmarkEnrichContactOverhead -benchtime 5000x ./internal/enrichment/
func BenchmarkEnrichContactOverhead(b *testing.B) {
	queues := map[string]int{jobs.QueueEnrichment: 50}
	rates := map[string]float64{}
	b.Run("bare_river_noop", func(b *testing.B) {
		ctx := context.Background()
		pool := dbtest.Pool(b)
		client := riverClient(b, pool, nil)
		params := make([]river.InsertManyParams, b.N)
		for i := range params {
			params[i] = river.InsertManyParams{Args: noopArgs{}}
		}
		insertMany(b, ctx, client, params)
		workers := river.NewWorkers()
		river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[noopArgs]) error { return nil }))
		runner := riverClient(b, pool, &river.Config{
			Workers: workers, Queues: map[string]river.QueueConfig{jobs.QueueEnrichment: {MaxWorkers: queues[jobs.QueueEnrichment]}},
			FetchCooldown: 5 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		})
		b.ResetTimer()
		began := time.Now()
		if err := runner.Start(ctx); err != nil {
			b.Fatal(err)
		}
		waitKinds(b, ctx, pool, []string{noopArgs{}.Kind()})
		elapsed := time.Since(began)
		b.StopTimer()
		if err := runner.Stop(ctx); err != nil {
			b.Error(err)
		}
		rates["bare"] = float64(b.N) / elapsed.Seconds()
		b.ReportMetric(rates["bare"], "jobs/s")
	})
	b.Run("enrich_contact", func(b *testing.B) {
		ctx := context.Background()
		pool := dbtest.Pool(b)
		insertPeople(b, ctx, pool, b.N, 0)
		unlimited := map[string][]vendorsim.Limit{"default": nil}
		sim := vendorsim.New(vendorsim.Options{Knobs: map[string]vendorsim.Knobs{
			"explorium": {Limits: unlimited},
			"apollo":    {Limits: map[string][]vendorsim.Limit{"default": nil, "enrichment": nil}},
		}}, vendorsim.NewExplorium(vendorsim.DevKey), vendorsim.NewApollo(vendorsim.DevKey))
		raised := map[string]string{
			"EXPLORIUM_RATE_LIMIT": "10000000/1m", "APOLLO_ENRICHMENT_RATE_LIMIT": "10000000/1m", "APOLLO_RATE_LIMIT": "10000000/1m",
		}
		b.ResetTimer()
		began := time.Now()
		stop := startWorker(b, ctx, pool, sim, obs.NewRegistry(), raised, queues)
		waitKinds(b, ctx, pool, []string{jobs.KindEnrichContact})
		elapsed := time.Since(began)
		b.StopTimer()
		stop()
		rates["enrich"] = float64(b.N) / elapsed.Seconds()
		b.ReportMetric(rates["enrich"], "jobs/s")
	})
	if bare, enrich := rates["bare"], rates["enrich"]; bare > 0 && enrich > 0 {
		fmt.Printf("enrich_contact overhead: %.0f jobs/s vs bare River no-op %.0f jobs/s (ratio %.2f)\n", enrich, bare, enrich/bare)
	}
}

// noopArgs is the anchor's kind: a job that does nothing.
type noopArgs struct{}

func (noopArgs) Kind() string { return "bench_enrich_noop" }

func (noopArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: jobs.QueueEnrichment} }

// startWorker runs worker.Run on pool with the vendors pointed at sim (and
// env added to the configuration), sharing limits on the test Redis.
func startWorker(b *testing.B, ctx context.Context, pool *pgxpool.Pool, sim *vendorsim.Sim, reg *prometheus.Registry,
	env map[string]string, queues map[string]int) (stop func()) {
	b.Helper()
	srv := httptest.NewServer(sim.Handler())
	rdb, prefix := dbtest.Redis(b)
	cfg, _, err := config.LoadWorker(func(k string) (string, bool) {
		switch k {
		case "VENDORSIM_URL":
			return srv.URL, true
		case "VENDOR_REDIS_PREFIX":
			return prefix + "vendor:", true
		case "ENRICHMENT_REDIS_PREFIX":
			return prefix + "enrichment:", true
		}
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		b.Fatal(err)
	}
	cfg.Queues = queues
	cfg.FetchCooldown, cfg.FetchPollInterval = 5*time.Millisecond, 50*time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- worker.Run(ctx, cfg, pool, obs.NewLogger(io.Discard, cfg.LogLevel), reg,
			worker.WithSchema(dbtest.Schema(pool)), worker.WithListener(ln), worker.WithRedis(rdb),
			worker.WithRegister(func(w *river.Workers) error {
				// score_contact follows every contact: a no-op stands in
				// when jobs.Register has no worker for it. The only refusal
				// of a valid WorkFunc is "already registered", so the
				// real worker, when there is one, is kept.
				noop := river.WorkFunc(func(context.Context, *river.Job[jobs.ScoreContactArgs]) error { return nil })
				_ = river.AddWorkerSafely(w, noop)
				return nil
			}))
	}()
	return func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
		srv.Close()
	}
}

// insertPeople inserts n contacts spread over `companies` companies (none
// when 0) and their enrich_contact jobs, and returns the emails and
// domains.
func insertPeople(b *testing.B, ctx context.Context, pool *pgxpool.Pool, n, companies int) (emails, domains []string) {
	b.Helper()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if companies > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO companies (domain)
				SELECT 'company' || g || '.bench.example' FROM generate_series(1, $1) g`, companies); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO contacts (email, company_id)
			SELECT 'person' || g || '@company' || (g % greatest($2, 1) + 1) || '.bench.example',
				(SELECT id FROM companies WHERE domain = 'company' || (g % greatest($2, 1) + 1) || '.bench.example')
			FROM generate_series(1, $1) g`, n, companies)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT id::text, email FROM contacts ORDER BY email`)
	if err != nil {
		b.Fatal(err)
	}
	var params []river.InsertManyParams
	for rows.Next() {
		var id, email string
		if err := rows.Scan(&id, &email); err != nil {
			b.Fatal(err)
		}
		emails = append(emails, email)
		cid, err := uuid.Parse(id)
		if err != nil {
			b.Fatal(err)
		}
		params = append(params, river.InsertManyParams{Args: jobs.EnrichContactArgs{ContactID: cid}})
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= companies; i++ {
		domains = append(domains, fmt.Sprintf("company%d.bench.example", i))
	}
	insertMany(b, ctx, riverClient(b, pool, nil), params)
	return emails, domains
}

// need is the vendor calls the waterfall needs at the least: Explorium
// matches and enriches in batches of 50 (2 calls a batch, 1 when nothing
// matched), Apollo takes what Explorium missed in batches of 10.
type need struct{ explorium, apollo int64 }

func callsNeeded(emails, domains []string) need {
	batches := func(n, size int) int64 { return int64((n + size - 1) / size) }
	missP, missC := 0, 0
	for _, e := range emails {
		if vendorsim.NoMatch("email:" + e) {
			missP++
		}
	}
	for _, d := range domains {
		if vendorsim.NoMatch(d) {
			missC++
		}
	}
	return need{
		explorium: batches(len(emails), 50) + batches(len(emails)-missP, 50) + batches(len(domains), 50) + batches(len(domains)-missC, 50),
		apollo:    batches(missP, 10) + batches(missC, 10),
	}
}

// waitEnriched waits until no enrichment job is left to run.
func waitEnriched(b *testing.B, ctx context.Context, pool *pgxpool.Pool) {
	waitKinds(b, ctx, pool, []string{jobs.KindEnrichContact, jobs.KindEnrichCompany})
}

func waitKinds(b *testing.B, ctx context.Context, pool *pgxpool.Pool, kinds []string) {
	b.Helper()
	for {
		var left int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = ANY($1)
			AND state NOT IN ('completed', 'cancelled', 'discarded')`, kinds).Scan(&left); err != nil {
			b.Fatal(err)
		}
		if left == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func riverClient(b *testing.B, pool *pgxpool.Pool, cfg *river.Config) *river.Client[pgx.Tx] {
	b.Helper()
	if cfg == nil {
		cfg = &river.Config{}
	}
	cfg.Schema = dbtest.Schema(pool)
	cfg.Logger = obs.NewLogger(io.Discard, slog.LevelInfo)
	c, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func insertMany(b *testing.B, ctx context.Context, c *river.Client[pgx.Tx], params []river.InsertManyParams) {
	b.Helper()
	for start := 0; start < len(params); start += 5000 {
		if _, err := c.InsertMany(ctx, params[start:min(start+5000, len(params))]); err != nil {
			b.Fatal(err)
		}
	}
}

// gatherSum adds up the counters named name whose labels include want.
func gatherSum(b *testing.B, reg *prometheus.Registry, name string, want map[string]string) float64 {
	b.Helper()
	families, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			matched := 0
			for _, l := range m.GetLabel() {
				if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
					matched++
				}
			}
			if matched == len(want) {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
