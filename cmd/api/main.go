// Command api serves the platform's REST API, OpenAPI document and River UI.
// It validates, writes its own rows and enqueues jobs; workers do the rest.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/rtgs/sales-automation/api"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.LookupEnv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, lookup config.Lookup, out io.Writer) error {
	cfg, _, err := config.LoadAPI(lookup)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	logger := obs.NewLogger(out, cfg.LogLevel)
	logger.Info("api starting", slog.Any("config", cfg))

	pool, err := store.Open(ctx, cfg.DatabaseURL.Reveal(), cfg.MaxConns)
	if err != nil {
		return err
	}
	defer pool.Close()
	rdb, err := store.OpenRedis(cfg.RedisURL.Reveal())
	if err != nil {
		return err
	}
	if rdb != nil {
		defer rdb.Close()
	}
	return api.Run(ctx, cfg, api.RunOptions{Pool: pool, Redis: rdb, Logger: logger, Registry: obs.NewRegistry()})
}
