package worker

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/jobs"
)

type runBundle struct {
	pool   *pgxpool.Pool
	reg    *prometheus.Registry
	base   string // http://host:port of /healthz and /metrics
	client *river.Client[pgx.Tx]
	events <-chan *river.Event
	cancel context.CancelFunc
	done   chan error
}

// startRun runs the worker on a fresh schema and a :0 listener and waits
// until /readyz answers 200. It is stopped when the test ends, if the test
// has not stopped it.
func startRun(t *testing.T, cfg config.Worker, opts ...Option) *runBundle {
	t.Helper()
	pool := dbtest.Pool(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &runBundle{pool: pool, reg: prometheus.NewRegistry(), base: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	type built struct {
		client *river.Client[pgx.Tx]
		events <-chan *river.Event
	}
	clientCh := make(chan built, 1)
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel

	opts = append([]Option{
		WithSchema(dbtest.Schema(pool)),
		WithListener(ln),
		WithQueueStatsInterval(50 * time.Millisecond),
		WithClient(func(c *river.Client[pgx.Tx]) {
			events, _ := c.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
			clientCh <- built{c, events}
		}),
	}, opts...)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { b.done <- Run(ctx, cfg, pool, logger, b.reg, opts...) }()
	t.Cleanup(func() {
		cancel()
		<-b.done
	})

	select {
	case c := <-clientCh:
		b.client, b.events = c.client, c.events
	case err := <-b.done:
		t.Fatalf("Run returned before starting: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for b.status(t, "/readyz") != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("worker never became healthy")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return b
}

// status returns the status code of GET path, 0 when nothing answers.
func (b *runBundle) status(t *testing.T, path string) int {
	t.Helper()
	res, err := http.Get(b.base + path)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// stop cancels Run's context and returns what Run returned.
func (b *runBundle) stop(t *testing.T) error {
	t.Helper()
	b.cancel()
	select {
	case err := <-b.done:
		b.done <- err // for the cleanup
		return err
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return after cancel")
		return nil
	}
}

// waitEvent waits for a completed or failed event of job id.
func (b *runBundle) waitEvent(t *testing.T, match func(*river.Event) bool) *river.Event {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev := <-b.events:
			if match(ev) {
				return ev
			}
		case <-timeout:
			t.Fatal("timed out waiting for a job event")
			return nil
		}
	}
}

func testConfig(queues map[string]int) config.Worker {
	return config.Worker{
		Queues:              queues,
		FetchCooldown:       10 * time.Millisecond,
		FetchPollInterval:   100 * time.Millisecond,
		ShutdownTimeout:     5 * time.Second,
		MaintenanceInterval: time.Hour,
	}
}

func TestRunWorksJobsAndServesMetrics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := startRun(t, testConfig(map[string]int{jobs.QueueAI: 2, jobs.QueueMaintenance: 1}),
		WithRegister(func(w *river.Workers) error { return river.AddWorkerSafely(w, &outcomeWorker{}) }))

	res, err := b.client.Insert(ctx, outcomeArgs{Outcome: OutcomeCompleted}, &river.InsertOpts{Queue: jobs.QueueAI})
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
	ev := b.waitEvent(t, func(ev *river.Event) bool { return ev.Job.ID == res.Job.ID })
	if ev.Kind != river.EventKindJobCompleted {
		t.Errorf("test job event = %s, want completed", ev.Kind)
	}
	// The periodic cleanup runs at start (RunOnStart) on the maintenance queue.
	ev = b.waitEvent(t, func(ev *river.Event) bool { return ev.Job.Kind == jobs.KindMaintenanceCleanup })
	if ev.Kind != river.EventKindJobCompleted {
		t.Errorf("cleanup job event = %s, want completed", ev.Kind)
	}

	if got := b.status(t, "/healthz"); got != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", got)
	}
	metrics := b.get(t, "/metrics")
	for _, want := range []string{
		`river_jobs_total{kind="worker_test_outcome",outcome="completed",queue="ai"} 1`,
		`river_jobs_total{kind="maintenance_cleanup",outcome="completed",queue="maintenance"} 1`,
		`river_job_duration_seconds_count{kind="worker_test_outcome",queue="ai"} 1`,
		`river_queue_available_jobs{queue="ai"}`,
		`river_queue_oldest_available_age_seconds{queue="maintenance"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	if err := b.stop(t); err != nil {
		t.Errorf("Run returned %v after a clean shutdown, want nil", err)
	}
}

func (b *runBundle) get(t *testing.T, path string) string {
	t.Helper()
	res, err := http.Get(b.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, err %v", path, res.StatusCode, err)
	}
	return string(body)
}

// `rtgs dev` and benchmarks may run the worker without its HTTP server.
func TestRunWithoutHTTP(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool := dbtest.Pool(t)
	events := make(chan (<-chan *river.Event), 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, testConfig(map[string]int{jobs.QueueAI: 1}), pool, nil, prometheus.NewRegistry(),
			WithSchema(dbtest.Schema(pool)),
			WithHTTP(false),
			WithRegister(func(w *river.Workers) error { return river.AddWorkerSafely(w, &outcomeWorker{}) }),
			WithClient(func(c *river.Client[pgx.Tx]) {
				ch, _ := c.Subscribe(river.EventKindJobCompleted)
				if _, err := c.Insert(ctx, outcomeArgs{Outcome: OutcomeCompleted}, &river.InsertOpts{Queue: jobs.QueueAI}); err != nil {
					t.Errorf("insert: %v", err)
				}
				events <- ch
			}))
	}()
	var completed <-chan *river.Event
	select {
	case completed = <-events:
	case err := <-done:
		t.Fatalf("Run returned early: %v", err)
	}
	select {
	case <-completed:
	case <-time.After(30 * time.Second):
		t.Fatal("job never completed")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
}
