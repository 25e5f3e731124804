package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

// fetchSettings are River's fetch settings a benchmark runs under, for the
// engine and its bare River anchor alike, with the workflow queue's
// default concurrency (20 workers).
type fetchSettings struct {
	name           string
	poll, cooldown time.Duration
	// runs is how many concurrent runs the throughput benchmark starts:
	// enough for a few seconds of work, so start-up does not weigh on the
	// figure.
	runs int
}

// benchSettings: the worker's defaults (WORKER_FETCH_POLL_INTERVAL,
// WORKER_FETCH_COOLDOWN), whose cooldown bounds a queue at 20 jobs per
// 100 ms, and a low-latency setting.
var benchSettings = []fetchSettings{
	{"defaults", time.Second, 100 * time.Millisecond, 100},
	{"fast", 50 * time.Millisecond, 5 * time.Millisecond, 400},
}

const benchConcurrency = 20

// benchPoolConns is the worker's default pool size (DATABASE_MAX_CONNS),
// for the engine and its anchor alike.
const benchPoolConns = 20

// benchPool is a migrated schema with the worker's pool size.
func benchPool(b *testing.B) *pgxpool.Pool {
	return dbtest.SchemaPool(b, dbtest.Schema(dbtest.Pool(b)), benchPoolConns)
}

func benchClient(b *testing.B, pool *pgxpool.Pool, workers *river.Workers, fs fetchSettings) *river.Client[pgx.Tx] {
	b.Helper()
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema: dbtest.Schema(pool), Workers: workers, SkipUnknownJobCheck: true,
		Queues:            map[string]river.QueueConfig{QueueWorkflow: {MaxWorkers: benchConcurrency}},
		FetchPollInterval: fs.poll, FetchCooldown: fs.cooldown, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := client.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(ctx)
	})
	return client
}

// benchEngine is an engine whose one action, noop, returns at once.
func benchEngine(b *testing.B, fs fetchSettings) (*pgxpool.Pool, *engine.Engine, *river.Client[pgx.Tx]) {
	b.Helper()
	pool := benchPool(b)
	e := engine.New(pool, testActions, map[string]engine.Action{
		"echo": engine.ActionFunc(func(context.Context, engine.Invocation) (any, error) { return map[string]any{}, nil }),
	}, StepQueue{})
	workers := river.NewWorkers()
	river.AddWorker(workers, NewWorkflowStepWorker(e))
	return pool, e, benchClient(b, pool, workers, fs)
}

// chain is a workflow of n steps, each after the one before.
func chain(name string, n int) string {
	var s strings.Builder
	fmt.Fprintf(&s, "workflow:\n  metadata: {name: %s}\n  steps:\n", name)
	for i := range n {
		fmt.Fprintf(&s, "    - id: s%d\n      action: echo\n      inputs: {}\n", i)
	}
	return s.String()
}

