package config

import (
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Environments the platform knows. Production turns insecure defaults into
// start-up errors.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// Queue names served by workers (DESIGN.md section 4).
var defaultQueues = map[string]int{
	"enrichment":  10,
	"crm":         5,
	"outreach":    5,
	"ai":          5,
	"workflow":    20,
	"maintenance": 2,
}

// DefaultQueues returns the queues a worker serves when WORKER_QUEUES is empty,
// with their default concurrency.
func DefaultQueues() map[string]int {
	out := make(map[string]int, len(defaultQueues))
	for q, n := range defaultQueues {
		out[q] = n
	}
	return out
}

// Common is what every process needs.
type Common struct {
	Env         string
	DatabaseURL Secret
	MaxConns    int
	RedisURL    Secret
	LogLevel    slog.Level
	// SuppressionKey keys the hashes suppressions are matched on; every
	// process of one deployment must share it.
	SuppressionKey Secret
}

// DevSuppressionKey is the suppression hash key of development runs that
// set none. It is public, so production refuses it.
const DevSuppressionKey = "rtgs-development-suppression-key-not-secret"

func readCommon(r *reader) Common {
	c := Common{
		Env: r.OneOf("APP_ENV", EnvDevelopment, []string{EnvDevelopment, EnvProduction},
			"development or production; production refuses insecure defaults"),
		DatabaseURL: Secret(r.URL("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rtgs?sslmode=disable",
			[]string{"postgres", "postgresql"}, "PostgreSQL connection URL (app tables and River)")),
		MaxConns: r.Int("DATABASE_MAX_CONNS", 20, 2, 1000, "connection pool size per process"),
		RedisURL: Secret(r.URL("REDIS_URL", "", []string{"redis", "rediss"},
			"Redis URL for shared rate limits; empty runs without Redis (limits kept in process)")),
	}
	c.SuppressionKey = Secret(r.String("SUPPRESSION_HASH_KEY", "",
		"HMAC key (at least 32 bytes) of suppression hashes, shared by every process; empty uses a public development key, refused in production"))
	switch {
	case c.SuppressionKey == "" && c.Env == EnvProduction:
		r.fail("SUPPRESSION_HASH_KEY", "", "required when APP_ENV=production")
	case c.SuppressionKey == "":
		c.SuppressionKey = DevSuppressionKey
	case len(c.SuppressionKey) < 32:
		r.fail("SUPPRESSION_HASH_KEY", c.SuppressionKey.String(), "must be at least 32 bytes")
	}
	lvl := r.OneOf("LOG_LEVEL", "info", []string{"debug", "info", "warn", "error"}, "log level: debug, info, warn or error")
	_ = c.LogLevel.UnmarshalText([]byte(lvl))
	return c
}

// LoadCommon reads only what every process needs, for tools such as
// `rtgs migrate` that must not fail on settings they do not use.
func LoadCommon(lookup Lookup) (Common, error) {
	r := &reader{lookup: lookup}
	c := readCommon(r)
	return c, r.err()
}

// LogValue prints the common config with secrets masked.
func (c Common) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("env", c.Env),
		slog.String("database_url", MaskURL(c.DatabaseURL.Reveal())),
		slog.Int("database_max_conns", c.MaxConns),
		slog.Bool("redis", c.RedisURL != ""),
		slog.String("log_level", c.LogLevel.String()),
	)
}

// Auth configures API keys, JWTs and browser sessions.
type Auth struct {
	JWTSecret        Secret
	JWTTTL           time.Duration
	KeyCacheTTL      time.Duration
	LastUsedInterval time.Duration
	CookieSecure     bool
}

// API is the configuration of cmd/api.
type API struct {
	Common
	Addr               string
	BodyLimit          int
	ImportMaxBytes     int
	RequestTimeout     time.Duration
	ShutdownTimeout    time.Duration
	CORSOrigins        []string
	RateLimitPerMinute int
	GroupCommitBatch   int
	GroupCommitRunners int
	Auth               Auth
	RiverUI            bool
	// LemlistWebhookSecret is the secret lemlist echoes in every webhook
	// delivery; empty refuses every delivery.
	LemlistWebhookSecret Secret
}

// LoadAPI reads and validates the API's configuration.
func LoadAPI(lookup Lookup) (API, []Var, error) {
	r := &reader{lookup: lookup}
	c := readAPI(r)
	return c, r.vars, r.err()
}

