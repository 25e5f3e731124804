package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/rtgs/sales-automation/api"
	"github.com/rtgs/sales-automation/integrations/lemlist"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/devdb"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/internal/worker"
	"github.com/rtgs/sales-automation/migrations"
)

// runDev is the one-command local run: it finds or starts Postgres, creates
// the database, migrates, and runs api and worker in this process until
// Ctrl-C.
func runDev(ctx context.Context, args []string, lookup config.Lookup, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: dev takes no arguments", errUsage)
	}
	cfg, _, err := config.LoadDev(lookup)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	logger := obs.NewLogger(stdout, cfg.API.LogLevel)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}

	_, urlGiven := lookup("DATABASE_URL")
	pg, err := devdb.Ensure(ctx, cfg.API.DatabaseURL.Reveal(), cfg.DataDir, !urlGiven, logger)
	if err != nil {
		return err
	}
	defer pg.Stop()
	cfg.API.DatabaseURL, cfg.Worker.DatabaseURL = config.Secret(pg.URL), config.Secret(pg.URL)
	if cfg.API.Auth.JWTSecret == "" {
		// Persisted so browser sessions survive a restart of `rtgs dev`.
		secret, err := readOrCreate(filepath.Join(cfg.DataDir, "jwt-secret"), func() (string, error) { return randomSecret(), nil })
		if err != nil {
			return err
		}
		cfg.API.Auth.JWTSecret = config.Secret(secret)
	}

	pool, err := store.Open(ctx, pg.URL, cfg.API.MaxConns)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := migrate(ctx, pool, logger); err != nil {
		return err
	}
	adminKey, err := bootstrapKey(ctx, cfg, pool)
	if err != nil {
		return err
	}
	rdb, err := store.OpenRedis(cfg.API.RedisURL.Reveal())
	if err != nil {
		return err
	}
	if rdb != nil {
		defer rdb.Close()
	}

	apiLn, err := net.Listen("tcp", cfg.API.Addr)
	if err != nil {
		return fmt.Errorf("listen on API_ADDR %s: %w", cfg.API.Addr, err)
	}
	workerLn, err := net.Listen("tcp", cfg.Worker.Addr)
	if err != nil {
		apiLn.Close()
		return fmt.Errorf("listen on WORKER_ADDR %s: %w", cfg.Worker.Addr, err)
	}
	// Without vendor keys every vendor is the simulator, served here too.
	var sim *vendorsim.Sim
	var simLn net.Listener
	if !cfg.Worker.Vendors.Any() && cfg.Worker.Vendors.SimulatorURL == "" {
		if simLn, err = net.Listen("tcp", cfg.SimAddr); err != nil {
			apiLn.Close()
			workerLn.Close()
			return fmt.Errorf("listen on VENDORSIM_ADDR %s: %w", cfg.SimAddr, err)
		}
		sim = vendorsim.Default(vendorsim.Options{})
		cfg.Worker.Vendors.SimulatorURL = "http://" + simLn.Addr().String()
		if cfg.API.LemlistWebhookSecret == "" {
			cfg.API.LemlistWebhookSecret = config.Secret(randomSecret())
		}
	}
	printBanner(stderr, apiLn.Addr(), workerLn.Addr(), config.MaskURL(pg.URL), adminKey, filepath.Join(cfg.DataDir, "admin-key"))
	if sim != nil {
		fmt.Fprintf(stderr, "  No vendor keys are set: every vendor is the simulator at %s\n  (counters: %[1]s/_admin/counters)\n", cfg.Worker.Vendors.SimulatorURL)
		fmt.Fprintf(stderr, "  Campaign events: POST %s/_admin/lemlist/activities {\"campaign_id\", \"email\", \"type\": \"emailsReplied\"}\n"+
			"  plays a lead's event; lemlist's webhook brings it to the API\n\n", cfg.Worker.Vendors.SimulatorURL)
	}

	reg := obs.NewRegistry() // one process, one registry: api and worker metrics together
	g, gctx := errgroup.WithContext(ctx)
	if sim != nil {
		g.Go(func() error { return sim.Serve(gctx, simLn) })
		if err := devWebhook(gctx, cfg, apiLn.Addr()); err != nil {
			return err
		}
	}
	g.Go(func() error {
		return api.Run(gctx, cfg.API, api.RunOptions{Pool: pool, Redis: rdb, Logger: logger, Registry: reg, Listener: apiLn})
	})
	g.Go(func() error {
		return worker.Run(gctx, cfg.Worker, pool, logger, reg, worker.WithListener(workerLn), worker.WithRedis(rdb))
	})
	err = g.Wait()
	fmt.Fprintln(stderr, "rtgs dev: stopped")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) error {
	m, err := migrations.New(pool, logger)
	if err != nil {
		return err
	}
	defer m.Close()
	applied, err := m.Up(ctx)
	if err != nil {
		return err
	}
	logger.Info("migrations applied", slog.Int("count", len(applied)))
	return nil
}

