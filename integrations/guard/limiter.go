package guard

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// How the limiter keeps the vendor's count within its limit.
//
// A vendor counts the calls that reach it in a window of length W, rolling
// (HubSpot's ten-secondly, lemlist, Explorium) or calendar-aligned (Apollo);
// a calendar window is one of the rolling windows, so bounding every rolling
// window bounds both. GCRA with emission interval T and burst b admits up to
// b + W/T calls in one window, so a burst above one would let the vendor see
// the burst on top of a full window's worth. The limiter therefore uses
// b = 1: successive grants are at least T apart, and L+1 consecutive grants
// span at least L·T. It picks L·T = W + S, with S > 0 the slack: L+1 grants
// span more than W, so no window of length W, closed or half-open, ever holds
// more than L grants. A call reaches the vendor a little after its grant
// (timer wake-up, HTTP write, network); the vendor could only count L+1 calls
// in one window if the first of them were delayed S more than the last, so S
// is the jitter the guarantee absorbs. The default S = min(W/(2L), 50 ms)
// keeps throughput at L/(L+½) of the limit or better: 0.976 for lemlist's
// 20 per 2 s, 0.995 for HubSpot's 100 per 10 s, above 0.95 for any L ≥ 10.
//
// Grants are reservations: the Redis script (and x/time/rate's Reserve in
// process) hands out the next free slot even when it lies in the future, up
// to MaxWait ahead, and the caller sleeps until it. While callers queue, every
// slot is used exactly once and the achieved rate is exactly 1/T; with a
// non-reserving "allow or retry later" limiter callers race for each slot and
// the slots lost between retries come off the throughput.
//
// Without Redis mid-flight, each process grants floor(share·L) per window with
// the same spacing rule, so up to 1/share processes together stay within L.

// spacing is the emission interval that admits at most n calls in any window
// per, with slack as above (0 for the default).
func spacing(n int, per, slack time.Duration) time.Duration {
	if slack <= 0 {
		slack = min(per/time.Duration(2*n), DefaultMaxSlack)
	}
	return (per + slack + time.Duration(n) - 1) / time.Duration(n)
}

// bucket is the limiter state of one vendor bucket in this process.
type bucket struct {
	name     string
	limit    Limit
	interval time.Duration // between grants, shared by all processes
	keyTAT   string        // Redis: theoretical arrival time, µs of Redis time
	keyBlock string        // Redis: blocked until (a vendor 429), µs
	keyDaily string        // Redis: calls today (prefix; the date is appended)

	local *rate.Limiter // in-process limiter when no Redis is configured
	daily dayCounter    // guarded by Guard.dailyMu, like fbDaily

	fallback   *rate.Limiter // nil when the share rounds to no call
	fbDaily    dayCounter
	mu         sync.Mutex
	fbGrants   []time.Time // recent fallback grants, charged to Redis on recovery
	fbCapacity int

	blockedUntil atomic.Int64 // unix ns: a vendor 429 seen by this process
}

func newBucket(cfg Config, name string, l Limit) *bucket {
	b := &bucket{
		name:     name,
		limit:    l,
		interval: spacing(l.Rate, l.Per, cfg.Slack),
		keyTAT:   fmt.Sprintf("%sguard:{%s}:%s:tat", cfg.KeyPrefix, cfg.Vendor, name),
		keyBlock: fmt.Sprintf("%sguard:{%s}:%s:block", cfg.KeyPrefix, cfg.Vendor, name),
		keyDaily: fmt.Sprintf("%sguard:{%s}:%s:daily:", cfg.KeyPrefix, cfg.Vendor, name),
	}
	b.local = rate.NewLimiter(rate.Every(b.interval), 1)
	if n := int(cfg.FallbackShare * float64(l.Rate)); n >= 1 {
		b.fallback = rate.NewLimiter(rate.Every(spacing(n, l.Per, cfg.Slack)), 1)
		b.fbCapacity = n + 1
	}
	return b
}

// dayCounter counts calls of one UTC day in process.
type dayCounter struct {
	day string
	n   int
}

// full reports whether limit calls were already made on day.
func (c *dayCounter) full(day string, limit int) bool {
	if c.day != day {
		c.day, c.n = day, 0
	}
	return limit > 0 && c.n >= limit
}

func (c *dayCounter) add(day string) {
	if c.day != day {
		c.day, c.n = day, 0
	}
	c.n++
}

// acquire waits for the bucket's next slot, at most MaxWait, or returns a
// *RateLimitError saying when to come back.
func (g *Guard) acquire(ctx context.Context, b *bucket) error {
	start := time.Now()
	if err := g.waitBlocked(ctx, b); err != nil {
		return err
	}
	var wait time.Duration
	var err error
	switch {
	case g.rdb == nil:
		wait, err = g.reserveLocal(b, b.local, quota{
			bucketCap: b.limit.Daily, vendorCap: g.cfg.Daily, bucket: &b.daily, vendor: &g.vendorDaily,
		})
	default:
		var ok bool
		wait, ok, err = g.reserveShared(ctx, b)
		if !ok {
			wait, err = g.reserveFallback(b)
		}
	}
	if err != nil {
		return err
	}
	if wait > 0 {
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: wait for rate limit: %w", g.cfg.Vendor, err)
		}
		// A 429 may have come back while we slept: the slot we hold was
		// handed out before it and would collide with the first slot after
		// the block.
		if err := g.checkBlocked(ctx, b); err != nil {
			return err
		}
	}
	g.m.wait.WithLabelValues(g.cfg.Vendor, b.name).Observe(time.Since(start).Seconds())
	return nil
}

