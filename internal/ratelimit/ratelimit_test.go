package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/ratelimit"
)

func exhaust(t *testing.T, l ratelimit.Limiter, key string, n int) ratelimit.Decision {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		d, err := l.Allow(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Allowed {
			t.Fatalf("request %d of %d refused", i+1, n)
		}
	}
	d, err := l.Allow(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLimitersRefuseOverLimitWithRetryAfter(t *testing.T) {
	t.Parallel()
	client, prefix := dbtest.Redis(t)
	limiters := map[string]ratelimit.Limiter{
		"local": ratelimit.NewLocal(5),
		"redis": ratelimit.NewRedis(client, prefix, 5, func(err error) { t.Errorf("redis error: %v", err) }),
	}
	for name, l := range limiters {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := exhaust(t, l, "key-a", 5)
			if d.Allowed {
				t.Fatal("sixth request allowed, want refused")
			}
			if d.RetryAfter <= 0 || d.RetryAfter > time.Minute {
				t.Fatalf("RetryAfter = %v, want within (0, 1m]", d.RetryAfter)
			}
			// Another key has its own budget.
			if d := exhaust(t, l, "key-b", 5); d.Allowed {
				t.Fatal("key-b: sixth request allowed")
			}
		})
	}
}

func TestRedisSharedAcrossProcesses(t *testing.T) {
	t.Parallel()
	client, prefix := dbtest.Redis(t)
	// Two limiters on one Redis stand for two api processes.
	a := ratelimit.NewRedis(client, prefix, 4, nil)
	b := ratelimit.NewRedis(client, prefix, 4, nil)
	ctx := context.Background()
	allowed := 0
	for range 4 {
		for _, l := range []ratelimit.Limiter{a, b} {
			d, err := l.Allow(ctx, "shared")
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed {
				allowed++
			}
		}
	}
	if allowed != 4 {
		t.Fatalf("allowed %d across two processes, want 4 (the shared limit)", allowed)
	}
}

func TestRedisDownFallsBackToLocal(t *testing.T) {
	t.Parallel()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer dead.Close()
	var errs int
	l := ratelimit.NewRedis(dead, "x:", 3, func(error) { errs++ })
	if d := exhaust(t, l, "k", 3); d.Allowed {
		t.Fatal("fallback admitted past the limit")
	}
	if errs == 0 {
		t.Fatal("Redis failure was not reported")
	}
}
