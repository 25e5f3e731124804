// Package vendors builds the platform's vendor clients from configuration:
// one guard per vendor account (limiter, breaker, accounting) and the client
// that calls through it. Unconfigured vendors stay nil; jobs that need one
// fail permanently with ErrNotConfigured.
package vendors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/rtgs/sales-automation/integrations/anthropic"
	"github.com/rtgs/sales-automation/integrations/apollo"
	"github.com/rtgs/sales-automation/integrations/explorium"
	"github.com/rtgs/sales-automation/integrations/gemini"
	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/hubspot"
	"github.com/rtgs/sales-automation/integrations/lemlist"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/config"
)

// ErrNotConfigured means a job needs a vendor that has no credential.
var ErrNotConfigured = errors.New("vendor not configured")

// Names of the vendors, as used in metrics, usage rows and the API.
const (
	HubSpot   = "hubspot"
	Lemlist   = "lemlist"
	Explorium = "explorium"
	Apollo    = "apollo"
	Anthropic = "anthropic"
	Gemini    = "gemini"
)

// Set holds a client per configured vendor (nil otherwise) and their guards.
type Set struct {
	HubSpot   *hubspot.Client
	Lemlist   *lemlist.Client
	Explorium *explorium.Client
	Apollo    *apollo.Client
	Anthropic *anthropic.Client
	Gemini    *gemini.Client

	guards map[string]*guard.Guard
}

// Deps are the shared pieces every guard uses.
type Deps struct {
	Redis      *redis.Client // nil: limits and breakers in process
	Registerer prometheus.Registerer
	Usage      guard.UsageRecorder
	Logger     *slog.Logger
}

// New builds the set. A vendor without a key is left out, unless
// cfg.SimulatorURL is set: then it is pointed at the simulator with the
// simulator's key, so `rtgs dev` runs every flow without real accounts.
func New(cfg config.Vendors, d Deps) (*Set, error) {
	s := &Set{guards: map[string]*guard.Guard{}}
	httpClient := &http.Client{Timeout: cfg.Timeout}
	var errs []error

	if v, ok := resolve(cfg, HubSpot, cfg.HubSpot); ok {
		g, err := s.guard(cfg, d, HubSpot, v)
		if err == nil {
			s.HubSpot, err = hubspot.NewClient(hubspot.Config{BaseURL: v.BaseURL, Token: v.Key.Reveal(), Version: cfg.HubSpotAPIVersion, HTTPClient: httpClient, Guard: g})
		}
		errs = append(errs, named("HUBSPOT", err))
	}
	if v, ok := resolve(cfg, Lemlist, cfg.Lemlist); ok {
		g, err := s.guard(cfg, d, Lemlist, v)
		if err == nil {
			s.Lemlist, err = lemlist.NewClient(lemlist.Config{BaseURL: v.BaseURL, APIKey: v.Key.Reveal(), HTTPClient: httpClient, Guard: g})
		}
		errs = append(errs, named("LEMLIST", err))
	}
	if v, ok := resolve(cfg, Explorium, cfg.Explorium); ok {
		g, err := s.guard(cfg, d, Explorium, v)
		if err == nil {
			s.Explorium, err = explorium.NewClient(explorium.Config{BaseURL: v.BaseURL, APIKey: v.Key.Reveal(), HTTPClient: httpClient, Guard: g})
		}
		errs = append(errs, named("EXPLORIUM", err))
	}
	if v, ok := resolve(cfg, Apollo, cfg.Apollo); ok {
		g, err := s.guard(cfg, d, Apollo, v)
		if err == nil {
			s.Apollo, err = apollo.NewClient(apollo.Config{BaseURL: v.BaseURL, APIKey: v.Key.Reveal(), HTTPClient: httpClient, Guard: g})
		}
		errs = append(errs, named("APOLLO", err))
	}
	if v, ok := resolve(cfg, Anthropic, cfg.Anthropic); ok {
		g, err := s.guard(cfg, d, Anthropic, v)
		if err == nil {
			s.Anthropic, err = anthropic.NewClient(anthropic.Config{BaseURL: v.BaseURL, APIKey: v.Key.Reveal(), Model: v.Model, Timeout: cfg.Timeout, Guard: g})
		}
		errs = append(errs, named("ANTHROPIC", err))
	}
	if v, ok := resolve(cfg, Gemini, cfg.Gemini); ok {
		g, err := s.guard(cfg, d, Gemini, v)
		if err == nil {
			s.Gemini, err = gemini.NewClient(gemini.Config{BaseURL: v.BaseURL, APIKey: v.Key.Reveal(), Model: v.Model, Timeout: cfg.Timeout, Guard: g})
		}
		errs = append(errs, named("GEMINI", err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// resolve returns the vendor's settings, pointed at the simulator when one
// is configured and the vendor has no key of its own.
func resolve(cfg config.Vendors, name string, v config.Vendor) (config.Vendor, bool) {
	if v.Configured() {
		return v, true
	}
	if cfg.SimulatorURL == "" {
		return v, false
	}
	v.BaseURL = vendorsim.ClientBaseURL(cfg.SimulatorURL, name)
	v.Key = config.Secret(vendorsim.DevKey)
	return v, true
}

func (s *Set) guard(cfg config.Vendors, d Deps, name string, v config.Vendor) (*guard.Guard, error) {
	limits := make(map[string]guard.Limit, len(v.Limits))
	for bucket, r := range v.Limits {
		limits[bucket] = guard.Limit{Rate: r.Count, Per: r.Per}
	}
	g, err := guard.New(guard.Config{
		Vendor:     name,
		Limits:     limits,
		Daily:      v.Daily,
		Slack:      v.Slack,
		Redis:      d.Redis,
		KeyPrefix:  cfg.RedisPrefix,
		Breaker:    guard.BreakerSettings{FailureThreshold: cfg.BreakerFailures, OpenFor: cfg.BreakerOpenFor},
		MaxWait:    cfg.MaxWait,
		Registerer: d.Registerer,
		Usage:      d.Usage,
		Logger:     d.Logger,
	})
	if err != nil {
		return nil, err
	}
	s.guards[name] = g
	return g, nil
}

// Configured lists the vendors that have a client.
func (s *Set) Configured() []string {
	var out []string
	for _, n := range []string{HubSpot, Lemlist, Explorium, Apollo, Anthropic, Gemini} {
		if _, ok := s.guards[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

// Run flushes every guard's usage accounting until ctx is done.
func (s *Set) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, gd := range s.guards {
		g.Go(func() error { return gd.Run(ctx) })
	}
	return g.Wait()
}

// named prefixes a client construction error with the vendor's settings
// prefix, so the message names what to fix.
func named(prefix string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("vendor settings %s_*: %w", prefix, err)
}