// quota is the daily caps a reservation checks, with their counters.
type quota struct {
	bucketCap, vendorCap int
	bucket, vendor       *dayCounter
}

// reserveLocal takes a slot from an in-process limiter within the day's
// quota. dailyMu covers check, reservation and count together, so two
// callers cannot both take the quota's last call.
func (g *Guard) reserveLocal(b *bucket, lim *rate.Limiter, q quota) (time.Duration, error) {
	clock := g.cfg.Now()
	day := dayOf(clock)
	g.dailyMu.Lock()
	defer g.dailyMu.Unlock()
	if q.bucket.full(day, q.bucketCap) || q.vendor.full(day, q.vendorCap) {
		return 0, g.dailyError(b, clock)
	}
	now := time.Now()
	r := lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	if wait > g.cfg.MaxWait {
		r.CancelAt(now)
		return 0, g.localLimited(b, wait, "")
	}
	q.bucket.add(day)
	q.vendor.add(day)
	return wait, nil
}

// reserveFallback limits this process to its share of every limit while
// Redis is away. Daily caps are shared the same way, counted from the start
// of the outage: the process cannot know what the others spent.
func (g *Guard) reserveFallback(b *bucket) (time.Duration, error) {
	share := func(n int) int { return int(g.cfg.FallbackShare * float64(n)) }
	if b.fallback == nil || b.limit.Daily > 0 && share(b.limit.Daily) < 1 || g.cfg.Daily > 0 && share(g.cfg.Daily) < 1 {
		return 0, g.localLimited(b, g.cfg.ProbeEvery, "redis unavailable")
	}
	wait, err := g.reserveLocal(b, b.fallback, quota{
		bucketCap: share(b.limit.Daily), vendorCap: share(g.cfg.Daily),
		bucket: &b.fbDaily, vendor: &g.vendorFbDaily,
	})
	if err != nil {
		return 0, err
	}
	b.mu.Lock()
	b.fbGrants = append(b.fbGrants, time.Now().Add(wait))
	if len(b.fbGrants) > b.fbCapacity {
		b.fbGrants = b.fbGrants[len(b.fbGrants)-b.fbCapacity:]
	}
	b.mu.Unlock()
	return wait, nil
}

// fallbackCharge returns how far to push the shared schedule when this
// process goes back to Redis: the slots its fallback grants of the last
// window would have taken, so the window straddling the switch is not
// counted twice.
func (b *bucket) fallbackCharge() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	cutoff := time.Now().Add(-b.limit.Per)
	n := 0
	for _, t := range b.fbGrants {
		if t.After(cutoff) {
			n++
		}
	}
	b.fbGrants = b.fbGrants[:0]
	return time.Duration(n) * b.interval
}

// waitBlocked waits out a vendor 429 seen by this process, or refuses.
func (g *Guard) waitBlocked(ctx context.Context, b *bucket) error {
	until := b.blockedUntil.Load()
	if until == 0 {
		return nil
	}
	wait := time.Until(time.Unix(0, until))
	if wait <= 0 {
		return nil
	}
	if wait > g.cfg.MaxWait {
		return g.localLimited(b, wait, "vendor 429")
	}
	return sleep(ctx, wait)
}

// checkBlocked refuses a slot reserved before a vendor 429 arrived.
func (g *Guard) checkBlocked(ctx context.Context, b *bucket) error {
	if wait := time.Until(time.Unix(0, b.blockedUntil.Load())); wait > 0 {
		return g.localLimited(b, wait, "vendor 429")
	}
	if g.rdb == nil || g.health.down.Load() {
		return nil
	}
	if wait := g.sharedBlocked(ctx, b); wait > 0 {
		return g.localLimited(b, wait, "vendor 429")
	}
	return nil
}

// block makes every caller of the bucket wait d: this process at once, the
// others through the shared schedule.
func (g *Guard) block(ctx context.Context, b *bucket, d time.Duration) {
	if d <= 0 {
		return
	}
	until := time.Now().Add(d).UnixNano()
	for {
		cur := b.blockedUntil.Load()
		if cur >= until || b.blockedUntil.CompareAndSwap(cur, until) {
			break
		}
	}
	if g.rdb != nil && !g.health.down.Load() {
		g.blockShared(ctx, b, d)
	}
}

func (g *Guard) localLimited(b *bucket, wait time.Duration, policy string) *RateLimitError {
	g.m.rateLimited.WithLabelValues(g.cfg.Vendor, b.name, "local").Inc()
	return &RateLimitError{Vendor: g.cfg.Vendor, Bucket: b.name, RetryAfter: max(wait, time.Millisecond), Policy: policy, Local: true}
}

func (g *Guard) dailyError(b *bucket, now time.Time) *RateLimitError {
	return g.localLimited(b, nextUTCMidnight(now).Sub(now), "DAILY")
}

func dayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func nextUTCMidnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
