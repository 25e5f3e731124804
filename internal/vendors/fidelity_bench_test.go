package vendors_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/lemlist"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/dbtest"
)

// The vendor limit of the fidelity benchmark: lemlist's own, 20 per 2 s.
const (
	fidelityRate   = 20
	fidelityWindow = 2 * time.Second
	fidelityProcs  = 3
)

// TestMain lets the benchmark re-run this binary as caller processes.
func TestMain(m *testing.M) {
	if os.Getenv("RTGS_FIDELITY_CHILD") != "" {
		if err := fidelityChild(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// BenchmarkLimitFidelity runs three processes that call the simulated
// lemlist as fast as they can through guards sharing Redis, for
// RTGS_BENCH_SECONDS (default 30). The simulator enforces the same limit, so
// any over-admission shows as a 429. It prints the achieved rate next to the
// configured limit L and the most calls seen in any vendor window.
func BenchmarkLimitFidelity(b *testing.B) {
	seconds := 30
	if s, err := strconv.Atoi(os.Getenv("RTGS_BENCH_SECONDS")); err == nil && s > 0 {
		seconds = s
	}
	sim := vendorsim.New(vendorsim.Options{}, vendorsim.NewLemlist(vendorsim.DevKey))
	var mu sync.Mutex
	var granted []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		sim.Handler().ServeHTTP(rec, r)
		if rec.status == http.StatusOK {
			mu.Lock()
			granted = append(granted, time.Now())
			mu.Unlock()
		}
	}))
	defer srv.Close()
	_, prefix := dbtest.Redis(b)

	for range b.N {
		mu.Lock()
		granted = granted[:0]
		mu.Unlock()
		sim.Reset()
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, fidelityProcs)
		for i := range fidelityProcs {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "RTGS_FIDELITY_CHILD=1",
				"RTGS_SIM_URL="+vendorsim.ClientBaseURL(srv.URL, "lemlist"),
				"RTGS_REDIS_PREFIX="+prefix+strconv.Itoa(b.N)+":",
				"RTGS_BENCH_SECONDS="+strconv.Itoa(seconds))
			cmd.Stderr = os.Stderr
			wg.Go(func() {
				if err := cmd.Run(); err != nil {
					errs <- fmt.Errorf("caller %d: %w", i, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		elapsed := time.Since(start)

		mu.Lock()
		calls := slices.Clone(granted)
		mu.Unlock()
		limit := float64(fidelityRate) / fidelityWindow.Seconds()
		achieved := steadyRate(calls)
		worst := maxInWindow(calls, fidelityWindow)
		served429 := sim.Counters().RateLimited["lemlist"]
		b.ReportMetric(achieved, "calls/s")
		b.ReportMetric(achieved/limit, "of-limit")
		b.ReportMetric(float64(worst), "max-per-window")
		b.ReportMetric(float64(served429), "429s")
		fmt.Printf("limit fidelity: %d processes for %s: %.2f calls/s achieved vs limit L = %.2f calls/s (%.3f L); "+
			"most calls in any %s window %d (limit %d); 429s served %d\n",
			fidelityProcs, elapsed.Round(time.Second), achieved, limit, achieved/limit, fidelityWindow, worst, fidelityRate, served429)
	}
}

// steadyRate is the rate between the first and last call, leaving out the
// first window's burst allowance.
func steadyRate(calls []time.Time) float64 {
	if len(calls) < 2 {
		return 0
	}
	slices.SortFunc(calls, func(a, b time.Time) int { return a.Compare(b) })
	return float64(len(calls)-1) / calls[len(calls)-1].Sub(calls[0]).Seconds()
}

// maxInWindow is the most calls in any half-open window of length w.
func maxInWindow(calls []time.Time, w time.Duration) int {
	slices.SortFunc(calls, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range calls {
		for calls[hi].Sub(calls[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// fidelityChild is one caller process: eight goroutines calling lemlist as
// fast as the shared guard lets them, sleeping when told to wait, as a
// snoozed job would.
func fidelityChild() error {
	opts, err := redis.ParseURL(dbtest.RedisURL())
	if err != nil {
		return err
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	g, err := guard.New(guard.Config{
		Vendor: lemlist.Vendor, Redis: rdb, KeyPrefix: os.Getenv("RTGS_REDIS_PREFIX"),
		Limits: map[string]guard.Limit{lemlist.Bucket: {Rate: fidelityRate, Per: fidelityWindow}},
	})
	if err != nil {
		return err
	}
	client, err := lemlist.NewClient(lemlist.Config{BaseURL: os.Getenv("RTGS_SIM_URL"), APIKey: vendorsim.DevKey, Guard: g})
	if err != nil {
		return err
	}
	seconds, _ := strconv.Atoi(os.Getenv("RTGS_BENCH_SECONDS"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, err := client.ListCampaigns(ctx, lemlist.ListCampaignsOptions{Limit: 1})
				var rl *guard.RateLimitError
				if errors.As(err, &rl) {
					select {
					case <-time.After(rl.RetryAfter):
					case <-ctx.Done():
					}
				}
			}
		})
	}
	wg.Wait()
	return nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
