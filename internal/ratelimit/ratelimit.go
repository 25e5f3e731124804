// Package ratelimit limits request rates per key: through Redis (GCRA, shared
// by every process) when configured, in process otherwise.
package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Decision is the outcome of one Allow call.
type Decision struct {
	Allowed    bool
	Limit      int
	Remaining  int
	RetryAfter time.Duration // when not allowed: how long until one request is
}

// Limiter admits or refuses one request for key.
type Limiter interface {
	Allow(ctx context.Context, key string) (Decision, error)
}

// Local is an in-process token bucket per key: correct for one process.
type Local struct {
	perMinute int
	now       func() time.Time

	mu      sync.Mutex
	buckets map[string]*localBucket
	sweep   time.Time
}

type localBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLocal allows perMinute requests per key per minute, with bursts of the
// same size.
func NewLocal(perMinute int) *Local {
	return &Local{perMinute: perMinute, now: time.Now, buckets: map[string]*localBucket{}}
}

// Allow implements Limiter.
func (l *Local) Allow(_ context.Context, key string) (Decision, error) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evictIdle(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &localBucket{lim: rate.NewLimiter(rate.Every(time.Minute/time.Duration(l.perMinute)), l.perMinute)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		return Decision{Limit: l.perMinute, RetryAfter: delay}, nil
	}
	return Decision{Allowed: true, Limit: l.perMinute, Remaining: int(b.lim.TokensAt(now))}, nil
}

// evictIdle drops buckets unused for two minutes (by then they are full
// again), so the map stays as small as the set of active keys.
func (l *Local) evictIdle(now time.Time) {
	if now.Sub(l.sweep) < time.Minute {
		return
	}
	l.sweep = now
	for k, b := range l.buckets {
		if now.Sub(b.seen) > 2*time.Minute {
			delete(l.buckets, k)
		}
	}
}

// Redis is a GCRA limiter shared by every process through Redis. When Redis
// fails it falls back to an in-process limiter rather than refusing all
// traffic or admitting unlimited traffic.
type Redis struct {
	limiter  *redis_rate.Limiter
	limit    redis_rate.Limit
	prefix   string
	fallback *Local
	onError  func(error)
}

// NewRedis allows perMinute requests per key per minute across all processes
// sharing client; keys are stored under prefix. onError (may be nil) hears
// Redis failures.
func NewRedis(client *redis.Client, prefix string, perMinute int, onError func(error)) *Redis {
	return &Redis{
		limiter:  redis_rate.NewLimiter(client),
		limit:    redis_rate.PerMinute(perMinute),
		prefix:   prefix,
		fallback: NewLocal(perMinute),
		onError:  onError,
	}
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string) (Decision, error) {
	res, err := r.limiter.Allow(ctx, r.prefix+key, r.limit)
	if err != nil {
		if r.onError != nil {
			r.onError(err)
		}
		return r.fallback.Allow(ctx, key)
	}
	return Decision{
		Allowed:    res.Allowed > 0,
		Limit:      r.limit.Rate,
		Remaining:  res.Remaining,
		RetryAfter: res.RetryAfter,
	}, nil
}
