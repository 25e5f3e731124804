package guard

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// memoryUsage stands in for the vendor_usage table at the edge of this
// package; its SQL is tested in internal/store.
type memoryUsage struct {
	mu   sync.Mutex
	rows []Usage
	fail error
}

func (m *memoryUsage) AddUsage(_ context.Context, rows []Usage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.rows = append(m.rows, rows...)
	return nil
}

func (m *memoryUsage) total(bucket string) Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	var u Usage
	for _, r := range m.rows {
		if r.Bucket == bucket {
			u.Calls += r.Calls
			u.Errors += r.Errors
			u.RateLimited += r.RateLimited
			u.Credits += r.Credits
			u.Day = r.Day
		}
	}
	return u
}

func TestUsage(t *testing.T) {
	t.Parallel()
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("status") {
		case "429":
			w.Header().Set("Retry-After-Ms", "1")
			w.WriteHeader(429)
		case "400":
			w.WriteHeader(400)
		case "500":
			w.WriteHeader(500)
		}
	})
	rec := &memoryUsage{}
	reg := prometheus.NewRegistry()
	day := time.Date(2026, 5, 11, 23, 59, 0, 0, time.FixedZone("", -3600)) // already the 12th in UTC
	g := newGuard(t, Config{Usage: rec, Registerer: reg, Now: func() time.Time { return day },
		Limits: map[string]Limit{"default": {Rate: 1000, Per: time.Second}, "search": {Rate: 1000, Per: time.Second}}})
	ctx := context.Background()
	for _, status := range []string{"200", "200", "429", "400", "500"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, v.srv.URL+"/?status="+status, nil)
		if resp, err := g.Do(ctx, "search", v.srv.Client(), req, nil); err == nil {
			resp.Body.Close()
		}
	}
	g.RecordCredits("search", 7)
	g.RecordCredits("nonexistent", 2) // counted against default
	g.RecordCredits("search", -1)     // ignored

	rec.fail = errors.New("database away")
	if err := g.Flush(ctx); err == nil || !strings.Contains(err.Error(), "database away") {
		t.Fatalf("Flush = %v, want the recorder's error", err)
	}
	rec.fail = nil
	if err := g.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := Usage{Day: time.Date(2026, 5, 12, 0, 0, 0, 0, time.UTC), Calls: 5, Errors: 2, RateLimited: 1, Credits: 7}
	if got := rec.total("search"); got != want {
		t.Errorf("search usage %+v, want %+v (kept across the failed flush)", got, want)
	}
	if got := rec.total("default"); got.Credits != 2 || got.Calls != 0 {
		t.Errorf("default usage %+v, want 2 credits", got)
	}
	if err := g.Flush(ctx); err != nil || len(rec.rows) != 2 {
		t.Errorf("empty Flush = %v, %d rows; want nothing new", err, len(rec.rows))
	}

	for _, m := range []struct {
		c    prometheus.Collector
		want float64
	}{
		{g.m.calls.WithLabelValues("acme", "search", "200"), 2},
		{g.m.calls.WithLabelValues("acme", "search", "500"), 1},
		{g.m.rateLimited.WithLabelValues("acme", "search", "vendor"), 1},
		{g.m.credits.WithLabelValues("acme", "search"), 7},
	} {
		if got := testutil.ToFloat64(m.c); got != m.want {
			t.Errorf("metric = %v, want %v", got, m.want)
		}
	}
	if n := testutil.CollectAndCount(g.m.duration); n != 1 {
		t.Errorf("vendor_call_duration_seconds has %d series, want 1", n)
	}

	// A second Guard on the same registry shares the collectors.
	other := newGuard(t, Config{Vendor: "other", Registerer: reg})
	if other.m.calls != g.m.calls {
		t.Error("second Guard did not reuse the registered collectors")
	}
}

// Run flushes on its ticker and once more when its context ends.
func TestRunFlushesOnStop(t *testing.T) {
	t.Parallel()
	rec := &memoryUsage{}
	g := newGuard(t, Config{Usage: rec, FlushEvery: time.Hour})
	g.RecordCredits("default", 3)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := rec.total("default").Credits; got != 3 {
		t.Errorf("credits flushed %d, want 3", got)
	}
}
