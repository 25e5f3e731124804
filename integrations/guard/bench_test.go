package guard

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// BenchmarkLimiterAcquire measures one acquire of a rate-limit slot, with
// limits so high that it never waits: the limiter's own overhead. With Redis
// that is one script round trip on loopback (target p99 under 1 ms); in
// process, x/time/rate under a mutex.
func BenchmarkLimiterAcquire(b *testing.B) {
	high := map[string]Limit{"default": {Rate: 1_000_000_000, Per: time.Second}}
	run := func(b *testing.B, rdb *redis.Client, prefix string) {
		g := newGuard(b, Config{Redis: rdb, KeyPrefix: prefix, Limits: high})
		bk := g.bucket("default")
		ctx := context.Background()
		took := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for range b.N {
			start := time.Now()
			if err := g.acquire(ctx, bk); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(start))
		}
		b.StopTimer()
		slices.Sort(took)
		pct := func(p float64) float64 {
			return float64(took[int(p*float64(len(took)-1))]) / float64(time.Microsecond)
		}
		b.ReportMetric(pct(0.50), "p50-µs")
		b.ReportMetric(pct(0.99), "p99-µs")
	}
	b.Run("redis", func(b *testing.B) {
		rdbs, prefix := sharedRedis(b, 1)
		run(b, rdbs[0], prefix)
	})
	b.Run("inprocess", func(b *testing.B) { run(b, nil, "") })
}
