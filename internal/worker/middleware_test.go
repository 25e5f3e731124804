package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/obs/obstest"
)

// outcomeArgs is a test kind that ends the way its Outcome names.
type outcomeArgs struct {
	Outcome string `json:"outcome"`
}

func (outcomeArgs) Kind() string { return "worker_test_outcome" }

// outcomeWorker behaves as its args say and logs one line through the
// job-scoped logger, which must come from the middleware.
type outcomeWorker struct {
	river.WorkerDefaults[outcomeArgs]
}

func (w *outcomeWorker) Work(ctx context.Context, job *river.Job[outcomeArgs]) error {
	logger := obs.Logger(ctx, nil)
	if logger == nil {
		return errors.New("no job-scoped logger in ctx")
	}
	logger.InfoContext(ctx, "working", slog.String("outcome", job.Args.Outcome))
	switch job.Args.Outcome {
	case OutcomeCompleted:
		return nil
	case OutcomeSnoozed:
		return river.JobSnooze(time.Hour)
	case OutcomeCancelled:
		return river.JobCancel(errors.New("permanent"))
	case OutcomePanicked:
		panic("boom")
	default:
		return errors.New("transient")
	}
}

func TestMiddlewareOutcomes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)

	for _, tc := range []struct {
		outcome string
		event   river.EventKind
	}{
		{OutcomeCompleted, river.EventKindJobCompleted},
		{OutcomeFailed, river.EventKindJobFailed},
		{OutcomeSnoozed, river.EventKindJobSnoozed},
		{OutcomeCancelled, river.EventKindJobCancelled},
		{OutcomePanicked, river.EventKindJobFailed},
	} {
		t.Run(tc.outcome, func(t *testing.T) {
			t.Parallel()
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)

			var logs obstest.Buffer
			reg := prometheus.NewRegistry()
			mw, err := NewMiddleware(reg, obs.NewLogger(&logs, slog.LevelInfo))
			if err != nil {
				t.Fatal(err)
			}
			tw := rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{
				Middleware: []rivertype.Middleware{mw},
				Schema:     dbtest.Schema(pool),
			}, &outcomeWorker{})

			res, err := tw.Work(ctx, t, tx, outcomeArgs{Outcome: tc.outcome}, &river.InsertOpts{Queue: "ai"})
			if tc.outcome == OutcomePanicked && (err == nil || !strings.Contains(err.Error(), "job panicked: boom")) {
				t.Errorf("Work error = %v, want the recovered panic", err)
			}
			if res.EventKind != tc.event {
				t.Errorf("event = %s, want %s", res.EventKind, tc.event)
			}

			for _, o := range outcomes {
				want := 0.0
				if o == tc.outcome {
					want = 1
				}
				if got := testutil.ToFloat64(mw.total.WithLabelValues("worker_test_outcome", "ai", o)); got != want {
					t.Errorf("river_jobs_total{outcome=%q} = %v, want %v", o, got, want)
				}
			}
			if got := histogramCount(t, reg, "river_job_duration_seconds"); got != 1 {
				t.Errorf("river_job_duration_seconds count = %d, want 1", got)
			}
			assertJobLogLine(t, logs.String(), res.Job)
		})
	}
}

// assertJobLogLine checks that the worker's line carries the job's fields.
func assertJobLogLine(t *testing.T, logs string, job *rivertype.JobRow) {
	t.Helper()
	var line struct {
		Msg     string `json:"msg"`
		JobID   int64  `json:"job_id"`
		Kind    string `json:"kind"`
		Queue   string `json:"queue"`
		Attempt int    `json:"attempt"`
	}
	first, _, _ := strings.Cut(logs, "\n")
	if err := json.Unmarshal([]byte(first), &line); err != nil {
		t.Fatalf("log line %q: %v", first, err)
	}
	if line.Msg != "working" || line.JobID != job.ID || line.Kind != job.Kind || line.Queue != job.Queue || line.Attempt != 1 {
		t.Errorf("log line = %+v, want msg working, job_id %d, kind %s, queue %s, attempt 1", line, job.ID, job.Kind, job.Queue)
	}
}

// histogramCount sums the sample counts of every series of a histogram.
func histogramCount(t *testing.T, g prometheus.Gatherer, name string) uint64 {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var n uint64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			n += m.GetHistogram().GetSampleCount()
		}
	}
	return n
}

// A second middleware on the same registry (two workers in one process)
// shares the metrics instead of failing to register.
func TestNewMiddlewareReusesRegisteredMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	first, err := NewMiddleware(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := NewMiddleware(reg, nil)
	if err != nil {
		t.Fatalf("second NewMiddleware: %v", err)
	}
	first.seriesFor("k", "q").outcomes[outcomeCompleted].Inc()
	if got := testutil.ToFloat64(second.total.WithLabelValues("k", "q", OutcomeCompleted)); got != 1 {
		t.Errorf("shared counter = %v, want 1", got)
	}
}

func TestOutcomeOf(t *testing.T) {
	t.Parallel()
	live := context.Background()
	cancelledBy := func(cause error) context.Context {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(cause)
		return ctx
	}
	stopped := cancelledBy(errors.New("stop initiated"))
	timedOut, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()

	for _, tc := range []struct {
		name     string
		ctx      context.Context
		err      error
		stopping bool
		want     string
	}{
		{"nil error", live, nil, false, OutcomeCompleted},
		{"plain error", live, errors.New("x"), false, OutcomeFailed},
		{"wrapped snooze", live, fmt.Errorf("limit: %w", river.JobSnooze(time.Second)), false, OutcomeSnoozed},
		{"cancel", live, river.JobCancel(errors.New("bad input")), false, OutcomeCancelled},
		{"cancelled through the API", cancelledBy(rivertype.ErrJobCancelledRemotely), context.Canceled, false, OutcomeCancelled},
		{"cancelled by shutdown", stopped, context.Canceled, true, OutcomeInterrupted},
		{"wrapped cancel by shutdown", stopped, fmt.Errorf("call vendor: %w", context.Canceled), true, OutcomeInterrupted},
		{"context cancelled while not stopping", stopped, context.Canceled, false, OutcomeFailed},
		{"job timeout during shutdown", timedOut, context.DeadlineExceeded, true, OutcomeFailed},
		{"error unrelated to the stop", stopped, errors.New("x"), true, OutcomeFailed},
	} {
		if got := outcomes[outcomeOf(tc.ctx, tc.err, tc.stopping)]; got != tc.want {
			t.Errorf("%s: outcome = %s, want %s", tc.name, got, tc.want)
		}
	}
}
