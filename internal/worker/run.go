// Package worker runs the platform's worker process: a River client serving
// the configured queues with every job kind registered, the job middleware
// (job-scoped logs, metrics), queue depth gauges, and a small HTTP server for
// /healthz, /readyz and /metrics. cmd/worker and `rtgs dev` both call Run.
package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/actions"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/internal/vendors"
	"github.com/rtgs/sales-automation/jobs"
	"github.com/rtgs/sales-automation/workflows"
)

const (
	// httpShutdownTimeout bounds the drain of /metrics scrapes on shutdown.
	httpShutdownTimeout = 5 * time.Second
	// hardStopTimeout bounds the wait for cancelled jobs to return; a job
	// that ignores its context must not keep the process alive for ever.
	hardStopTimeout = 10 * time.Second
	// Defaults for a config.Worker built by hand rather than LoadWorker.
	defaultShutdownTimeout     = 30 * time.Second
	defaultMaintenanceInterval = time.Hour
)

// Run works jobs until ctx is done, then shuts down gracefully: River stops
// fetching and in-flight jobs get cfg.ShutdownTimeout to finish; jobs still
// running after that have their contexts cancelled (they are retried later).
// It returns nil after a clean shutdown. pool is used for River and the
// workers; metrics are registered on reg and served with it.
func Run(ctx context.Context, cfg config.Worker, pool *pgxpool.Pool, logger *slog.Logger, reg *prometheus.Registry, opts ...Option) error {
	o := newOptions(opts)
	// Until the server owns the injected listener, failing returns close it.
	fail := func(err error) error {
		if o.listener != nil {
			o.listener.Close()
		}
		return err
	}
	if pool == nil || reg == nil {
		return fail(errors.New("run worker: nil pool or registry"))
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = withDefaults(cfg)
	if err := loadWorkflowLibrary(ctx, pool); err != nil {
		logger.Warn("workflow library not registered", slog.Any("error", err))
	}

	mw, err := NewMiddleware(reg, logger)
	if err != nil {
		return fail(err)
	}
	vendorSet, err := vendors.New(cfg.Vendors, vendors.Deps{
		Redis: o.redis, Registerer: reg, Usage: store.NewVendorUsage(pool), Logger: logger,
	})
	if err != nil {
		return fail(err)
	}
	client, err := newClient(cfg, pool, logger, mw, vendorSet, reg, o)
	if err != nil {
		return fail(err)
	}
	stats, err := NewQueueStats(pool, o.schema, slices.Sorted(maps.Keys(cfg.Queues)), reg)
	if err != nil {
		return fail(err)
	}
	for _, fn := range o.onClient {
		fn(client)
	}

	// Listen before starting River so a taken port fails the start instead
	// of leaving a worker that cannot be probed or scraped.
	var ready atomic.Bool
	srv, addr, serveErr, err := startHTTP(cfg.Addr, o, reg, &ready)
	if err != nil {
		return err
	}

	// River's Start context is detached from ctx: cancelling the Start
	// context would make River cancel running jobs at once, and shutdown
	// must first let them finish.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return errors.Join(fmt.Errorf("start river client: %w", err), shutdownHTTP(srv))
	}
	ready.Store(true)

	statsCtx, stopStats := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { stats.Run(statsCtx, o.statsInterval, logger) })
	// Usage accounting outlives the jobs: it stops after River, with a
	// final flush of what the last jobs spent.
	wg.Go(func() {
		if err := vendorSet.Run(statsCtx); err != nil && !errors.Is(err, context.Canceled) {
			logger.Warn("vendor usage accounting stopped", slog.Any("error", err))
		}
	})

	logger.InfoContext(ctx, "worker started",
		slog.String("addr", addr), slog.String("queues", config.FormatQueues(cfg.Queues)),
		slog.Any("vendors", vendorSet.Configured()))

	var serveFailed error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		serveFailed = fmt.Errorf("serve worker http: %w", err)
	}

	ready.Store(false)
	mw.stopping.Store(true)
	logger.InfoContext(ctx, "worker stopping", slog.Duration("shutdown_timeout", cfg.ShutdownTimeout))
	stopErr := stopClient(client, cfg.ShutdownTimeout, logger)
	stopStats()
	wg.Wait()
	err = errors.Join(serveFailed, stopErr, shutdownHTTP(srv))
	if err == nil {
		logger.InfoContext(ctx, "worker stopped")
	}
	return err
}

