package guard

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Limit is one rate limit of a vendor bucket: at most Rate calls per Per.
// Daily, when positive, also caps calls of the bucket per UTC day.
type Limit struct {
	Rate  int
	Per   time.Duration
	Daily int
}

// BreakerSettings configure a vendor's circuit breaker.
type BreakerSettings struct {
	// FailureThreshold is how many consecutive transient failures open the
	// breaker. Default 5.
	FailureThreshold int
	// Window, when positive, clears the failure counts of a closed breaker
	// that often, so failures spread thinly over a long time never add up.
	// Zero keeps counting until a success resets the consecutive count.
	Window time.Duration
	// OpenFor is how long an open breaker refuses calls before it lets one
	// probe through (half-open). Default 30 s.
	OpenFor time.Duration
}

// Defaults applied by New to zero fields of Config.
const (
	DefaultMaxWait          = time.Second
	DefaultFallbackShare    = 0.25
	DefaultFailureThreshold = 5
	DefaultOpenFor          = 30 * time.Second
	DefaultKeyPrefix        = "rtgs:"
	DefaultRedisTimeout     = 500 * time.Millisecond
	DefaultProbeEvery       = time.Second
	DefaultFlushEvery       = 10 * time.Second
	// DefaultMaxSlack caps the default slack of a bucket (see Config.Slack).
	DefaultMaxSlack = 50 * time.Millisecond
)

// Config configures the Guard of one vendor account.
type Config struct {
	// Vendor names the vendor in errors, metrics, Redis keys and usage rows.
	Vendor string
	// Limits are the vendor's rate limits by bucket. "default" is required;
	// calls naming a bucket not listed here count against "default".
	Limits map[string]Limit
	// Daily, when positive, caps the calls of all buckets together per UTC
	// day (HubSpot's daily limit is per account, not per bucket).
	Daily int
	// Redis, when set, makes the limiter and the breaker global to every
	// process sharing it. Nil limits in process (correct for one process).
	Redis *redis.Client
	// KeyPrefix prefixes every Redis key. Default "rtgs:".
	KeyPrefix string
	// Breaker configures the circuit breaker.
	Breaker BreakerSettings
	// MaxWait is how long a call may wait in process for its turn; a longer
	// wait returns a *RateLimitError{Local: true} so the job snoozes instead
	// of holding a worker. Default 1 s.
	MaxWait time.Duration
	// Slack is how much longer than the vendor's window Rate consecutive
	// calls must take: the delay jitter between our grant and the vendor's
	// clock that the limiter absorbs without the vendor ever counting
	// Rate+1 calls in one window. Default min(Per/(2·Rate), 50 ms) per bucket.
	Slack time.Duration
	// FallbackShare is the fraction of each limit one process allows itself
	// while Redis is unreachable, so that up to 1/FallbackShare processes
	// together never exceed the limit. Default 0.25 (four processes). A
	// negative value refuses every call (jobs snooze) until Redis answers.
	FallbackShare float64
	// RedisTimeout bounds each Redis round trip of the guard. Default 500 ms.
	RedisTimeout time.Duration
	// ProbeEvery is how often a process limiting in process tries Redis
	// again. Default 1 s.
	ProbeEvery time.Duration
	// FlushEvery is how often Run pushes usage to Usage. Default 10 s.
	FlushEvery time.Duration
	// Registerer receives the vendor_* metrics. Several Guards may share one
	// registerer: collectors already registered are reused. Nil registers
	// nothing.
	Registerer prometheus.Registerer
	// Usage receives the aggregated per-day usage on Flush. Nil drops it.
	Usage UsageRecorder
	// Logger logs breaker transitions and Redis outages, never requests.
	Logger *slog.Logger
	// Now is the clock of usage days and daily quotas. Rate spacing and the
	// breaker use the real clock (Redis's own in shared mode). Default
	// time.Now.
	Now func() time.Time
}

// withDefaults fills zero fields and validates the rest; errors name the
// field at fault so a misconfigured process fails at start.
func (c Config) withDefaults() (Config, error) {
	if c.Vendor == "" {
		return c, errors.New("guard: Config.Vendor is empty")
	}
	if _, ok := c.Limits["default"]; !ok {
		return c, fmt.Errorf("guard: %s: Config.Limits has no \"default\" bucket", c.Vendor)
	}
	for name, l := range c.Limits {
		switch {
		case name == "":
			return c, fmt.Errorf("guard: %s: Config.Limits has an empty bucket name", c.Vendor)
		case l.Rate <= 0:
			return c, fmt.Errorf("guard: %s: Config.Limits[%q].Rate %d must be positive", c.Vendor, name, l.Rate)
		case l.Per <= 0:
			return c, fmt.Errorf("guard: %s: Config.Limits[%q].Per %s must be positive", c.Vendor, name, l.Per)
		case l.Daily < 0:
			return c, fmt.Errorf("guard: %s: Config.Limits[%q].Daily %d must not be negative", c.Vendor, name, l.Daily)
		}
	}
	checks := []struct {
		bad   bool
		field string
		value any
	}{
		{c.Daily < 0, "Daily", c.Daily},
		{c.MaxWait < 0, "MaxWait", c.MaxWait},
		{c.Slack < 0, "Slack", c.Slack},
		{c.FallbackShare > 1, "FallbackShare", c.FallbackShare},
		{c.RedisTimeout < 0, "RedisTimeout", c.RedisTimeout},
		{c.ProbeEvery < 0, "ProbeEvery", c.ProbeEvery},
		{c.FlushEvery < 0, "FlushEvery", c.FlushEvery},
		{c.Breaker.FailureThreshold < 0, "Breaker.FailureThreshold", c.Breaker.FailureThreshold},
		{c.Breaker.Window < 0, "Breaker.Window", c.Breaker.Window},
		{c.Breaker.OpenFor < 0, "Breaker.OpenFor", c.Breaker.OpenFor},
	}
	for _, ch := range checks {
		if ch.bad {
			return c, fmt.Errorf("guard: %s: Config.%s %v is out of range", c.Vendor, ch.field, ch.value)
		}
	}
	c.KeyPrefix = cmp.Or(c.KeyPrefix, DefaultKeyPrefix)
	c.MaxWait = cmp.Or(c.MaxWait, DefaultMaxWait)
	c.FallbackShare = cmp.Or(c.FallbackShare, DefaultFallbackShare)
	c.RedisTimeout = cmp.Or(c.RedisTimeout, DefaultRedisTimeout)
	c.ProbeEvery = cmp.Or(c.ProbeEvery, DefaultProbeEvery)
	c.FlushEvery = cmp.Or(c.FlushEvery, DefaultFlushEvery)
	c.Breaker.FailureThreshold = cmp.Or(c.Breaker.FailureThreshold, DefaultFailureThreshold)
	c.Breaker.OpenFor = cmp.Or(c.Breaker.OpenFor, DefaultOpenFor)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}