func startRuns(b *testing.B, ctx context.Context, pool *pgxpool.Pool, e *engine.Engine, client *river.Client[pgx.Tx], name string, n int) []store.WorkflowRun {
	b.Helper()
	runs := make([]store.WorkflowRun, 0, n)
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for range n {
			r, err := e.Start(WithClient(ctx, client), tx, engine.StartRequest{Name: name})
			if err != nil {
				return err
			}
			runs = append(runs, r)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return runs
}

func awaitRuns(b *testing.B, ctx context.Context, pool *pgxpool.Pool, runs []store.WorkflowRun) {
	b.Helper()
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		var left int
		ids := make([]string, len(runs))
		for i, r := range runs {
			ids[i] = r.ID.String()
		}
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM workflow_states WHERE id::text = ANY($1) AND status = 'running'`, ids).Scan(&left); err != nil {
			b.Fatal(err)
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d runs still running", left)
		}
	}
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(d)
	return d[len(d)/2], d[min(len(d)-1, len(d)*99/100)]
}

// BenchmarkStepTransition runs a chain of 50 no-op steps and reports the
// time from one step's completion to the next one's start (p50, p99),
// beside River's insert-to-pickup latency for a chain of 50 jobs, each
// inserted by the one before, with the same fetch settings:
//
//	go test -run '^$' -bench BenchmarkStepTransition -benchtime 1x ./jobs/
func BenchmarkStepTransition(b *testing.B) {
	const steps = 50
	ctx := context.Background()
	for b.Loop() {
		for _, fs := range benchSettings {
			stepTransition(b, ctx, fs, steps)
		}
	}
}

func stepTransition(b *testing.B, ctx context.Context, fs fetchSettings, steps int) {
	{
		// The anchor: bare River.
		pool := benchPool(b)
		var mu sync.Mutex
		var lat []time.Duration
		done := make(chan struct{})
		workers := river.NewWorkers()
		var client *river.Client[pgx.Tx]
		river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[benchHop]) error {
			mu.Lock()
			lat = append(lat, time.Since(job.Args.Inserted))
			mu.Unlock()
			if job.Args.N+1 == steps {
				close(done)
				return nil
			}
			_, err := client.Insert(ctx, benchHop{N: job.Args.N + 1, Inserted: time.Now()}, nil)
			return err
		}))
		client = benchClient(b, pool, workers, fs)
		if _, err := client.Insert(ctx, benchHop{Inserted: time.Now()}, nil); err != nil {
			b.Fatal(err)
		}
		<-done
		riverP50, riverP99 := percentiles(lat[1:])

		// The engine.
		epool, e, eclient := benchEngine(b, fs)
		if _, _, err := engine.Register(ctx, epool, "chain.yaml", []byte(chain("chain", steps)), store.OriginAPI, testActions); err != nil {
			b.Fatal(err)
		}
		runs := startRuns(b, ctx, epool, e, eclient, "chain", 1)
		awaitRuns(b, ctx, epool, runs)
		rows, err := epool.Query(ctx, `
			SELECT extract(epoch FROM s.started_at - p.finished_at)
			FROM workflow_step_runs s JOIN workflow_step_runs p ON p.run_id = s.run_id AND p.step_id = 's' || (substr(s.step_id, 2)::int - 1)
			WHERE s.run_id = $1 AND s.step_id <> 's0'`, runs[0].ID)
		if err != nil {
			b.Fatal(err)
		}
		gaps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (time.Duration, error) {
			var secs float64
			err := r.Scan(&secs)
			return time.Duration(secs * float64(time.Second)), err
		})
		if err != nil || len(gaps) != steps-1 {
			b.Fatalf("%d transitions, %v", len(gaps), err)
		}
		p50, p99 := percentiles(gaps)
		b.ReportMetric(float64(p50.Microseconds())/1000, fs.name+"_p50_ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, fs.name+"_p99_ms")
		b.ReportMetric(float64(riverP50.Microseconds())/1000, fs.name+"_river_p50_ms")
		b.ReportMetric(float64(riverP99.Microseconds())/1000, fs.name+"_river_p99_ms")
		b.Logf("%s (fetch poll %v, cooldown %v): step transition over a chain of %d no-op steps p50 %v, p99 %v; River insert-to-pickup p50 %v, p99 %v",
			fs.name, fs.poll, fs.cooldown, steps, p50.Round(time.Microsecond), p99.Round(time.Microsecond),
			riverP50.Round(time.Microsecond), riverP99.Round(time.Microsecond))
	}
}

// benchHop is the anchor's job: it inserts the next one.
type benchHop struct {
	Chain    int       `json:"chain,omitempty"`
	N        int       `json:"n"`
	Inserted time.Time `json:"inserted"`
}

func (benchHop) Kind() string { return "bench_hop" }

// InsertOpts puts the anchor on the workflow queue.
func (benchHop) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueWorkflow} }

// BenchmarkWorkflowThroughput runs many concurrent runs of a 10-step no-op
// chain (100 at the default fetch settings, 400 at the fast ones) and
// reports step transitions per second beside bare River no-op jobs per
// second on the same queue settings and as many jobs (target >= 0.3x), and
// beside River chains that hand off in one transaction as every transition
// does:
//
//	go test -run '^$' -bench BenchmarkWorkflowThroughput -benchtime 1x ./jobs/
func BenchmarkWorkflowThroughput(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		for _, fs := range benchSettings {
			workflowThroughput(b, ctx, fs)
		}
	}
}

func workflowThroughput(b *testing.B, ctx context.Context, fs fetchSettings) {
	runs, steps := fs.runs, 10
	{
		pool := benchPool(b)
		workers := river.NewWorkers()
		var wg sync.WaitGroup
		wg.Add(runs * steps)
		river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[benchStepNoop]) error { wg.Done(); return nil }))
		client := benchClient(b, pool, workers, fs)
		params := make([]river.InsertManyParams, runs*steps)
		for i := range params {
			params[i] = river.InsertManyParams{Args: benchStepNoop{}}
		}
		start := time.Now()
		if _, err := client.InsertMany(ctx, params); err != nil {
			b.Fatal(err)
		}
		wg.Wait()
		bare := float64(runs*steps) / time.Since(start).Seconds()
		release(client, pool)

		epool, e, eclient := benchEngine(b, fs)
		if _, _, err := engine.Register(ctx, epool, "ten.yaml", []byte(chain("ten", steps)), store.OriginAPI, testActions); err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		rs := startRuns(b, ctx, epool, e, eclient, "ten", runs)
		awaitRuns(b, ctx, epool, rs)
		ours := float64(runs*steps) / time.Since(start).Seconds()
		release(eclient, epool)
		handoff := riverHandoff(b, ctx, fs, runs, steps)
		b.ReportMetric(ours, fs.name+"_transitions/s")
		b.ReportMetric(bare, fs.name+"_river_noop_jobs/s")
		b.ReportMetric(handoff, fs.name+"_river_handoffs/s")
		b.ReportMetric(ours/bare, fs.name+"_x_river")
		b.Logf("%s (fetch poll %v, cooldown %v, %d workers): %d concurrent runs of a %d-step no-op chain %.0f step transitions/s; "+
			"bare River no-op jobs %.0f jobs/s (%.2fx, target >= 0.3x); River chains handing off in one transaction %.0f hops/s (%.2fx)",
			fs.name, fs.poll, fs.cooldown, benchConcurrency, runs, steps, ours, bare, ours/bare, handoff, ours/handoff)
	}
}

// riverHandoff is the second anchor: River alone doing what every step
// transition must, runs chains of steps no-op jobs each of which inserts the
// next and completes itself in one transaction (JobCompleteTx), and
// returns the hops per second.
func riverHandoff(b *testing.B, ctx context.Context, fs fetchSettings, chains, steps int) float64 {
	pool := benchPool(b)
	workers := river.NewWorkers()
	var client *river.Client[pgx.Tx]
	var wg sync.WaitGroup
	wg.Add(chains * steps)
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[benchHop]) error {
		defer wg.Done()
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if job.Args.N+1 < steps {
				if _, err := client.InsertTx(ctx, tx, benchHop{Chain: job.Args.Chain, N: job.Args.N + 1}, nil); err != nil {
					return err
				}
			}
			_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
			return err
		})
	}))
	client = benchClient(b, pool, workers, fs)
	params := make([]river.InsertManyParams, chains)
	for i := range params {
		params[i] = river.InsertManyParams{Args: benchHop{Chain: i}}
	}
	start := time.Now()
	if _, err := client.InsertMany(ctx, params); err != nil {
		b.Fatal(err)
	}
	wg.Wait()
	hops := float64(chains*steps) / time.Since(start).Seconds()
	release(client, pool)
	return hops
}

// release stops a measurement's client and closes its pool before the
// next measurement, so idle clients neither poll nor hold connections (the
// server's max_connections is shared by every pool of the benchmark).
func release(client *river.Client[pgx.Tx], pool *pgxpool.Pool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = client.Stop(ctx)
	pool.Close()
}

// benchStepNoop is the throughput anchor's job.
type benchStepNoop struct{}

func (benchStepNoop) Kind() string { return "bench_step_noop" }

// InsertOpts puts the anchor on the workflow queue.
func (benchStepNoop) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueWorkflow} }
