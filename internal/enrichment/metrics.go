package enrichment

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the rtgs_enrichment_* collectors. Several Services may share
// a registerer (tests, `rtgs dev`): the first registration wins and the
// others reuse it.
type metrics struct {
	creditsToday   *prometheus.GaugeVec
	ceilingSnoozes *prometheus.CounterVec
	lookups        *prometheus.CounterVec
	cache          *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		creditsToday: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rtgs_enrichment_credits_today",
			Help: "Credits the enrichment jobs of every process spent with the vendor today (UTC), as last read by this process.",
		}, []string{"vendor"}),
		ceilingSnoozes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtgs_enrichment_ceiling_snoozes_total",
			Help: "Enrichment jobs put off to the next UTC day because the vendor's daily credit ceiling was reached.",
		}, []string{"vendor"}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtgs_enrichment_lookups_total",
			Help: "Contacts (kind person) and companies (kind company) looked up, by vendor and result: found, not_found or error.",
		}, []string{"vendor", "kind", "result"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtgs_enrichment_company_cache_total",
			Help: "Company lookups answered from the Redis cache (hit) or sent to the vendors (miss).",
		}, []string{"result"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.creditsToday, err = register(reg, m.creditsToday); err != nil {
		return nil, err
	}
	if m.ceilingSnoozes, err = register(reg, m.ceilingSnoozes); err != nil {
		return nil, err
	}
	if m.lookups, err = register(reg, m.lookups); err != nil {
		return nil, err
	}
	if m.cache, err = register(reg, m.cache); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// its name.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c, nil
	case errors.As(err, &are):
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("enrichment: register metrics: %w", err)
}
