package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"golang.org/x/sync/errgroup"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/ratelimit"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/workflows"
)

// RunOptions are what Run needs beyond configuration; cmd/api and `rtgs dev`
// fill them.
type RunOptions struct {
	Pool     *pgxpool.Pool
	Redis    *redis.Client // nil: limits are kept in process
	Logger   *slog.Logger
	Registry *prometheus.Registry
	Listener net.Listener // nil: listen on cfg.Addr
	Schema   string       // River schema; empty uses the search path
}

// Run serves the API until ctx is done, then shuts down gracefully.
func Run(ctx context.Context, cfg config.API, o RunOptions) error {
	// Insert-only River client: it never works jobs, it only enqueues, reads
	// and controls them (and backs River UI).
	rc, err := river.NewClient(riverpgxv5.New(o.Pool), &river.Config{Logger: o.Logger, Schema: o.Schema})
	if err != nil {
		return fmt.Errorf("river client: %w", err)
	}
	authSvc := auth.NewService(store.NewAPIKeys(o.Pool), store.NewJWTRevocations(o.Pool), cfg.Auth, o.Logger)
	var limiter ratelimit.Limiter = ratelimit.NewLocal(cfg.RateLimitPerMinute)
	if o.Redis != nil {
		limiter = ratelimit.NewRedis(o.Redis, "rtgs:ratelimit:api:", cfg.RateLimitPerMinute, func(err error) {
			o.Logger.Warn("redis rate limiter unavailable; limiting in process", slog.Any("error", err))
		})
	}
	srv, err := New(Deps{Config: cfg, Pool: o.Pool, River: rc, Auth: authSvc, Limiter: limiter, Logger: o.Logger, Registry: o.Registry})
	if err != nil {
		return err
	}
	// The shipped workflows, registered by every process at start; one
	// that cannot reach the database now serves anyway (readyz says so)
	// and the next start or the workers register them.
	if err := engine.LoadLibrary(ctx, o.Pool, workflows.Library, srv.actions); err != nil {
		o.Logger.Warn("workflow library not registered", slog.Any("error", err))
	}
	ln := o.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
		}
	}
	o.Logger.Info("api listening", slog.String("addr", ln.Addr().String()))

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return authSvc.Run(gctx) })
	g.Go(func() error { return srv.Serve(gctx, ln) })
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
