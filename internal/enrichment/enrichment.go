// Package enrichment is the enrichment waterfall of contacts and companies:
// vendors tried in configured order until one finds the person or company,
// vendor answers mapped to typed fields stored next to the raw payload, a
// daily credit ceiling per vendor shared by every worker process, a Redis
// cache of company answers, and claims that let one job look up a whole
// vendor batch (Explorium 50, Apollo 10) while no other job looks up the
// same rows. It makes the vendor calls and writes the rows; the enrich_*
// jobs decide what their own job becomes.
package enrichment

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/internal/vendors"
)

// Enrichment statuses of contacts and companies.
const (
	StatusPending  = "pending"
	StatusEnriched = "enriched"
	StatusNotFound = "not_found"
	StatusFailed   = "failed"
)

// ReasonNoVendor is the failure recorded when no enrichment vendor of the
// waterfall is configured.
const ReasonNoVendor = "no enrichment vendor configured"

// Default sizes of a claimed batch: the largest bulk call of the vendors
// (Explorium takes 50 inputs; Apollo's 10 are sent as 5 calls).
const defaultBatch = 50

// peerWindow is how far ahead a job looks for peers: besides the jobs
// available now, those scheduled to run within it (a company job waiting
// for others to join its batch, a job snoozed behind a claim) join the
// batch.
const peerWindow = 10 * time.Second

// Deps are what a Service works with.
type Deps struct {
	// DB runs the claims and reads (a pool; a test's transaction).
	DB store.DBTX
	// Vendors holds the clients; nil or unconfigured vendors are skipped.
	Vendors *vendors.Set
	// Redis caches company answers; nil disables the cache.
	Redis *redis.Client
	// Registerer receives the rtgs_enrichment_* metrics; nil registers none.
	Registerer prometheus.Registerer
	// Logger logs ceiling and cache trouble, never people's data.
	Logger *slog.Logger
	// Now is the clock of claims, freshness and credit days. Default
	// time.Now.
	Now func() time.Time
	// Peers names the River jobs whose rows a job may claim into its vendor
	// batch; zero batches nothing (each job looks up its own row alone).
	Peers Peers
}

// Peers names where the enrichment jobs wait: a job claims the rows of
// other jobs of its kind still available in Queue.
type Peers struct {
	Queue       string
	ContactKind string // args {"contact_id": …}
	CompanyKind string // args {"company_id": …}
}

// Service runs the waterfalls. It is safe for concurrent use.
type Service struct {
	cfg     config.Enrichment
	db      store.DBTX
	people  []personStep
	company []companyStep
	cache   *companyCache
	ceiling *ceiling
	m       *metrics
	log     *slog.Logger
	now     func() time.Time
	batch   int
	peers   Peers
}

// New builds the waterfalls of cfg.Order from the configured vendors.
func New(cfg config.Enrichment, d Deps) (*Service, error) {
	if d.DB == nil {
		return nil, errors.New("enrichment: nil database")
	}
	if cfg.Lease <= 0 {
		return nil, fmt.Errorf("enrichment: lease %s must be positive", cfg.Lease)
	}
	m, err := newMetrics(d.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg:   cfg,
		db:    d.DB,
		m:     m,
		log:   cmp.Or(d.Logger, slog.New(slog.DiscardHandler)),
		now:   d.Now,
		batch: defaultBatch,
		peers: d.Peers,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.ceiling = &ceiling{db: d.DB, limits: cfg.DailyCredits, m: m}
	if d.Redis != nil {
		s.cache = &companyCache{rdb: d.Redis, prefix: cmp.Or(cfg.RedisPrefix, "rtgs:enrichment:"), ttl: cfg.CompanyCacheTTL, m: m, log: s.log}
	}
	if d.Vendors != nil {
		for _, name := range cfg.Order {
			switch name {
			case config.EnrichExplorium:
				if c := d.Vendors.Explorium; c != nil {
					e := exploriumSource{c}
					s.people = append(s.people, personStep{vendor: name, batch: exploriumBatch, call: e.people})
					s.company = append(s.company, companyStep{vendor: name, batch: exploriumBatch, call: e.companies})
				}
			case config.EnrichApollo:
				if c := d.Vendors.Apollo; c != nil {
					a := apolloSource{c}
					s.people = append(s.people, personStep{vendor: name, batch: apolloBatch, call: a.people})
					s.company = append(s.company, companyStep{vendor: name, batch: apolloBatch, call: a.companies})
				}
			}
		}
	}
	return s, nil
}

// Configured reports whether any vendor of the waterfall has a client.
func (s *Service) Configured() bool { return len(s.people) > 0 }

// ContactTTL is how long a contact's enrichment stands.
func (s *Service) ContactTTL() time.Duration { return s.cfg.ContactTTL }

// CompanyTTL is how long a company's enrichment stands.
func (s *Service) CompanyTTL() time.Duration { return s.cfg.CompanyCacheTTL }

// Lease is how long a job's claims hold; a job must finish well within it.
func (s *Service) Lease() time.Duration { return s.cfg.Lease }

// DB is what the Service reads and claims on.
func (s *Service) DB() store.DBTX { return s.db }

// Now is the Service's clock.
func (s *Service) Now() time.Time { return s.now() }

// NextDay is the start of the UTC day after t: when spent ceilings reset.
func NextDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// utcDay is the UTC date of t at midnight.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
