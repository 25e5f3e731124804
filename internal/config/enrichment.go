package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Enrichment vendors, in the spelling of ENRICHMENT_ORDER.
const (
	EnrichExplorium = "explorium"
	EnrichApollo    = "apollo"
)

// Enrichment configures the enrichment waterfall of the worker.
type Enrichment struct {
	// Order is the waterfall: vendors tried in turn until one finds the
	// person or company. Unconfigured vendors are skipped at run time.
	Order []string
	// CompanyCacheTTL is how long a company's enrichment (or its not_found)
	// stands before a contact at that company asks for a fresh lookup.
	CompanyCacheTTL time.Duration
	// ContactTTL is how long a contact's enrichment stands before a new
	// enrich_contact job looks the person up again.
	ContactTTL time.Duration
	// DailyCredits is each vendor's credit ceiling per UTC day; 0 (or a
	// vendor absent) is no ceiling.
	DailyCredits map[string]int64
	// Lease is how long a job's claim on the rows of its batch holds before
	// another job may take them over (a crashed job's claims expire).
	Lease time.Duration
	// RedisPrefix prefixes the company cache's Redis keys.
	RedisPrefix string
}

func readEnrichment(r *reader) Enrichment {
	e := Enrichment{
		CompanyCacheTTL: r.Duration("ENRICHMENT_COMPANY_CACHE_TTL", 720*time.Hour,
			"how long a company's enrichment (or not_found) stands: one vendor lookup per domain per TTL"),
		ContactTTL: r.Duration("ENRICHMENT_CONTACT_TTL", 720*time.Hour,
			"how long a contact's enrichment stands before a new enrich_contact job looks the person up again"),
		Lease: r.Duration("ENRICHMENT_LEASE", 2*time.Minute,
			"how long an enrichment job's claim on the rows of its vendor batch holds; a crashed job's claims expire after it"),
		RedisPrefix: r.String("ENRICHMENT_REDIS_PREFIX", "rtgs:enrichment:",
			"Redis key prefix of the company enrichment cache"),
		DailyCredits: map[string]int64{
			EnrichExplorium: int64(r.Int("EXPLORIUM_DAILY_CREDITS", 50_000, 0, 1_000_000_000,
				"Explorium credits the enrichment jobs may spend per UTC day; reaching it snoozes their work to the next day (0: no ceiling)")),
			EnrichApollo: int64(r.Int("APOLLO_DAILY_CREDITS", 10_000, 0, 1_000_000_000,
				"Apollo credits the enrichment jobs may spend per UTC day; reaching it snoozes their work to the next day (0: no ceiling)")),
		},
	}
	spec := r.String("ENRICHMENT_ORDER", "explorium,apollo",
		"enrichment waterfall: vendors tried in turn until one finds the person or company (explorium, apollo)")
	order, err := ParseEnrichmentOrder(spec)
	if err != nil {
		r.fail("ENRICHMENT_ORDER", spec, err.Error())
		order, _ = ParseEnrichmentOrder("explorium,apollo")
	}
	e.Order = order
	return e
}

// ParseEnrichmentOrder reads a comma-separated waterfall of known
// enrichment vendors, each at most once.
func ParseEnrichmentOrder(spec string) ([]string, error) {
	known := []string{EnrichExplorium, EnrichApollo}
	var out []string
	for _, name := range splitList(strings.ToLower(spec)) {
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("unknown enrichment vendor %q (known: %s)", name, strings.Join(known, ", "))
		}
		if slices.Contains(out, name) {
			return nil, fmt.Errorf("enrichment vendor %q listed twice", name)
		}
		out = append(out, name)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("name at least one enrichment vendor")
	}
	return out, nil
}

// DefaultEnrichment is the enrichment configuration with every variable
// unset, for workers wired in code (tests, tools).
func DefaultEnrichment() Enrichment {
	return readEnrichment(&reader{lookup: func(string) (string, bool) { return "", false }})
}
