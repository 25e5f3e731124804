package guard

import (
	"context"
	"errors"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
)

func TestSpacing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int
		per  time.Duration
		want time.Duration
	}{
		{"lemlist 20/2s: slack 50ms", 20, 2 * time.Second, 102500 * time.Microsecond},
		{"hubspot 100/10s: slack 50ms", 100, 10 * time.Second, 100500 * time.Microsecond},
		{"one per second: slack capped at 50ms", 1, time.Second, 1050 * time.Millisecond},
		{"fast bucket: slack is half an interval", 1000, time.Second, 1000500 * time.Nanosecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := spacing(tt.n, tt.per, 0)
			if got != tt.want {
				t.Errorf("spacing(%d, %s) = %s, want %s", tt.n, tt.per, got, tt.want)
			}
			// L+1 grants never fit in one window, and throughput stays above 95 %.
			if span := time.Duration(tt.n) * got; span <= tt.per {
				t.Errorf("%d intervals span %s, not more than the window %s", tt.n, span, tt.per)
			}
			if ratio := tt.per.Seconds() / got.Seconds() / float64(tt.n); tt.n >= 10 && ratio < 0.95 {
				t.Errorf("throughput %.3f of the limit, want ≥ 0.95", ratio)
			}
		})
	}
}

// The limiter's promise: three processes sharing one vendor account, calling
// as fast as they can, never put more than L calls in any vendor window.
func TestLimiterFidelity(t *testing.T) {
	t.Parallel()
	const limit, per, run = 20, 2 * time.Second, 3 * time.Second
	tests := []struct {
		name      string
		processes int
		redis     bool
	}{
		{"three processes sharing redis", 3, true},
		{"one process in memory", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := newLimitedVendor(t, limit, per)
			var clients []*redis.Client
			var prefix string
			if tt.redis {
				clients, prefix = sharedRedis(t, tt.processes)
			}
			guards := make([]*Guard, tt.processes)
			for i := range guards {
				// A wider slack than the default absorbs the scheduling delays
				// of a loaded, race-instrumented test run between our grant
				// and the fake vendor's clock; the guarantee holds for any slack.
				cfg := Config{KeyPrefix: prefix, Slack: 150 * time.Millisecond, Limits: map[string]Limit{"default": {Rate: limit, Per: per}}}
				if tt.redis {
					cfg.Redis = clients[i]
				}
				guards[i] = newGuard(t, cfg)
			}
			until := time.Now().Add(run)
			var wg sync.WaitGroup
			for _, g := range guards {
				wg.Go(func() { hammer(t, g, v, 4, until) })
			}
			wg.Wait()

			times := v.times()
			t.Logf("%d calls, at most %d in one %s window, %.2f calls/s (limit %d per %s)",
				len(times), maxInWindow(times, per), per, steadyRate(times), limit, per)
			if got := maxInWindow(times, per); got > limit {
				t.Errorf("%d calls in one %s window, limit %d", got, per, limit)
			}
			if n := v.rejected(); n != 0 {
				t.Errorf("vendor answered %d 429s, want 0", n)
			}
			// The achieved rate (≥ 0.95 L) is a speed figure: it is measured
			// by BenchmarkLimitFidelity, not asserted here.
		})
	}
}

// With Redis gone, each process keeps to its share: together they still
// never exceed the limit.
func TestLimiterFallbackShare(t *testing.T) {
	t.Parallel()
	const limit, per, share = 30, time.Second, 1.0 / 3
	v := newLimitedVendor(t, limit, per)
	var guards []*Guard
	for range 3 {
		guards = append(guards, newGuard(t, Config{
			Redis: deadRedis(t), FallbackShare: share, ProbeEvery: 200 * time.Millisecond, Slack: 150 * time.Millisecond,
			Limits: map[string]Limit{"default": {Rate: limit, Per: per}},
		}))
	}
	until := time.Now().Add(2500 * time.Millisecond)
	var wg sync.WaitGroup
	for _, g := range guards {
		wg.Go(func() { hammer(t, g, v, 3, until) })
	}
	wg.Wait()

	times := v.times()
	t.Logf("%d calls, at most %d in one window, %.2f calls/s", len(times), maxInWindow(times, per), steadyRate(times))
	if got := maxInWindow(times, per); got > limit {
		t.Errorf("%d calls in one window, limit %d", got, limit)
	}
	if v.rejected() != 0 {
		t.Errorf("vendor answered %d 429s, want 0", v.rejected())
	}
	// Each process allows itself floor(share·L) = 10 per window.
	for i, g := range guards {
		if got := testutil.ToFloat64(g.m.fallback.WithLabelValues("acme")); got != 1 {
			t.Errorf("guard %d: vendor_limiter_fallback_total = %v, want 1 (one outage)", i, got)
		}
	}
}

