package worker

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/jobs"
)

// noopArgs is the benchmark's kind: a job whose work is nothing, so what is
// measured is the queue machinery and the platform's layer around it.
type noopArgs struct{}

func (noopArgs) Kind() string { return "bench_noop" }

type noopWorker struct{ river.WorkerDefaults[noopArgs] }

func (noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

// Both sides serve the same queue with the same concurrency and fetch
// settings; fetching is tuned for throughput so the comparison measures the
// per-job cost, not a fetch-interval cap both would hit.
var benchCfg = config.Worker{
	Queues:              map[string]int{jobs.QueueWorkflow: 100},
	FetchCooldown:       5 * time.Millisecond,
	FetchPollInterval:   50 * time.Millisecond,
	ShutdownTimeout:     30 * time.Second,
	MaintenanceInterval: time.Hour,
}

// BenchmarkWorkerThroughput works b.N no-op jobs with a bare River client
// and with the full worker stack of Run (middleware, queue stats, periodic
// jobs, HTTP server), and prints the ratio of the two:
//
//	go test -run '^$' -bench BenchmarkWorkerThroughput -benchtime 20000x ./internal/worker/
func BenchmarkWorkerThroughput(b *testing.B) {
	rates := map[string]float64{}
	b.Run("bare_river", func(b *testing.B) {
		rates["bare_river"] = benchThroughput(b, func(ctx context.Context, pool *pgxpool.Pool, subscribe func(*river.Client[pgx.Tx])) func() {
			workers := river.NewWorkers()
			river.AddWorker(workers, noopWorker{})
			queues := map[string]river.QueueConfig{}
			for q, n := range benchCfg.Queues {
				queues[q] = river.QueueConfig{MaxWorkers: n}
			}
			client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
				FetchCooldown:     benchCfg.FetchCooldown,
				FetchPollInterval: benchCfg.FetchPollInterval,
				Logger:            obs.NewLogger(io.Discard, benchCfg.LogLevel),
				Queues:            queues,
				Schema:            dbtest.Schema(pool),
				Workers:           workers,
			})
			if err != nil {
				b.Fatal(err)
			}
			subscribe(client)
			if err := client.Start(ctx); err != nil {
				b.Fatal(err)
			}
			return func() {
				if err := client.Stop(context.Background()); err != nil {
					b.Error(err)
				}
			}
		})
	})
	b.Run("platform", func(b *testing.B) {
		rates["platform"] = benchThroughput(b, func(ctx context.Context, pool *pgxpool.Pool, subscribe func(*river.Client[pgx.Tx])) func() {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() {
				done <- Run(ctx, benchCfg, pool, obs.NewLogger(io.Discard, benchCfg.LogLevel), obs.NewRegistry(),
					WithSchema(dbtest.Schema(pool)),
					WithListener(ln),
					WithRegister(func(w *river.Workers) error { return river.AddWorkerSafely(w, noopWorker{}) }),
					WithClient(subscribe))
			}()
			return func() {
				cancel()
				if err := <-done; err != nil {
					b.Error(err)
				}
			}
		})
	})
	if bare, platform := rates["bare_river"], rates["platform"]; bare > 0 && platform > 0 {
		fmt.Printf("worker throughput: platform %.0f jobs/s vs bare River %.0f jobs/s (ratio %.2f)\n",
			platform, bare, platform/bare)
	}
}

// benchThroughput inserts b.N no-op jobs into a fresh schema, then times
// start until every job is completed. start builds and starts a client,
// calling subscribe with it before it works anything, and returns its stop.
func benchThroughput(b *testing.B, start func(ctx context.Context, pool *pgxpool.Pool, subscribe func(*river.Client[pgx.Tx])) (stop func())) float64 {
	ctx := context.Background()
	pool := dbtest.Pool(b)
	insertNoops(b, ctx, pool, b.N)

	subscribed := make(chan (<-chan *river.Event), 1)
	subscribe := func(c *river.Client[pgx.Tx]) {
		// Sized for every event: River drops events that do not fit, which
		// would hang the count.
		events, _ := c.SubscribeConfig(&river.SubscribeConfig{
			ChanSize: b.N + 1000,
			Kinds:    []river.EventKind{river.EventKindJobCompleted},
		})
		subscribed <- events
	}

	b.ResetTimer()
	began := time.Now()
	stop := start(ctx, pool, subscribe)
	events := <-subscribed // Run subscribes from its own goroutine
	stall := time.NewTimer(time.Minute)
	for done := 0; done < b.N; {
		select {
		case ev := <-events:
			if ev.Job.Kind == (noopArgs{}).Kind() {
				done++
			}
		case <-stall.C:
			b.Fatalf("only %d of %d jobs completed", done, b.N)
		}
	}
	elapsed := time.Since(began)
	b.StopTimer()
	stop()

	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "jobs/s")
	return rate
}

func insertNoops(b *testing.B, ctx context.Context, pool *pgxpool.Pool, n int) {
	b.Helper()
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Schema: dbtest.Schema(pool)})
	if err != nil {
		b.Fatal(err)
	}
	const chunk = 5000
	for left := n; left > 0; left -= chunk {
		params := make([]river.InsertManyParams, min(left, chunk))
		for i := range params {
			params[i] = river.InsertManyParams{Args: noopArgs{}, InsertOpts: &river.InsertOpts{Queue: jobs.QueueWorkflow}}
		}
		if _, err := client.InsertMany(ctx, params); err != nil {
			b.Fatalf("insert jobs: %v", err)
		}
	}
}

// BenchmarkMiddleware is the per-job cost of the middleware alone, with the
// production JSON logger and a job that does nothing.
func BenchmarkMiddleware(b *testing.B) {
	mw, err := NewMiddleware(obs.NewRegistry(), obs.NewLogger(io.Discard, benchCfg.LogLevel))
	if err != nil {
		b.Fatal(err)
	}
	job := &rivertype.JobRow{ID: 12345, Kind: "bench_noop", Queue: jobs.QueueWorkflow, Attempt: 1}
	noop := func(context.Context) error { return nil }
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := mw.Work(ctx, job, noop); err != nil {
				b.Fatal(err)
			}
		}
	})
}
