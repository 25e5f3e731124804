package guard

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the vendor_* collectors. Every Guard of a process registers
// the same names; the first registration wins and the others reuse it.
type metrics struct {
	calls           *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	rateLimited     *prometheus.CounterVec
	wait            *prometheus.HistogramVec
	breakerState    *prometheus.GaugeVec
	breakerRejected *prometheus.CounterVec
	credits         *prometheus.CounterVec
	fallback        *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendor_calls_total",
			Help: "Calls that reached a vendor, by HTTP status (\"error\" when no response came back).",
		}, []string{"vendor", "bucket", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vendor_call_duration_seconds",
			Help:    "Duration of vendor calls, from sending the request to the classified response.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"vendor", "bucket"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendor_rate_limited_total",
			Help: "Calls refused for rate: by our limiter before calling (local) or by the vendor with a 429 (vendor).",
		}, []string{"vendor", "bucket", "source"}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vendor_limiter_wait_seconds",
			Help:    "Time a call waited in process for its rate-limit slot.",
			Buckets: []float64{.0005, .001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"vendor", "bucket"}),
		breakerState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vendor_breaker_state",
			Help: "Circuit breaker state as last seen by this process: 0 closed, 1 half-open, 2 open.",
		}, []string{"vendor"}),
		breakerRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendor_breaker_rejected_total",
			Help: "Calls refused because the vendor's circuit breaker was open.",
		}, []string{"vendor"}),
		credits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendor_credits_total",
			Help: "Vendor credits spent, as the vendors report them.",
		}, []string{"vendor", "bucket"}),
		fallback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendor_limiter_fallback_total",
			Help: "Redis outages during which the limiter fell back to this process's share of each limit.",
		}, []string{"vendor"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.calls, err = register(reg, m.calls); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.rateLimited, err = register(reg, m.rateLimited); err != nil {
		return nil, err
	}
	if m.wait, err = register(reg, m.wait); err != nil {
		return nil, err
	}
	if m.breakerState, err = register(reg, m.breakerState); err != nil {
		return nil, err
	}
	if m.breakerRejected, err = register(reg, m.breakerRejected); err != nil {
		return nil, err
	}
	if m.credits, err = register(reg, m.credits); err != nil {
		return nil, err
	}
	if m.fallback, err = register(reg, m.fallback); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the identical collector registered
// before by another Guard.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("guard: register metrics: %w", err)
}
