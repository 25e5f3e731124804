package guard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/rtgs/sales-automation/internal/dbtest"
)

// fakeVendor is a real HTTP server that records when each call arrived and,
// when limit is set, enforces it the way the vendors do: a sliding window,
// 429 for the call that would be one too many.
type fakeVendor struct {
	srv     *httptest.Server
	handler http.HandlerFunc
	limit   int
	per     time.Duration

	mu       sync.Mutex
	arrivals []time.Time
	served   []time.Time // arrivals within the limit
	tooMany  int
}

func newVendor(t *testing.T, h http.HandlerFunc) *fakeVendor {
	t.Helper()
	v := &fakeVendor{handler: h}
	v.srv = httptest.NewServer(http.HandlerFunc(v.serve))
	t.Cleanup(v.srv.Close)
	return v
}

// newLimitedVendor answers 200 within limit calls per sliding window.
func newLimitedVendor(t *testing.T, limit int, per time.Duration) *fakeVendor {
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	v.limit, v.per = limit, per
	return v
}

func (v *fakeVendor) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	v.mu.Lock()
	v.arrivals = append(v.arrivals, now)
	if v.limit > 0 {
		n := 0
		for _, t := range v.served {
			if now.Sub(t) <= v.per {
				n++
			}
		}
		if n >= v.limit {
			v.tooMany++
			v.mu.Unlock()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		v.served = append(v.served, now)
	}
	v.mu.Unlock()
	v.handler(w, r)
}

func (v *fakeVendor) calls() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.arrivals)
}

func (v *fakeVendor) times() []time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.arrivals)
}

func (v *fakeVendor) rejected() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.tooMany
}

func (v *fakeVendor) get(t testing.TB, ctx context.Context) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.srv.URL+"/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// maxInWindow is the most arrivals any closed window [t, t+per] holds.
func maxInWindow(times []time.Time, per time.Duration) int {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	best, j := 0, 0
	for i := range times {
		for j < len(times) && times[j].Sub(times[i]) <= per {
			j++
		}
		best = max(best, j-i)
	}
	return best
}

// steadyRate is calls per second between the first and the last arrival.
func steadyRate(times []time.Time) float64 {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	if len(times) < 2 {
		return 0
	}
	return float64(len(times)-1) / times[len(times)-1].Sub(times[0]).Seconds()
}

func newGuard(t testing.TB, cfg Config) *Guard {
	t.Helper()
	if cfg.Vendor == "" {
		cfg.Vendor = "acme"
	}
	if cfg.Limits == nil {
		cfg.Limits = map[string]Limit{"default": {Rate: 1000, Per: time.Second}}
	}
	if cfg.Registerer == nil {
		cfg.Registerer = prometheus.NewRegistry()
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// sharedRedis returns n clients of the test Redis, as n processes would
// have, and the test's key prefix.
func sharedRedis(t testing.TB, n int) ([]*redis.Client, string) {
	t.Helper()
	first, prefix := dbtest.Redis(t)
	clients := []*redis.Client{first}
	for range n - 1 {
		opts, err := redis.ParseURL(dbtest.RedisURL())
		if err != nil {
			t.Fatal(err)
		}
		c := redis.NewClient(opts)
		t.Cleanup(func() { c.Close() })
		clients = append(clients, c)
	}
	return clients, prefix
}

// deadRedis returns a client of a port nothing listens on.
func deadRedis(t testing.TB) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { c.Close() })
	return c
}

// hammer calls through g from workers goroutines until the deadline, like
// jobs that snooze for the wait a local refusal asks.
func hammer(t *testing.T, g *Guard, v *fakeVendor, workers int, until time.Time) {
	t.Helper()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Now().Before(until) {
				ctx, cancel := context.WithDeadline(context.Background(), until)
				resp, err := g.Do(ctx, "default", v.srv.Client(), v.get(t, ctx), nil)
				cancel()
				var rl *RateLimitError
				switch {
				case err == nil:
					resp.Body.Close()
				case errors.As(err, &rl) && rl.Local:
					_ = sleep(context.Background(), min(rl.RetryAfter, time.Until(until)))
				case time.Now().After(until):
				default:
					t.Errorf("Do: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}