// A share that rounds to no call, or a negative share, refuses until Redis
// is back rather than over-admit.
func TestLimiterFallbackRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		share float64
		limit Limit
	}{
		{"negative share", -1, Limit{Rate: 100, Per: time.Second}},
		{"share rounds to zero", 0.25, Limit{Rate: 3, Per: time.Second}},
		{"daily share rounds to zero", 0.25, Limit{Rate: 100, Per: time.Second, Daily: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {})
			g := newGuard(t, Config{Redis: deadRedis(t), FallbackShare: tt.share, Limits: map[string]Limit{"default": tt.limit}})
			ctx := context.Background()
			_, err := g.Do(ctx, "default", v.srv.Client(), v.get(t, ctx), nil)
			var rl *RateLimitError
			if !errors.As(err, &rl) || !rl.Local || rl.Policy != "redis unavailable" {
				t.Fatalf("Do = %v, want a local RateLimitError", err)
			}
			if v.calls() != 0 {
				t.Errorf("vendor called %d times", v.calls())
			}
		})
	}
}

func TestDailyQuota(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		redis  bool
		limits map[string]Limit
		daily  int
	}{
		{"bucket quota in memory", false, map[string]Limit{"default": {Rate: 1000, Per: time.Second, Daily: 3}}, 0},
		{"vendor quota in memory", false, map[string]Limit{"default": {Rate: 1000, Per: time.Second}}, 3},
		{"bucket quota shared", true, map[string]Limit{"default": {Rate: 1000, Per: time.Second, Daily: 3}}, 0},
		{"vendor quota shared", true, map[string]Limit{"default": {Rate: 1000, Per: time.Second}}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {})
			var guards []*Guard
			var clients []*redis.Client
			var prefix string
			if tt.redis {
				clients, prefix = sharedRedis(t, 2)
			}
			for i := range 2 {
				cfg := Config{Limits: tt.limits, Daily: tt.daily, KeyPrefix: prefix}
				if tt.redis {
					cfg.Redis = clients[i]
				}
				guards = append(guards, newGuard(t, cfg))
			}
			ctx := context.Background()
			for i := range 3 {
				resp, err := guards[0].Do(ctx, "default", v.srv.Client(), v.get(t, ctx), nil)
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				resp.Body.Close()
			}
			_, err := guards[0].Do(ctx, "default", v.srv.Client(), v.get(t, ctx), nil)
			var rl *RateLimitError
			if !errors.As(err, &rl) || rl.Policy != "DAILY" || !rl.Local {
				t.Fatalf("4th call: %v, want a local DAILY RateLimitError", err)
			}
			if rl.RetryAfter <= 0 || rl.RetryAfter > 24*time.Hour {
				t.Errorf("RetryAfter %s, want the time until UTC midnight", rl.RetryAfter)
			}
			// The quota is the account's: another process sees it spent.
			_, err = guards[1].Do(ctx, "default", v.srv.Client(), v.get(t, ctx), nil)
			if spent := errors.As(err, &rl) && rl.Policy == "DAILY"; spent != tt.redis {
				t.Errorf("other process: %v; want DAILY refusal %v", err, tt.redis)
			}
		})
	}
}

// A 429 one process receives makes the others wait too, without calling.
func TestRateLimitFeedback(t *testing.T) {
	t.Parallel()
	for _, shared := range []bool{true, false} {
		t.Run(map[bool]string{true: "two processes on redis", false: "one process"}[shared], func(t *testing.T) {
			t.Parallel()
			v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3")
				w.WriteHeader(http.StatusTooManyRequests)
			})
			cfg := Config{MaxWait: 200 * time.Millisecond}
			first, other := newGuard(t, cfg), (*Guard)(nil)
			if shared {
				clients, prefix := sharedRedis(t, 2)
				cfg.KeyPrefix = prefix
				cfg.Redis = clients[0]
				first = newGuard(t, cfg)
				cfg.Redis = clients[1]
				other = newGuard(t, cfg)
			}
			ctx := context.Background()
			_, err := first.Do(ctx, "default", v.srv.Client(), v.get(t, ctx), nil)
			var rl *RateLimitError
			if !errors.As(err, &rl) || rl.Local || rl.Vendor != "acme" || rl.Bucket != "default" {
				t.Fatalf("first call: %v, want the vendor's RateLimitError", err)
			}
			if rl.RetryAfter != 3*time.Second {
				t.Errorf("RetryAfter %s, want 3s from Retry-After", rl.RetryAfter)
			}
			next := first
			if shared {
				next = other
			}
			_, err = next.Do(ctx, "default", v.srv.Client(), v.get(t, ctx), nil)
			if !errors.As(err, &rl) || !rl.Local {
				t.Fatalf("next call: %v, want a local RateLimitError", err)
			}
			if math.Abs(rl.RetryAfter.Seconds()-3) > 0.5 {
				t.Errorf("next call RetryAfter %s, want about 3s", rl.RetryAfter)
			}
			if v.calls() != 1 {
				t.Errorf("vendor called %d times, want 1", v.calls())
			}
		})
	}
}
