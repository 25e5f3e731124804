package worker

import (
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
)

// defaultQueueStatsInterval is how often queue depth and age are refreshed:
// often enough for autoscaling, one cheap query per worker per period.
const defaultQueueStatsInterval = 15 * time.Second

// Option changes how Run builds and serves the worker. Production passes
// none; `rtgs dev`, tests and benchmarks use them to fit the worker into
// their process.
type Option func(*options)

type options struct {
	schema        string
	register      []func(*river.Workers) error
	onClient      []func(*river.Client[pgx.Tx])
	listener      net.Listener
	http          bool
	statsInterval time.Duration
	redis         *redis.Client
}

func newOptions(opts []Option) options {
	o := options{http: true, statsInterval: defaultQueueStatsInterval}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithSchema sets the Postgres schema of River's tables (river.Config.Schema);
// tests pass dbtest.Schema(pool). Empty, the default, uses the search path.
func WithSchema(schema string) Option {
	return func(o *options) { o.schema = schema }
}

// WithRegister adds workers beyond the platform's own (jobs.Register), e.g.
// the no-op kinds of tests and benchmarks. It may be given more than once.
func WithRegister(register func(*river.Workers) error) Option {
	return func(o *options) { o.register = append(o.register, register) }
}

// WithClient calls fn with the River client after it is built and before it
// starts, so a caller can Subscribe without missing early events or insert
// through the same client. It may be given more than once.
func WithClient(fn func(*river.Client[pgx.Tx])) Option {
	return func(o *options) { o.onClient = append(o.onClient, fn) }
}

// WithListener serves /healthz, /readyz and /metrics on ln instead of listening on
// cfg.Addr; tests pass a listener on 127.0.0.1:0. Run closes it.
func WithListener(ln net.Listener) Option {
	return func(o *options) { o.listener = ln }
}

// WithHTTP turns the /healthz, /readyz and /metrics server on (the default) or off,
// for a process that serves metrics elsewhere.
func WithHTTP(enabled bool) Option {
	return func(o *options) { o.http = enabled }
}

// WithQueueStatsInterval sets how often the queue gauges are refreshed
// (default 15 s); tests shorten it.
func WithQueueStatsInterval(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.statsInterval = d
		}
	}
}

// WithRedis shares vendor rate limits and breakers with every process on
// the same Redis; without it they are kept in process.
func WithRedis(rdb *redis.Client) Option {
	return func(o *options) { o.redis = rdb }
}
