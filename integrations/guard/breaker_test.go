package guard

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// failingVendor answers 500 while failing is set, 200 otherwise.
func failingVendor(t *testing.T) (*fakeVendor, *atomic.Bool) {
	var failing atomic.Bool
	failing.Store(true)
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "upstream on fire", http.StatusInternalServerError)
		}
	})
	return v, &failing
}

func call(t *testing.T, g *Guard, v *fakeVendor) error {
	t.Helper()
	ctx := context.Background()
	resp, err := g.Do(ctx, "default", v.srv.Client(), v.get(t, ctx), nil)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

// breakerGuards returns two Guards of one vendor account: two processes
// sharing Redis, or one process twice without it.
func breakerGuards(t *testing.T, shared bool, b BreakerSettings) (*Guard, *Guard) {
	t.Helper()
	if !shared {
		g := newGuard(t, Config{Breaker: b})
		return g, g
	}
	clients, prefix := sharedRedis(t, 2)
	return newGuard(t, Config{Breaker: b, Redis: clients[0], KeyPrefix: prefix}),
		newGuard(t, Config{Breaker: b, Redis: clients[1], KeyPrefix: prefix})
}

func TestBreaker(t *testing.T) {
	t.Parallel()
	for _, shared := range []bool{false, true} {
		t.Run(map[bool]string{false: "in process", true: "shared through redis"}[shared], func(t *testing.T) {
			t.Parallel()
			v, failing := failingVendor(t)
			const openFor = 300 * time.Millisecond
			a, b := breakerGuards(t, shared, BreakerSettings{FailureThreshold: 3, OpenFor: openFor})

			for i := range 3 {
				var te *TransientError
				if err := call(t, a, v); !errors.As(err, &te) || te.Status != 500 {
					t.Fatalf("failure %d: %v, want a TransientError with status 500", i, err)
				}
			}
			// Open: refused without calling, in this process and the other.
			for _, g := range []*Guard{a, b} {
				var bo *BreakerOpenError
				err := call(t, g, v)
				if !errors.As(err, &bo) || bo.RetryAfter <= 0 || bo.RetryAfter > openFor {
					t.Fatalf("call while open: %v, want a BreakerOpenError with RetryAfter in (0, %s]", err, openFor)
				}
			}
			if v.calls() != 3 {
				t.Fatalf("vendor called %d times, want 3", v.calls())
			}
			if got := testutil.ToFloat64(a.m.breakerState.WithLabelValues("acme")); got != 2 {
				t.Errorf("vendor_breaker_state = %v, want 2 (open)", got)
			}

			// Half-open with the vendor still down: one probe, open again.
			time.Sleep(openFor + 50*time.Millisecond)
			var te *TransientError
			if err := call(t, b, v); !errors.As(err, &te) {
				t.Fatalf("probe: %v, want the vendor's TransientError", err)
			}
			var bo *BreakerOpenError
			if err := call(t, a, v); !errors.As(err, &bo) {
				t.Fatalf("after failed probe: %v, want BreakerOpenError", err)
			}
			if v.calls() != 4 {
				t.Fatalf("vendor called %d times, want 4 (one probe)", v.calls())
			}

			// Half-open with the vendor back: the probe closes the breaker.
			failing.Store(false)
			time.Sleep(openFor + 50*time.Millisecond)
			for i, g := range []*Guard{a, b, a} {
				if err := call(t, g, v); err != nil {
					t.Fatalf("call %d after recovery: %v", i, err)
				}
			}
			if got := testutil.ToFloat64(a.m.breakerState.WithLabelValues("acme")); got != 0 {
				t.Errorf("vendor_breaker_state = %v, want 0 (closed)", got)
			}
		})
	}
}

// Only transient failures count: 429s, 4xx and the caller's own
// cancellation say nothing about the vendor's health.
func TestBreakerIgnores(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		cancel  bool
		check   func(error) bool
	}{
		{
			name: "429",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After-Ms", "1")
				w.WriteHeader(429)
			},
			check: func(err error) bool { var rl *RateLimitError; return errors.As(err, &rl) },
		},
		{
			name:    "400",
			handler: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad email", 400) },
			check:   func(err error) bool { var ae *APIError; return errors.As(err, &ae) && ae.Message == "bad email" },
		},
		{
			name:    "caller cancels",
			handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			cancel:  true,
			check: func(err error) bool {
				var te *TransientError
				return errors.Is(err, context.Canceled) && !errors.As(err, &te)
			},
		},
	}
	for _, tt := range tests {
		for _, shared := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{false: " in process", true: " shared"}[shared], func(t *testing.T) {
				t.Parallel()
				v := newVendor(t, tt.handler)
				g, _ := breakerGuards(t, shared, BreakerSettings{FailureThreshold: 2, OpenFor: time.Minute})
				for i := range 5 {
					ctx, cancel := context.WithCancel(context.Background())
					if tt.cancel {
						time.AfterFunc(20*time.Millisecond, cancel)
					}
					_, err := g.Do(ctx, "default", v.srv.Client(), v.get(t, ctx), nil)
					cancel()
					if !tt.check(err) {
						t.Fatalf("call %d: unexpected error %v", i, err)
					}
				}
				if v.calls() != 5 {
					t.Errorf("vendor called %d times, want 5: the breaker must stay closed", v.calls())
				}
			})
		}
	}
}