// bootstrapKey returns the admin key kept in the data directory, creating a
// new one when there is none or it no longer works.
func bootstrapKey(ctx context.Context, cfg config.Dev, pool *pgxpool.Pool) (string, error) {
	svc := auth.NewService(store.NewAPIKeys(pool), store.NewJWTRevocations(pool), cfg.API.Auth, obs.NewLogger(io.Discard, slog.LevelError))
	path := filepath.Join(cfg.DataDir, "admin-key")
	if raw, err := os.ReadFile(path); err == nil {
		key := strings.TrimSpace(string(raw))
		if _, err := svc.AuthenticateKey(ctx, key); err == nil {
			return key, nil
		}
	}
	created, err := svc.CreateKey(ctx, auth.CreateKeyParams{Name: "bootstrap admin (rtgs dev)", Scopes: []auth.Scope{auth.Admin}})
	if err != nil {
		return "", fmt.Errorf("create bootstrap admin key: %w", err)
	}
	if err := os.WriteFile(path, []byte(created.Secret+"\n"), 0o600); err != nil {
		return "", err
	}
	return created.Secret, nil
}

func readOrCreate(path string, make func() (string, error)) (string, error) {
	if raw, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(raw))) > 0 {
		return strings.TrimSpace(string(raw)), nil
	}
	v, err := make()
	if err != nil {
		return "", err
	}
	return v, os.WriteFile(path, []byte(v+"\n"), 0o600)
}

func randomSecret() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func printBanner(w io.Writer, apiAddr, workerAddr net.Addr, dbURL, adminKey, keyPath string) {
	base := "http://" + localhost(apiAddr)
	fmt.Fprintf(w, `
RTGS Sales Automation is running (Ctrl-C stops everything)

  API          %[1]s/api/v1
  Docs         %[1]s/docs/
  OpenAPI      %[1]s/openapi.json
  River UI     %[1]s/riverui/   (sign in with the admin key)
  Metrics      %[1]s/metrics  and  http://%[2]s/metrics (worker)
  Database     %[3]s

  Admin key    %[4]s
               (kept in %[5]s and reused by the next run)

  Try:  curl -H "Authorization: Bearer %[4]s" %[1]s/api/v1/jobs

`, base, localhost(workerAddr), dbURL, adminKey, keyPath)
}

func localhost(a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	return "localhost:" + port
}

// devWebhook registers the API's lemlist webhook with the simulator, with
// the run's secret, so events played on the simulator reach the platform
// as lemlist's would.
func devWebhook(ctx context.Context, cfg config.Dev, api net.Addr) error {
	client, err := lemlist.NewClient(lemlist.Config{BaseURL: cfg.Worker.Vendors.SimulatorURL + "/lemlist", APIKey: vendorsim.DevKey})
	if err != nil {
		return err
	}
	_, err = client.CreateHook(ctx, lemlist.CreateHookRequest{
		TargetURL: "http://" + api.String() + "/api/v1/webhooks/lemlist/dev",
		Secret:    cfg.API.LemlistWebhookSecret.Reveal(),
	})
	if err != nil {
		return fmt.Errorf("register the lemlist webhook with the simulator: %w", err)
	}
	return nil
}