func readAPI(r *reader) API {
	c := API{
		Common:          readCommon(r),
		Addr:            r.String("API_ADDR", ":8080", "listen address of the REST API"),
		BodyLimit:       r.Int("API_BODY_LIMIT", 1<<20, 1024, 1<<30, "largest accepted request body in bytes (bulk imports stream past it)"),
		ImportMaxBytes:  r.Int("API_IMPORT_MAX_BYTES", 2<<30, 1024, 1<<40, "largest bulk import upload in bytes, streamed to the database, never held in memory"),
		RequestTimeout:  r.Duration("API_REQUEST_TIMEOUT", 30*time.Second, "deadline of one request's context"),
		ShutdownTimeout: r.Duration("API_SHUTDOWN_TIMEOUT", 20*time.Second, "how long shutdown waits for in-flight requests"),
		CORSOrigins: splitList(r.String("API_CORS_ORIGINS", "",
			"comma-separated origins allowed by CORS; empty allows none")),
		RateLimitPerMinute: r.Int("API_RATE_LIMIT_PER_MINUTE", 600, 1, 1_000_000, "requests per minute allowed per API key"),
		RiverUI:            r.Bool("RIVERUI_ENABLED", true, "serve River UI at /riverui"),
		LemlistWebhookSecret: Secret(r.String("LEMLIST_WEBHOOK_SECRET", "",
			"secret registered with lemlist hooks and echoed in their deliveries to /api/v1/webhooks/lemlist/{hook-id}; empty refuses every delivery")),
		GroupCommitBatch: r.Int("API_GROUP_COMMIT_BATCH", 32, 0, 1000,
			"most concurrent contact creates committed in one transaction (group commit); 0 commits each alone"),
		GroupCommitRunners: r.Int("API_GROUP_COMMIT_RUNNERS", 2, 1, 100,
			"transactions of coalesced creates in flight at once; fewer make bigger batches"),
		Auth: Auth{
			JWTSecret: Secret(r.String("AUTH_JWT_SECRET", "",
				"HMAC secret for session JWTs (at least 32 bytes); empty makes a random one per process, refused in production")),
			JWTTTL:           r.Duration("AUTH_JWT_TTL", 15*time.Minute, "lifetime of a session JWT"),
			KeyCacheTTL:      r.Duration("AUTH_KEY_CACHE_TTL", 30*time.Second, "how long a verified key is trusted without a database read; revocation takes effect within it"),
			LastUsedInterval: r.Duration("AUTH_LAST_USED_INTERVAL", 30*time.Second, "how often api_keys.last_used_at is flushed"),
			CookieSecure:     r.Bool("AUTH_COOKIE_SECURE", true, "mark session cookies Secure (browsers accept them on http://localhost too)"),
		},
	}
	if s := c.Auth.JWTSecret; s != "" && len(s) < 32 {
		r.fail("AUTH_JWT_SECRET", s.String(), "must be at least 32 bytes")
	}
	if c.Env == EnvProduction && c.Auth.JWTSecret == "" {
		r.fail("AUTH_JWT_SECRET", "", "required when APP_ENV=production")
	}
	for _, o := range c.CORSOrigins {
		if o != "*" && !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			r.fail("API_CORS_ORIGINS", o, "each origin must start with http:// or https://")
		}
	}
	return c
}

// LogValue prints the API config with secrets masked.
func (c API) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("common", c.Common),
		slog.String("addr", c.Addr),
		slog.Int("body_limit", c.BodyLimit),
		slog.Duration("request_timeout", c.RequestTimeout),
		slog.Any("cors_origins", c.CORSOrigins),
		slog.Int("rate_limit_per_minute", c.RateLimitPerMinute),
		slog.Bool("jwt_secret_set", c.Auth.JWTSecret != ""),
		slog.Duration("key_cache_ttl", c.Auth.KeyCacheTTL),
		slog.Bool("riverui", c.RiverUI),
	)
}

// Worker is the configuration of cmd/worker.
type Worker struct {
	Common
	Addr                string
	Queues              map[string]int
	FetchCooldown       time.Duration
	FetchPollInterval   time.Duration
	ShutdownTimeout     time.Duration
	MaintenanceInterval time.Duration
	// JobTimeout bounds a job whose worker sets no timeout of its own.
	JobTimeout time.Duration
	// RescueStuckJobsAfter is how long a job may stay running before River
	// takes it for lost (its worker died) and runs it again.
	RescueStuckJobsAfter time.Duration
	// WebhookHosts are the hosts (host or host:port) the http_webhook
	// workflow action may call; empty refuses every call.
	WebhookHosts []string
	Vendors      Vendors
	Enrichment   Enrichment
	// OutreachPullInterval is how often lemlist's activities are pulled to
	// catch up missed webhooks.
	OutreachPullInterval time.Duration
}

// LoadWorker reads and validates the worker's configuration.
func LoadWorker(lookup Lookup) (Worker, []Var, error) {
	r := &reader{lookup: lookup}
	c := readWorker(r)
	return c, r.vars, r.err()
}

