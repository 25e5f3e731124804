package worker

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/jobs"
)

// blockArgs is a test kind that runs until released ("finish") or until its
// context is cancelled ("hang").
type blockArgs struct {
	Mode string `json:"mode"`
}

func (blockArgs) Kind() string { return "worker_test_block" }

type blockWorker struct {
	river.WorkerDefaults[blockArgs]
	started chan string
	release chan struct{}
	hungCtx atomic.Bool // the hanging job saw its context cancelled
}

func (w *blockWorker) Work(ctx context.Context, job *river.Job[blockArgs]) error {
	w.started <- job.Args.Mode
	if job.Args.Mode == "finish" {
		select {
		case <-w.release:
			return nil
		case <-ctx.Done():
			return ctx.Err() // cancelled too early: counted as failed
		}
	}
	<-ctx.Done()
	w.hungCtx.Store(true)
	return ctx.Err()
}

func TestRunGracefulShutdown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := &blockWorker{started: make(chan string, 2), release: make(chan struct{})}
	cfg := testConfig(map[string]int{jobs.QueueWorkflow: 2})
	cfg.ShutdownTimeout = 2 * time.Second
	b := startRun(t, cfg, WithRegister(func(ws *river.Workers) error { return river.AddWorkerSafely(ws, w) }))

	ids := map[string]int64{}
	for _, mode := range []string{"finish", "hang"} {
		res, err := b.client.Insert(ctx, blockArgs{Mode: mode}, &river.InsertOpts{Queue: jobs.QueueWorkflow, MaxAttempts: 5})
		if err != nil {
			t.Fatalf("insert: %v", err)
		}
		ids[mode] = res.Job.ID
	}
	for range 2 {
		select {
		case <-w.started:
		case <-time.After(30 * time.Second):
			t.Fatal("jobs did not start")
		}
	}

	stopped := make(chan error, 1)
	go func() { stopped <- b.stop(t) }()
	// Release the finishing job only once shutdown is under way (readyz
	// turns 503), so it is an in-flight job that River lets finish. The
	// process still reports itself alive while it drains.
	for b.status(t, "/readyz") != http.StatusServiceUnavailable {
		time.Sleep(5 * time.Millisecond)
	}
	if got := b.status(t, "/healthz"); got != http.StatusOK {
		t.Errorf("/healthz while draining = %d, want 200", got)
	}
	close(w.release)
	if err := <-stopped; err != nil {
		t.Errorf("Run returned %v, want nil", err)
	}

	if !w.hungCtx.Load() {
		t.Error("the job longer than the shutdown timeout never saw its context cancelled")
	}
	for mode, want := range map[string]string{"finish": OutcomeCompleted, "hang": OutcomeInterrupted} {
		if got := counterValue(t, b.reg, "worker_test_block", want); got != 1 {
			t.Errorf("%s job: river_jobs_total{outcome=%q} = %v, want 1", mode, want, got)
		}
		var state string
		var attempt int
		if err := b.pool.QueryRow(ctx, `SELECT state, attempt FROM river_job WHERE id = $1`,
			ids[mode]).Scan(&state, &attempt); err != nil {
			t.Fatal(err)
		}
		if mode == "finish" && state != "completed" {
			t.Errorf("finished job state = %s, want completed", state)
		}
		// Interrupted by shutdown: available again for another worker,
		// without an attempt spent.
		if mode == "hang" && (state != "available" || attempt != 0) {
			t.Errorf("interrupted job state = %s, attempt %d; want available, 0", state, attempt)
		}
	}
}

// counterValue reads river_jobs_total for kind and outcome from a gatherer.
func counterValue(t *testing.T, g prometheus.Gatherer, kind, outcome string) float64 {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "river_jobs_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
