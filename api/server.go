// Package api is the platform's REST API: a Fiber v2 app whose operations are
// declared with huma (validation, OpenAPI 3.1, problem+json from one set of Go
// types). Handlers validate, call one domain service and encode; they never
// call a vendor.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/actions"
	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/groupcommit"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/ratelimit"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/jobs"
)

// Deps is what the API needs; cmd wires it.
type Deps struct {
	Config   config.API
	Pool     *pgxpool.Pool
	River    *river.Client[pgx.Tx] // insert-only: never started with queues
	Auth     *auth.Service
	Limiter  ratelimit.Limiter
	Logger   *slog.Logger
	Registry *prometheus.Registry
}

// Server is the HTTP API.
type Server struct {
	cfg      config.API
	pool     *pgxpool.Pool
	river    *river.Client[pgx.Tx]
	auth     *auth.Service
	limiter  ratelimit.Limiter
	logger   *slog.Logger
	reg      *prometheus.Registry
	metrics  *obs.HTTPMetrics
	idem     *store.IdempotencyKeys
	contacts *contacts.Service
	events   *groupcommit.Group[*pendingEvent] // webhook deliveries
	actions  actions.Catalog
	engine   *engine.Engine

	app     *fiber.App
	api     huma.API
	riverUI *riverUI
}

// New builds the app with every middleware and route.
func New(d Deps) (*Server, error) {
	if d.Pool == nil || d.River == nil || d.Auth == nil || d.Logger == nil || d.Registry == nil {
		return nil, errors.New("api: Pool, River, Auth, Logger and Registry are required")
	}
	s := &Server{
		cfg: d.Config, pool: d.Pool, river: d.River, auth: d.Auth, limiter: d.Limiter,
		logger: d.Logger, reg: d.Registry, metrics: obs.NewHTTPMetrics(d.Registry),
		idem: store.NewIdempotencyKeys(d.Pool),
	}
	s.contacts = s.newContactService()
	s.events = s.newEventIngest()
	cat, err := actions.Builtin()
	if err != nil {
		return nil, err
	}
	s.actions = cat
	// The API starts and cancels runs; the workers run the steps.
	s.engine = engine.New(d.Pool, cat, nil, jobs.StepQueue{})
	if s.limiter == nil {
		s.limiter = ratelimit.NewLocal(d.Config.RateLimitPerMinute)
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "rtgs-api",
		BodyLimit:             d.Config.BodyLimit,
		ErrorHandler:          s.errorHandler,
		DisableStartupMessage: true,
		ReadTimeout:           d.Config.RequestTimeout + 5*time.Second,
		WriteTimeout:          d.Config.RequestTimeout + 5*time.Second,
		IdleTimeout:           2 * time.Minute,
		ReadBufferSize:        16 << 10, // room for large cookies and auth headers
		StreamRequestBody:     true,     // the import streams; limitBody keeps BodyLimit on the rest
	})
	s.useMiddleware()
	s.routeLemlistWebhook() // before limitBody: it keeps its own, smaller limit
	s.app.Use(s.limitBody)
	s.routePublic()
	s.app.Use("/api/", s.authenticate, s.rateLimit, s.idempotent)
	s.api = humafiber.New(s.app, s.humaConfig())
	s.api.UseMiddleware(s.requireScope)
	s.api.UseMiddleware(s.rewindBody)
	s.registerRoutes()
	if d.Config.RiverUI {
		ui, err := newRiverUI(d.River, d.Logger)
		if err != nil {
			return nil, err
		}
		s.riverUI = ui
		s.mountRiverUI()
	}
	return s, nil
}

// registerRoutes declares every /api/v1 operation, one file per resource.
func (s *Server) registerRoutes() {
	s.registerAuth()
	s.registerAPIKeys()
	s.registerJobs()
	s.registerQueues()
	s.registerUsage()
	s.registerVendors()
	s.registerContacts()
	s.registerCompanies()
	s.registerSuppressions()
	s.registerImports()
	s.registerICPProfiles()
	s.registerCampaignTemplates()
	s.registerChat()
	s.registerCampaignInstances()
	s.registerEnrollments()
	s.registerPersonalization()
	s.registerCampaignMetrics()
	s.registerTriggers()
	s.registerPipeline()
	s.registerWorkflows()
	s.registerWorkflowRuns()
}

// App exposes the Fiber app, for tests (app.Test) and benchmarks.
func (s *Server) App() *fiber.App { return s.app }

// OpenAPI returns the generated OpenAPI document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

// Serve listens on ln until ctx is done, then stops accepting connections and
// drains in-flight requests for at most the shutdown timeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.riverUI != nil {
		if err := s.riverUI.handler.Start(ctx); err != nil {
			return fmt.Errorf("start river ui: %w", err)
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.logger.Info("api shutting down", slog.Duration("timeout", s.cfg.ShutdownTimeout))
	err := s.app.ShutdownWithTimeout(s.cfg.ShutdownTimeout)
	s.contacts.Close() // after the handlers that use them have drained
	s.events.Close()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return <-errc
}
