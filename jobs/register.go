// Package jobs holds the platform's River job args and workers, one file per
// kind, the queue names, and Register, which puts every worker into a River
// Workers bundle. Workers are thin: load, call a domain or store function,
// store, complete.
package jobs

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/vendors"
)

// Deps is what the workers need. Every field is shared by all workers and
// safe for concurrent use.
type Deps struct {
	// Pool is the database pool of app tables and River (required).
	Pool *pgxpool.Pool
	// Logger is the fallback for workers that run outside the worker
	// middleware (which puts a job-scoped logger into ctx). Nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. Tests stub it.
	Now func() time.Time
	// Vendors are the vendor clients; nil in processes without vendor work.
	Vendors *vendors.Set
	// Redis caches company enrichment; nil runs without the cache.
	Redis *redis.Client
	// Registerer receives the workers' metrics; nil registers none.
	Registerer prometheus.Registerer
	// Enrichment configures the enrichment waterfall; zero uses the
	// defaults of config.DefaultEnrichment.
	Enrichment config.Enrichment
	// Hasher matches imported rows against the suppression list; set it
	// from the SUPPRESSION_HASH_KEY of the config.
	Hasher contacts.Hasher
	// WebhookHosts are the hosts the http_webhook workflow action may
	// call (WORKFLOW_WEBHOOK_HOSTS); empty registers no such action.
	WebhookHosts []string
	// AIProvider is the AI vendor of chat replies and personalisation
	// (AI_PROVIDER: anthropic or gemini); empty or unconfigured falls back
	// to the one configured.
	AIProvider string
}

// Register adds a worker for every job kind to workers. Every process that
// may become River's leader must register every kind: the leader enqueues
// periodic jobs and rescues stuck ones of all kinds, and a process that could
// fetch a kind it does not know would fail it.
func Register(workers *river.Workers, deps Deps) error {
	if workers == nil {
		return errors.New("register jobs: nil workers bundle")
	}
	if deps.Pool == nil {
		return errors.New("register jobs: nil database pool")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}

	if err := river.AddWorkerSafely(workers, &MaintenanceWorker{db: deps.Pool, now: deps.Now, logger: deps.Logger}); err != nil {
		return fmt.Errorf("register %s: %w", KindMaintenanceCleanup, err)
	}
	if err := river.AddWorkerSafely(workers, &VendorProbeWorker{vendors: deps.Vendors}); err != nil {
		return fmt.Errorf("register %s: %w", KindVendorProbe, err)
	}
	if err := registerEnrichment(workers, deps); err != nil {
		return err
	}
	if err := registerImport(workers, deps); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(workers, &ScoreContactWorker{db: deps.Pool, now: deps.Now, logger: deps.Logger}); err != nil {
		return fmt.Errorf("register %s: %w", KindScoreContact, err)
	}
	if err := registerCRMSync(workers, deps); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(workers, newAIChatReplyWorker(deps)); err != nil {
		return fmt.Errorf("register %s: %w", KindAIChatReply, err)
	}
	if err := river.AddWorkerSafely(workers, newAIPersonalizeWorker(deps)); err != nil {
		return fmt.Errorf("register %s: %w", KindAIPersonalize, err)
	}
	if err := registerOutreach(workers, deps); err != nil {
		return err
	}
	if err := registerVendorErase(workers, deps); err != nil {
		return err
	}
	e, err := workflowEngine(deps)
	if err != nil {
		return err
	}
	if err := registerOutreachEvents(workers, deps, e); err != nil {
		return err
	}
	return river.AddWorkerSafely(workers, NewWorkflowStepWorker(e))
}

// PeriodicJobs returns the jobs River's elected leader enqueues on a
// schedule, so N workers never double-schedule. Cleanup runs every
// maintenanceInterval and once at start, unique per interval, so restarts
// within one interval do not repeat it.
func PeriodicJobs(maintenanceInterval time.Duration) []*river.PeriodicJob {
	// River refuses unique periods under a second.
	period := max(maintenanceInterval, time.Second)
	return []*river.PeriodicJob{
		river.NewPeriodicJob(
			river.PeriodicInterval(maintenanceInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				return MaintenanceArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: period}}
			},
			&river.PeriodicJobOpts{ID: KindMaintenanceCleanup, RunOnStart: true},
		),
		crmSyncSweepJob(),
	}
}
