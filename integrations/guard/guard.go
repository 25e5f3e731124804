package guard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Classify inspects a vendor response and returns nil for success or one of
// this package's typed errors. It may read the body (bounded by the caller);
// it must not close it on success.
type Classify func(resp *http.Response) error

// Guard guards the calls of one vendor account: rate limiter, circuit
// breaker, classification, metrics and usage. It is safe for concurrent use.
// A nil *Guard calls the vendor directly and only classifies, so clients
// work unguarded in tests and tools.
type Guard struct {
	cfg     Config
	rdb     *redis.Client
	log     *slog.Logger
	m       *metrics
	buckets map[string]*bucket
	br      *breaker
	health  redisHealth
	usage   usageAgg

	keyDaily      string // Redis: the vendor's calls today (prefix; the date is appended)
	dailyMu       sync.Mutex
	vendorDaily   dayCounter // in process, without Redis
	vendorFbDaily dayCounter // in process, while Redis is away
}

// New validates cfg and returns the vendor's Guard. It does not need Redis
// to answer yet: until it does, the Guard limits at its fallback share.
func New(cfg Config) (*Guard, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	g := &Guard{
		cfg:      cfg,
		rdb:      cfg.Redis,
		log:      cfg.Logger,
		m:        m,
		buckets:  make(map[string]*bucket, len(cfg.Limits)),
		keyDaily: fmt.Sprintf("%sguard:{%s}:daily:", cfg.KeyPrefix, cfg.Vendor),
	}
	for name, l := range cfg.Limits {
		g.buckets[name] = newBucket(cfg, name, l)
	}
	g.br = newBreaker(cfg, m, cfg.Logger)
	return g, nil
}

// Vendor returns the vendor this Guard guards.
func (g *Guard) Vendor() string { return g.cfg.Vendor }

// bucket returns the named bucket, or "default" for a name not configured:
// counting an unknown bucket against the default limit errs on the safe side.
func (g *Guard) bucket(name string) *bucket {
	if b, ok := g.buckets[name]; ok {
		return b
	}
	return g.buckets["default"]
}

// Do makes one call through limiter, breaker and classification. bucket names
// the vendor's rate bucket ("default", "search", "enrichment", ...). On
// success the response is returned open for the caller to decode and close;
// on error it is closed. A nil classify uses ClassifyStatus.
func (g *Guard) Do(ctx context.Context, bucket string, client *http.Client, req *http.Request, classify Classify) (*http.Response, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req = req.WithContext(ctx)
	if g == nil {
		return direct(ctx, client, req, classify)
	}
	if classify == nil {
		classify = defaultClassify(g.cfg.Vendor)
	}
	b := g.bucket(bucket)
	p, err := g.admit(ctx, b)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		out := g.transportError(ctx, err)
		g.finish(ctx, b, p, 0, out, time.Since(start))
		return nil, out
	}
	out := g.fill(classify(resp), b)
	g.finish(ctx, b, p, resp.StatusCode, out, time.Since(start))
	if out != nil {
		drainClose(resp)
		return nil, out
	}
	return resp, nil
}

// direct is Do without a Guard.
func direct(ctx context.Context, client *http.Client, req *http.Request, classify Classify) (*http.Response, error) {
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, fmt.Errorf("vendor call cancelled: %w", ctx.Err())
		}
		return nil, &TransientError{Err: err}
	}
	if classify == nil {
		classify = defaultClassify("")
	}
	if err := classify(resp); err != nil {
		drainClose(resp)
		return nil, err
	}
	return resp, nil
}

// admit takes the call through the breaker's cheap check, the limiter and
// the breaker, in that order: a known-open breaker refuses before the call
// spends a slot, and the breaker's own check comes last so that the least
// possible time passes between the slot and the call.
func (g *Guard) admit(ctx context.Context, b *bucket) (permit, error) {
	shared := g.rdb != nil && !g.health.down.Load()
	if err := g.br.precheck(shared); err != nil {
		return permit{}, err
	}
	if err := g.acquire(ctx, b); err != nil {
		return permit{}, err
	}
	return g.br.allow(ctx, g)
}

// transportError keeps the caller's own cancellation apart (not the
// vendor's fault, not a breaker failure); anything else that left us without
// a response, deadlines included, is transient.
func (g *Guard) transportError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("%s: call cancelled: %w", g.cfg.Vendor, ctx.Err())
	}
	return &TransientError{Vendor: g.cfg.Vendor, Err: err}
}

// finish records a call's outcome everywhere it counts: breaker, 429
// feedback, metrics and usage.
func (g *Guard) finish(ctx context.Context, b *bucket, p permit, status int, out error, took time.Duration) {
	outcome := out
	if out != nil && errors.Is(ctx.Err(), context.Canceled) {
		outcome = errExcluded
	}
	g.br.report(ctx, g, p, outcome)

	u := Usage{Calls: 1}
	var rl *RateLimitError
	switch {
	case errors.As(out, &rl):
		u.RateLimited = 1
		g.m.rateLimited.WithLabelValues(g.cfg.Vendor, b.name, "vendor").Inc()
		g.block(ctx, b, rl.RetryAfter)
	case out != nil && outcome != errExcluded:
		u.Errors = 1
	}
	label := "error"
	if status > 0 {
		label = strconv.Itoa(status)
	}
	g.m.calls.WithLabelValues(g.cfg.Vendor, b.name, label).Inc()
	g.m.duration.WithLabelValues(g.cfg.Vendor, b.name).Observe(took.Seconds())
	g.usage.add(g.cfg.Vendor, b.name, g.cfg.Now(), u)
}

// fill names the vendor and bucket on an error Classify left anonymous.
func (g *Guard) fill(err error, b *bucket) error {
	var rl *RateLimitError
	var te *TransientError
	var ae *APIError
	var bo *BreakerOpenError
	switch {
	case errors.As(err, &rl):
		if rl.Vendor == "" {
			rl.Vendor = g.cfg.Vendor
		}
		if rl.Bucket == "" {
			rl.Bucket = b.name
		}
	case errors.As(err, &te):
		if te.Vendor == "" {
			te.Vendor = g.cfg.Vendor
		}
	case errors.As(err, &ae):
		if ae.Vendor == "" {
			ae.Vendor = g.cfg.Vendor
		}
	case errors.As(err, &bo):
		if bo.Vendor == "" {
			bo.Vendor = g.cfg.Vendor
		}
	}
	return err
}
