package vendors_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/worker"
	"github.com/rtgs/sales-automation/jobs"
)

// BenchmarkVendorOutage runs the real worker stack against the simulated
// lemlist while jobs keep arriving, takes lemlist down for
// RTGS_BENCH_OUTAGE (default 60 s) and brings it back. It prints how long
// the breaker took to open after the outage began, how long after the outage
// ended the first call succeeded again, and how many jobs were discarded
// (target 0: a vendor outage must not lose work).
func BenchmarkVendorOutage(b *testing.B) {
	outage := 60 * time.Second
	if d, err := time.ParseDuration(os.Getenv("RTGS_BENCH_OUTAGE")); err == nil && d > 0 {
		outage = d
	}
	for range b.N {
		runOutage(b, outage)
	}
}

func runOutage(b *testing.B, outage time.Duration) {
	sim := vendorsim.New(vendorsim.Options{}, vendorsim.NewLemlist(vendorsim.DevKey))
	var mu sync.Mutex
	var successes []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		sim.Handler().ServeHTTP(rec, r)
		if rec.status == http.StatusOK {
			mu.Lock()
			successes = append(successes, time.Now())
			mu.Unlock()
		}
	}))
	defer srv.Close()

	pool := dbtest.Pool(b)
	env := map[string]string{"VENDORSIM_URL": srv.URL, "WORKER_QUEUES": "outreach=10", "WORKER_FETCH_POLL_INTERVAL": "100ms"}
	cfg, _, err := config.LoadWorker(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	clientc := make(chan *river.Client[pgx.Tx], 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- worker.Run(ctx, cfg, pool, obs.NewLogger(nopWriter{}, slog.LevelError), reg, worker.WithSchema(dbtest.Schema(pool)),
			worker.WithHTTP(false), worker.WithClient(func(c *river.Client[pgx.Tx]) { clientc <- c }))
	}()
	client := <-clientc

	feedCtx, stopFeed := context.WithCancel(ctx)
	go func() { // 5 jobs a second, half the vendor's limit
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-feedCtx.Done():
				return
			case <-t.C:
				_, _ = client.Insert(feedCtx, jobs.VendorProbeArgs{Vendor: "lemlist"}, nil)
			}
		}
	}()

	time.Sleep(5 * time.Second)
	downAt := time.Now()
	_ = sim.SetKnobs("lemlist", vendorsim.Knobs{Outage: true})
	var openedAfter time.Duration
	for time.Since(downAt) < outage {
		if openedAfter == 0 && breakerState(reg, "lemlist") == 2 {
			openedAfter = time.Since(downAt)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = sim.SetKnobs("lemlist", vendorsim.Knobs{})
	upAt := time.Now()
	var recoveredAfter time.Duration
	for recoveredAfter == 0 && time.Since(upAt) < 2*time.Minute {
		mu.Lock()
		for _, s := range successes {
			if s.After(upAt) {
				recoveredAfter = s.Sub(upAt)
				break
			}
		}
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(10 * time.Second)
	stopFeed()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}

	var discarded, completed, waiting int
	if err := pool.QueryRow(context.Background(), `
SELECT count(*) FILTER (WHERE state = 'discarded'), count(*) FILTER (WHERE state = 'completed'),
       count(*) FILTER (WHERE state IN ('available', 'retryable', 'scheduled', 'running'))
FROM river_job WHERE kind = 'vendor_probe'`).Scan(&discarded, &completed, &waiting); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(openedAfter.Seconds(), "s-to-open")
	b.ReportMetric(recoveredAfter.Seconds(), "s-to-recover")
	b.ReportMetric(float64(discarded), "discarded")
	fmt.Printf("vendor outage of %s: breaker open %.2fs after it began (threshold %d failures); first success %.2fs after it ended "+
		"(breaker open for %s); jobs discarded %d (target 0), completed %d, still waiting to retry %d\n",
		outage, openedAfter.Seconds(), cfg.Vendors.BreakerFailures, recoveredAfter.Seconds(), cfg.Vendors.BreakerOpenFor,
		discarded, completed, waiting)
}

func breakerState(reg *prometheus.Registry, vendor string) float64 {
	families, _ := reg.Gather()
	for _, f := range families {
		if f.GetName() != "vendor_breaker_state" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "vendor" && l.GetValue() == vendor {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return -1
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
