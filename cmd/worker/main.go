// Command worker runs River workers for the platform's queues (DESIGN.md
// section 1). Scale it by adding processes; configuration comes from the
// environment (see config.LoadWorker).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/internal/worker"
)

func main() {
	// SIGTERM is what Kubernetes and docker send before killing a pod; the
	// cancelled context starts the graceful shutdown in worker.Run.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, os.LookupEnv, os.Stdout); err != nil {
		if cfgErr, ok := errors.AsType[*configError](err); ok {
			fmt.Fprintf(os.Stderr, "worker: invalid configuration:\n%v\n", cfgErr.err)
			stop()
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "worker: %v\n", err)
		stop()
		os.Exit(1)
	}
}

// configError marks configuration problems, which exit with status 2 so an
// operator (or a crash-looping pod's events) can tell them from runtime
// failures.
type configError struct{ err error }

func (e *configError) Error() string { return "invalid configuration: " + e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// run reads the configuration, wires the worker and runs it until ctx is done.
func run(ctx context.Context, lookup config.Lookup, stdout io.Writer) error {
	cfg, _, err := config.LoadWorker(lookup)
	if err != nil {
		return &configError{err: err}
	}
	logger := obs.NewLogger(stdout, cfg.LogLevel).With(slog.String("process", "worker"))
	logger.InfoContext(ctx, "starting worker", slog.Any("config", cfg))

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
	return worker.Run(ctx, cfg, pool, logger, obs.NewRegistry(), worker.WithRedis(rdb))
}