// withDefaults fills what LoadWorker always sets, for configs built in code.
func withDefaults(cfg config.Worker) config.Worker {
	if len(cfg.Queues) == 0 {
		cfg.Queues = config.DefaultQueues()
	}
	cfg.ShutdownTimeout = cmp.Or(cfg.ShutdownTimeout, defaultShutdownTimeout)
	cfg.MaintenanceInterval = cmp.Or(cfg.MaintenanceInterval, defaultMaintenanceInterval)
	return cfg
}

// newClient builds the River client of the worker: every platform kind plus
// the caller's, the middleware first in the chain, the periodic jobs.
func newClient(cfg config.Worker, pool *pgxpool.Pool, logger *slog.Logger, mw *Middleware, vendorSet *vendors.Set, reg prometheus.Registerer, o options) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	key := cfg.SuppressionKey.Reveal()
	if key == "" { // a config built in code rather than loaded: the loader's development default
		key = config.DevSuppressionKey
	}
	if err := jobs.Register(workers, jobs.Deps{Pool: pool, Logger: logger, Vendors: vendorSet,
		Redis: o.redis, Registerer: reg, Enrichment: cfg.Enrichment, WebhookHosts: cfg.WebhookHosts, AIProvider: cfg.Vendors.AIProvider,
		Hasher: contacts.NewHasher([]byte(key))}); err != nil {
		return nil, err
	}
	for _, register := range o.register {
		if err := register(workers); err != nil {
			return nil, fmt.Errorf("register extra workers: %w", err)
		}
	}
	queues := make(map[string]river.QueueConfig, len(cfg.Queues))
	for name, n := range cfg.Queues {
		queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		FetchCooldown:        cfg.FetchCooldown,
		FetchPollInterval:    cfg.FetchPollInterval,
		Logger:               logger,
		Middleware:           []rivertype.Middleware{mw},
		PeriodicJobs:         append(jobs.PeriodicJobs(cfg.MaintenanceInterval), jobs.OutreachPullJob(cfg.OutreachPullInterval)),
		Queues:               queues,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueStuckJobsAfter,
		Schema:               o.schema,
		Workers:              workers,
	})
	if err != nil {
		return nil, fmt.Errorf("build river client: %w", err)
	}
	return client, nil
}

// stopClient stops fetching and waits up to timeout for in-flight jobs, then
// cancels the contexts of those still running and waits for them to return.
func stopClient(client *river.Client[pgx.Tx], timeout time.Duration, logger *slog.Logger) error {
	softCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := client.Stop(softCtx)
	if err == nil {
		return nil
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stop river client: %w", err)
	}

	logger.Warn("jobs still running after the shutdown timeout; cancelling them", slog.Duration("shutdown_timeout", timeout))
	hardCtx, cancel := context.WithTimeout(context.Background(), hardStopTimeout)
	defer cancel()
	if err := client.StopAndCancel(hardCtx); err != nil {
		return fmt.Errorf("stop river client after cancelling jobs: %w", err)
	}
	return nil
}

// startHTTP serves handler on the injected listener or on addr, unless
// HTTP is off (then srv is nil and serveErr never receives).
func startHTTP(addr string, o options, reg *prometheus.Registry, ready *atomic.Bool) (srv *http.Server, bound string, serveErr <-chan error, err error) {
	if !o.http {
		if o.listener != nil {
			o.listener.Close()
		}
		return nil, "", nil, nil
	}
	ln := o.listener
	if ln == nil {
		if ln, err = net.Listen("tcp", addr); err != nil {
			return nil, "", nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
	}
	errs := make(chan error, 1)
	srv = &http.Server{Handler: handler(reg, ready), ReadHeaderTimeout: 5 * time.Second}
	go func() { errs <- srv.Serve(ln) }()
	return srv, ln.Addr().String(), errs, nil
}

// handler serves /healthz, /readyz and /metrics from reg. /healthz answers
// 200 as long as the process serves at all, including while it drains: a
// liveness probe failing during a 30-second drain would get the pod killed
// mid-job. /readyz answers 200 only while River works jobs, 503 before the
// start and once shutdown has begun.
func handler(reg *prometheus.Registry, ready *atomic.Bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok\n") //nolint:errcheck // a probe that hung up needs no answer
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "not working jobs", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n") //nolint:errcheck // as above
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// shutdownHTTP drains the server, if there is one.
func shutdownHTTP(srv *http.Server) error {
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down worker http: %w", err)
	}
	return nil
}

// loadWorkflowLibrary registers the shipped workflows (idempotent; every
// process does it at start).
func loadWorkflowLibrary(ctx context.Context, pool *pgxpool.Pool) error {
	cat, err := actions.Builtin()
	if err != nil {
		return err
	}
	return engine.LoadLibrary(ctx, pool, workflows.Library, cat)
}
