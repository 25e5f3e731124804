package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/internal/obs"
)

// Outcomes of one job attempt, the values of the outcome label.
const (
	OutcomeCompleted = "completed"
	OutcomeFailed    = "failed"
	OutcomeSnoozed   = "snoozed"
	OutcomeCancelled = "cancelled"
	OutcomePanicked  = "panicked"
	// OutcomeInterrupted is a job whose context was cancelled by shutdown
	// after the grace period: River makes it available again without
	// spending an attempt, so it is neither a failure nor a success.
	OutcomeInterrupted = "interrupted"
)

// outcomes indexes the counters of one kind and queue; the order matches the
// outcome* indexes below.
var outcomes = [...]string{OutcomeCompleted, OutcomeFailed, OutcomeSnoozed, OutcomeCancelled, OutcomePanicked, OutcomeInterrupted}

const (
	outcomeCompleted = iota
	outcomeFailed
	outcomeSnoozed
	outcomeCancelled
	outcomePanicked
	outcomeInterrupted
)

// durationBuckets span no-op jobs (milliseconds) to long vendor batches
// (minutes); Prometheus's defaults stop at 10 s.
var durationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}

// Middleware is River worker middleware around every job: it puts a
// job-scoped logger into ctx (obs.Logger finds it) and counts outcomes and
// durations by kind and queue. Install it first in river.Config.Middleware so
// it wraps everything else. Jobs cut short by a shutdown count as
// "interrupted" only under Run, which tells the middleware when it stops;
// elsewhere they count as "failed".
type Middleware struct {
	river.MiddlewareDefaults

	logger   *slog.Logger
	total    *prometheus.CounterVec
	duration *prometheus.HistogramVec

	// series caches the label-curried metrics per kind and queue, so a job
	// pays one read-locked map lookup instead of hashing label values through
	// the vectors. A plain map keyed by a struct does not allocate on lookup,
	// which a sync.Map with an interface key would.
	mu     sync.RWMutex
	series map[seriesKey]*series

	// stopping is set by Run when shutdown starts, to tell jobs interrupted
	// by the stop from jobs that failed.
	stopping atomic.Bool
}

type seriesKey struct{ kind, queue string }

type series struct {
	outcomes [len(outcomes)]prometheus.Counter
	duration prometheus.Observer
}

// NewMiddleware registers river_jobs_total and river_job_duration_seconds on
// reg and returns the middleware. Lines logged through the job-scoped logger
// derive from logger. Registering on a registry that already has the metrics
// (a second worker in one process) reuses them.
func NewMiddleware(reg prometheus.Registerer, logger *slog.Logger) (*Middleware, error) {
	total := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "river_jobs_total",
		Help: "Job attempts by kind, queue and outcome (completed, failed, snoozed, cancelled, panicked, interrupted).",
	}, []string{"kind", "queue", "outcome"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "river_job_duration_seconds",
		Help:    "Time one job attempt spent in its worker, by kind and queue.",
		Buckets: durationBuckets,
	}, []string{"kind", "queue"})
	var err error
	if total, err = register(reg, total); err != nil {
		return nil, err
	}
	if duration, err = register(reg, duration); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Middleware{logger: logger, total: total, duration: duration, series: map[seriesKey]*series{}}, nil
}

// register registers c on reg, or returns the collector already registered
// under the same description.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	if err != nil {
		var zero C
		return zero, fmt.Errorf("register job metrics: %w", err)
	}
	return c, nil
}

// Work runs the job with a job-scoped logger in ctx and records its outcome
// and duration. A panic is recovered here, not left to River, so that it is
// counted as "panicked"; it becomes an error carrying the panic value and
// stack, which River stores on the job and retries like any other error.
func (m *Middleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) (err error) {
	s := m.seriesFor(job.Kind, job.Queue)
	ctx = obs.WithLogger(ctx, jobLogger(m.logger, job))
	start := time.Now()
	defer func() {
		outcome := outcomeOf(ctx, err, m.stopping.Load())
		if r := recover(); r != nil {
			outcome = outcomePanicked
			err = fmt.Errorf("job panicked: %v\n%s", r, debug.Stack())
		}
		s.outcomes[outcome].Inc()
		s.duration.Observe(time.Since(start).Seconds())
	}()
	return doInner(ctx)
}

// outcomeOf classifies what a worker returned the way River will act on it.
func outcomeOf(ctx context.Context, err error, stopping bool) int {
	switch {
	case err == nil:
		return outcomeCompleted
	case errors.Is(err, &rivertype.JobSnoozeError{}):
		return outcomeSnoozed
	case errors.Is(err, &rivertype.JobCancelError{}),
		// River turns any error of a job cancelled through the API
		// (JobCancel on a running job) into a cancellation.
		errors.Is(context.Cause(ctx), rivertype.ErrJobCancelledRemotely):
		return outcomeCancelled
	case stopping && ctx.Err() != nil && errors.Is(err, context.Canceled):
		// River's own test: a context.Canceled error after the client
		// cancelled the job for shutdown is an interruption.
		return outcomeInterrupted
	default:
		return outcomeFailed
	}
}

// seriesFor returns the cached metrics of kind and queue, creating them (all
// outcomes at zero, so rates exist from the first job) on first sight.
func (m *Middleware) seriesFor(kind, queue string) *series {
	key := seriesKey{kind, queue}
	m.mu.RLock()
	s, ok := m.series[key]
	m.mu.RUnlock()
	if ok {
		return s
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.series[key]; ok {
		return s
	}
	s = &series{duration: m.duration.WithLabelValues(kind, queue)}
	for i, o := range outcomes {
		s.outcomes[i] = m.total.WithLabelValues(kind, queue, o)
	}
	m.series[key] = s
	return s
}