func readWorker(r *reader) Worker {
	c := Worker{
		Common:              readCommon(r),
		Addr:                r.String("WORKER_ADDR", ":9090", "listen address of the worker's /healthz and /metrics"),
		FetchCooldown:       r.Duration("WORKER_FETCH_COOLDOWN", 100*time.Millisecond, "shortest pause between two job fetches of one queue"),
		FetchPollInterval:   r.Duration("WORKER_FETCH_POLL_INTERVAL", time.Second, "how often queues are polled when no notification arrives"),
		ShutdownTimeout:     r.Duration("WORKER_SHUTDOWN_TIMEOUT", 30*time.Second, "how long in-flight jobs may finish on shutdown before they are cancelled"),
		MaintenanceInterval: r.Duration("MAINTENANCE_INTERVAL", time.Hour, "how often expired idempotency keys and JWT revocations are deleted"),
		JobTimeout: r.Duration("WORKER_JOB_TIMEOUT", time.Minute,
			"how long a job may run when its kind sets no timeout of its own (a workflow step without timeout, say)"),
		RescueStuckJobsAfter: r.Duration("WORKER_RESCUE_STUCK_JOBS_AFTER", time.Hour,
			"how long a job may run before River takes its worker for dead and runs it again; keep it above the longest job timeout"),
		WebhookHosts: splitList(r.String("WORKFLOW_WEBHOOK_HOSTS", "",
			"comma-separated hosts (host or host:port) the http_webhook workflow action may call; empty refuses every call")),
		OutreachPullInterval: r.Duration("OUTREACH_PULL_INTERVAL", 5*time.Minute,
			"how often lemlist's activities are pulled to catch up webhooks that never arrived"),
	}
	spec := r.String("WORKER_QUEUES", "", "queues to serve with concurrency, e.g. enrichment=10,crm=2; empty serves all queues with their defaults")
	queues, err := ParseQueues(spec)
	if err != nil {
		r.fail("WORKER_QUEUES", spec, err.Error())
		queues = DefaultQueues()
	}
	c.Queues = queues
	c.Vendors = readVendors(r)
	c.Enrichment = readEnrichment(r)
	if c.FetchCooldown > c.FetchPollInterval {
		r.fail("WORKER_FETCH_COOLDOWN", c.FetchCooldown.String(), "must not exceed WORKER_FETCH_POLL_INTERVAL")
	}
	if c.RescueStuckJobsAfter < c.JobTimeout {
		r.fail("WORKER_RESCUE_STUCK_JOBS_AFTER", c.RescueStuckJobsAfter.String(), "must not be shorter than WORKER_JOB_TIMEOUT")
	}
	return c
}

// LogValue prints the worker config with secrets masked.
func (c Worker) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("common", c.Common),
		slog.String("addr", c.Addr),
		slog.String("queues", FormatQueues(c.Queues)),
		slog.Duration("fetch_cooldown", c.FetchCooldown),
		slog.Duration("fetch_poll_interval", c.FetchPollInterval),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
	)
}

// ParseQueues reads "name=concurrency,..." ("name" alone takes the default
// concurrency). Empty means every queue.
func ParseQueues(spec string) (map[string]int, error) {
	if strings.TrimSpace(spec) == "" {
		return DefaultQueues(), nil
	}
	out := map[string]int{}
	for _, part := range splitList(spec) {
		name, n, hasN := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		def, known := defaultQueues[name]
		if !known {
			return nil, fmt.Errorf("unknown queue %q (known: %s)", name, FormatQueues(defaultQueues))
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("queue %q listed twice", name)
		}
		if !hasN {
			out[name] = def
			continue
		}
		c, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || c < 1 || c > 10_000 {
			return nil, fmt.Errorf("queue %q: concurrency %q must be an integer from 1 to 10000", name, n)
		}
		out[name] = c
	}
	return out, nil
}

// FormatQueues renders queues as ParseQueues reads them, sorted by name.
func FormatQueues(q map[string]int) string {
	names := make([]string, 0, len(q))
	for n := range q {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s=%d", n, q[n])
	}
	return strings.Join(parts, ",")
}

// Dev is the configuration of `rtgs dev`: api and worker in one process.
type Dev struct {
	API     API
	Worker  Worker
	DataDir string
	SimAddr string
}

// LoadDev reads both configurations; variables shared by both are read once.
func LoadDev(lookup Lookup) (Dev, []Var, error) {
	r := &reader{lookup: lookup}
	d := Dev{API: readAPI(r)}
	d.Worker = readWorker(r)
	d.DataDir = r.String("DEV_DATA_DIR", ".data", "where `rtgs dev` keeps its private PostgreSQL cluster and bootstrap admin key")
	d.SimAddr = r.String("VENDORSIM_ADDR", "127.0.0.1:8090", "where `rtgs dev` and `rtgs vendorsim` serve the vendor simulator")
	return d, dedupe(r.vars), r.err()
}

// AllVars lists every variable any binary reads, for documentation.
func AllVars() []Var {
	_, vars, _ := LoadDev(func(string) (string, bool) { return "", false })
	return vars
}

func dedupe(vars []Var) []Var {
	seen := map[string]bool{}
	out := vars[:0:0]
	for _, v := range vars {
		if !seen[v.Name] {
			seen[v.Name] = true
			out = append(out, v)
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
