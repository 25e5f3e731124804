package guard

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// reserveScript hands out the bucket's next slot, GCRA with burst 1 and
// reservation (see limiter.go), and counts the day's quotas, atomically for
// every process. Times are microseconds of Redis's own clock, so the
// processes' clocks need not agree. Results: {1, wait} granted, {0, wait}
// refused because the slot is more than max wait away, {-1, 0} daily quota
// spent.
//
// KEYS: tat, vendor daily, bucket daily.
// ARGV: interval µs, max wait µs, charge µs, vendor daily cap, bucket daily
// cap, unix time at which the daily counters expire.
var reserveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local vcap, bcap = tonumber(ARGV[4]), tonumber(ARGV[5])
if vcap > 0 and tonumber(redis.call('GET', KEYS[2]) or '0') >= vcap then return {-1, 0} end
if bcap > 0 and tonumber(redis.call('GET', KEYS[3]) or '0') >= bcap then return {-1, 0} end
local interval, charge = tonumber(ARGV[1]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
tat = tat + charge
local wait = tat - now
if wait > tonumber(ARGV[2]) then
  if charge > 0 then
    redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor(wait / 1000) + 1000)
  end
  return {0, wait}
end
local nxt = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.floor((nxt - now) / 1000) + 1000)
if vcap > 0 then
  redis.call('INCR', KEYS[2])
  redis.call('EXPIREAT', KEYS[2], ARGV[6])
end
if bcap > 0 then
  redis.call('INCR', KEYS[3])
  redis.call('EXPIREAT', KEYS[3], ARGV[6])
end
return {1, wait}
`)

// blockScript pushes the bucket's schedule and its block marker to at least
// now + ARGV[1] µs after a vendor 429. KEYS: tat, block.
var blockScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untilT = now + tonumber(ARGV[1])
local ttl = math.floor(tonumber(ARGV[1]) / 1000) + 1000
for _, k in ipairs(KEYS) do
  if tonumber(redis.call('GET', k) or '0') < untilT then
    redis.call('SET', k, string.format('%.0f', untilT), 'PX', ttl)
  end
end
return 1
`)

// blockedScript returns how many µs the bucket stays blocked. KEYS: block.
var blockedScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local b = tonumber(redis.call('GET', KEYS[1]) or '0')
if b > now then return b - now end
return 0
`)

// redisHealth tracks whether Redis answers. While it does not, limiting
// falls back to each process's share and the breaker to a local one; one
// caller per ProbeEvery tries Redis again.
type redisHealth struct {
	down      atomic.Bool
	probing   atomic.Bool
	lastProbe atomic.Int64 // unix ns
}

// useShared reports whether this call should go to Redis, and whether it is
// the probe of a process that was limiting in process.
func (g *Guard) useShared() (use, probe bool) {
	h := &g.health
	if !h.down.Load() {
		return true, false
	}
	if time.Since(time.Unix(0, h.lastProbe.Load())) < g.cfg.ProbeEvery || !h.probing.CompareAndSwap(false, true) {
		return false, false
	}
	return true, true
}

// redisFailed records a Redis error: the first one of an outage is logged
// and counted.
func (g *Guard) redisFailed(err error) {
	g.health.lastProbe.Store(time.Now().UnixNano())
	if g.health.down.CompareAndSwap(false, true) {
		g.m.fallback.WithLabelValues(g.cfg.Vendor).Inc()
		g.log.Warn("redis unreachable: limiting in process at a share of each limit until it answers",
			slog.String("vendor", g.cfg.Vendor), slog.Float64("share", g.cfg.FallbackShare), slog.Any("error", err))
	}
}

func (g *Guard) redisAnswered() {
	if g.health.down.CompareAndSwap(true, false) {
		g.log.Info("redis answers again: limiting globally", slog.String("vendor", g.cfg.Vendor))
	}
}

// redisCtx bounds one Redis round trip.
func (g *Guard) redisCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, g.cfg.RedisTimeout)
}

// reserveShared takes the bucket's next slot from Redis. ok is false when
// Redis did not answer and the caller must limit in process instead.
func (g *Guard) reserveShared(ctx context.Context, b *bucket) (wait time.Duration, ok bool, err error) {
	use, probe := g.useShared()
	if !use {
		return 0, false, nil
	}
	if probe {
		defer g.health.probing.Store(false)
	}
	var charge time.Duration
	if probe {
		charge = b.fallbackCharge()
	}
	now := g.cfg.Now()
	day := dayOf(now)
	expire := nextUTCMidnight(now).Add(time.Hour).Unix()
	rctx, cancel := g.redisCtx(ctx)
	res, err := reserveScript.Run(rctx, g.rdb,
		[]string{b.keyTAT, g.keyDaily + day, b.keyDaily + day},
		micros(b.interval), micros(g.cfg.MaxWait), micros(charge), g.cfg.Daily, b.limit.Daily, expire,
	).Int64Slice()
	cancel()
	if err == nil && len(res) != 2 {
		err = errors.New("reserve script: unexpected reply")
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, true, ctx.Err()
		}
		if probe {
			b.restoreCharge(charge)
		}
		g.redisFailed(err)
		return 0, false, nil
	}
	g.redisAnswered()
	wait = time.Duration(res[1]) * time.Microsecond
	switch res[0] {
	case 1:
		return wait, true, nil
	case 0:
		return 0, true, g.localLimited(b, wait, "")
	default:
		return 0, true, g.dailyError(b, now)
	}
}

// restoreCharge keeps the fallback grants of a failed probe for the next one.
func (b *bucket) restoreCharge(charge time.Duration) {
	if charge <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	for range int(charge / b.interval) {
		b.fbGrants = append(b.fbGrants, now)
	}
}

func (g *Guard) blockShared(ctx context.Context, b *bucket, d time.Duration) {
	rctx, cancel := g.redisCtx(context.WithoutCancel(ctx))
	defer cancel()
	if err := blockScript.Run(rctx, g.rdb, []string{b.keyTAT, b.keyBlock}, micros(d)).Err(); err != nil {
		g.redisFailed(err)
	}
}

// sharedBlocked returns how long the bucket stays blocked by a 429 another
// process saw; 0 when it is not, or when Redis does not answer.
func (g *Guard) sharedBlocked(ctx context.Context, b *bucket) time.Duration {
	rctx, cancel := g.redisCtx(ctx)
	defer cancel()
	us, err := blockedScript.Run(rctx, g.rdb, []string{b.keyBlock}).Int64()
	if err != nil {
		if ctx.Err() == nil {
			g.redisFailed(err)
		}
		return 0
	}
	return time.Duration(us) * time.Microsecond
}

// micros renders d in whole microseconds, rounded up so that an interval is
// never shortened.
func micros(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Microsecond-1)/time.Microsecond), 10)
}