// A caller whose context expires waiting for the vendor (a timeout, unlike
// a cancellation) counts as a failure.
func TestBreakerCountsDeadlines(t *testing.T) {
	t.Parallel()
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	g := newGuard(t, Config{Breaker: BreakerSettings{FailureThreshold: 2, OpenFor: time.Minute}})
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		_, err := g.Do(ctx, "default", v.srv.Client(), v.get(t, ctx), nil)
		cancel()
		var te *TransientError
		if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Do = %v, want a TransientError wrapping the deadline", err)
		}
	}
	var bo *BreakerOpenError
	if err := call(t, g, v); !errors.As(err, &bo) {
		t.Fatalf("after two timeouts: %v, want BreakerOpenError", err)
	}
}

// Under load, an outage costs the vendor a bounded number of calls: the
// failures that trip the shared breaker, the calls already in flight, and
// one probe per half-open period across all processes.
func TestBreakerSharedUnderLoad(t *testing.T) {
	t.Parallel()
	v, failing := failingVendor(t)
	const openFor, run, processes, workers = 200 * time.Millisecond, time.Second, 3, 5
	clients, prefix := sharedRedis(t, processes)
	var guards []*Guard
	for _, c := range clients {
		guards = append(guards, newGuard(t, Config{Redis: c, KeyPrefix: prefix,
			Breaker: BreakerSettings{FailureThreshold: 3, OpenFor: openFor}}))
	}
	var open atomic.Int64
	until := time.Now().Add(run)
	done := make(chan struct{})
	for _, g := range guards {
		for range workers {
			go func() {
				defer func() { done <- struct{}{} }()
				for time.Now().Before(until) {
					var bo *BreakerOpenError
					if err := call(t, g, v); errors.As(err, &bo) {
						open.Add(1)
						time.Sleep(min(bo.RetryAfter, 20*time.Millisecond))
					}
				}
			}()
		}
	}
	for range processes * workers {
		<-done
	}
	// Trip: the threshold, what was in flight and what was admitted before
	// the open state was written (at most one more round per worker); then
	// one probe per open period across all processes.
	limit := 3 + 2*processes*workers + int(run/openFor) + 1
	if got := v.calls(); got > limit {
		t.Errorf("vendor called %d times during the outage, want ≤ %d", got, limit)
	}
	if open.Load() == 0 {
		t.Error("no call was refused by the open breaker")
	}
	failing.Store(false)
	time.Sleep(openFor + 50*time.Millisecond)
	for i, g := range guards {
		if err := call(t, g, v); err != nil {
			t.Errorf("process %d after recovery: %v", i, err)
		}
	}
	t.Logf("%d vendor calls, %d refusals by the open breaker", v.calls(), open.Load())
}

// A Redis restarted without persistence loses the shared state; the
// breaker writes it afresh and still trips. Unreadable state is reset too.
func TestBreakerSharedStateLost(t *testing.T) {
	t.Parallel()
	for _, damage := range []string{"deleted", "garbage"} {
		t.Run(damage, func(t *testing.T) {
			t.Parallel()
			v, _ := failingVendor(t)
			clients, prefix := sharedRedis(t, 1)
			g := newGuard(t, Config{Redis: clients[0], KeyPrefix: prefix,
				Breaker: BreakerSettings{FailureThreshold: 3, OpenFor: time.Minute}})
			_ = call(t, g, v) // creates the shared state
			key := prefix + "gobreaker:state:acme"
			ctx := context.Background()
			if damage == "deleted" {
				clients[0].Del(ctx, key)
			} else {
				clients[0].Set(ctx, key, "{not json", 0)
			}
			for range 3 {
				_ = call(t, g, v)
			}
			var bo *BreakerOpenError
			if err := call(t, g, v); !errors.As(err, &bo) {
				t.Fatalf("after 3 failures on %s state: %v, want BreakerOpenError", damage, err)
			}
		})
	}
}
