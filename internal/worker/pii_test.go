package worker

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/obs/obstest"
)

const (
	piiEmail = "maria.rossi@example.org"
	piiPhone = "+44 20 7946 0958"
	piiKey   = "rtgs_AbCdEfGhIjKl_s3cr3ts3cr3ts3cr3ts3cr3ts3cr3tXYZ"
)

type piiArgs struct{}

func (piiArgs) Kind() string { return "pii_probe" }

// piiWorker misbehaves on purpose: it logs PII and fails with it in its error.
type piiWorker struct {
	river.WorkerDefaults[piiArgs]
	fallback *slog.Logger
}

func (w *piiWorker) Work(ctx context.Context, job *river.Job[piiArgs]) error {
	obs.Logger(ctx, w.fallback).InfoContext(ctx, "contacting "+piiEmail, slog.String("phone", piiPhone), slog.String("api_key", piiKey))
	return errors.New("vendor rejected " + piiEmail + " (" + piiPhone + ") with key " + piiKey)
}

// A whole job cycle that carries PII: the worker's own lines, River's lines
// about the failure and the middleware's all go through the redacting
// logger, so none of it shows in clear text.
func TestJobLogsCarryNoPII(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	var buf obstest.Buffer
	logger := obs.NewLogger(&buf, slog.LevelDebug)
	failed := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	cfg := config.Worker{Queues: map[string]int{"maintenance": 1}, FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond}
	go func() {
		done <- Run(ctx, cfg, pool, logger, prometheus.NewRegistry(),
			WithSchema(dbtest.Schema(pool)), WithHTTP(false),
			WithRegister(func(w *river.Workers) error { return river.AddWorkerSafely(w, &piiWorker{fallback: logger}) }),
			WithClient(func(c *river.Client[pgx.Tx]) {
				events, _ := c.Subscribe(river.EventKindJobFailed)
				go func() {
					for e := range events {
						if e.Job.Kind == "pii_probe" {
							failed <- struct{}{}
							return
						}
					}
				}()
				go func() {
					if _, err := c.Insert(ctx, piiArgs{}, &river.InsertOpts{Queue: "maintenance"}); err != nil {
						t.Error(err)
					}
				}()
			}))
	}()
	select {
	case <-failed:
	case <-time.After(30 * time.Second):
		t.Fatal("probe job never ran")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	logs := buf.String()
	for _, secret := range []string{piiEmail, piiPhone, "s3cr3ts3cr3t"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	// The lines exist, masked: the job's own line and the failure.
	if !strings.Contains(logs, "contacting [email]") || !strings.Contains(logs, `"job_id"`) {
		t.Errorf("job log lines missing or not masked:\n%s", logs)
	}
}
