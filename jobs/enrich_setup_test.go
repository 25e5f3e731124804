package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/enrichment"
	"github.com/rtgs/sales-automation/internal/vendors"
)

// enrichBundle is one enrichment test's world: its own transaction on a
// migrated schema, a simulator of Explorium and Apollo, the vendor clients
// pointed at it, and a Redis key space.
type enrichBundle struct {
	tx        pgx.Tx
	schema    string
	sim       *vendorsim.Sim
	explorium *vendorsim.Explorium
	set       *vendors.Set
	rdb       *redis.Client
	prefix    string
	now       time.Time
	cfg       config.Enrichment
	client    *river.Client[pgx.Tx]
}

func setupEnrich(t *testing.T) (*enrichBundle, context.Context) {
	t.Helper()
	ctx := context.Background()
	tx, schema := schemaTx(t)
	expl := vendorsim.NewExplorium(vendorsim.DevKey)
	sim := vendorsim.New(vendorsim.Options{}, expl, vendorsim.NewApollo(vendorsim.DevKey))
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	rdb, prefix := dbtest.Redis(t)
	client := insertClient(t, schema)
	cfg := config.DefaultEnrichment()
	cfg.RedisPrefix = prefix
	return &enrichBundle{
		tx: tx, schema: schema, sim: sim, explorium: expl,
		set: simVendors(t, srv.URL, nil), rdb: rdb, prefix: prefix,
		now: time.Now().UTC(), cfg: cfg, client: client,
	}, ctx
}

// simVendors builds the vendor clients on the simulator at url, with env
// added to the configuration (rate limits raised, for example).
func simVendors(t testing.TB, url string, env map[string]string) *vendors.Set {
	t.Helper()
	cfg, _, err := config.LoadWorker(func(k string) (string, bool) {
		if k == "VENDORSIM_URL" {
			return url, true
		}
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	set, err := vendors.New(cfg.Vendors, vendors.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// service is the enrichment Service of the bundle's transaction, with set
// as its vendors.
func (b *enrichBundle) service(t *testing.T, set *vendors.Set) *enrichment.Service {
	t.Helper()
	svc, err := enrichment.New(b.cfg, enrichment.Deps{
		DB: b.tx, Vendors: set, Redis: b.rdb,
		Now:   func() time.Time { return b.now },
		Peers: enrichment.Peers{Queue: QueueEnrichment, ContactKind: KindEnrichContact, CompanyKind: KindEnrichCompany},
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (b *enrichBundle) contactWorker(t *testing.T, svc *enrichment.Service, db txBeginner) *rivertest.Worker[EnrichContactArgs, pgx.Tx] {
	t.Helper()
	w := &EnrichContactWorker{db: db, enricher: svc, logger: slog.New(slog.DiscardHandler)}
	return rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema}, w)
}

func (b *enrichBundle) companyWorker(t *testing.T, svc *enrichment.Service, db txBeginner) *rivertest.Worker[EnrichCompanyArgs, pgx.Tx] {
	t.Helper()
	w := &EnrichCompanyWorker{db: db, enricher: svc, logger: slog.New(slog.DiscardHandler)}
	return rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema}, w)
}

func (b *enrichBundle) exec(t *testing.T, ctx context.Context, sql string, args ...any) {
	t.Helper()
	if _, err := b.tx.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (b *enrichBundle) insertCompany(t *testing.T, ctx context.Context, domain string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := b.tx.QueryRow(ctx, `INSERT INTO companies (domain) VALUES ($1) RETURNING id`, domain).Scan(&id); err != nil {
		t.Fatalf("insert company: %v", err)
	}
	return id
}

func (b *enrichBundle) insertContact(t *testing.T, ctx context.Context, email string, company *uuid.UUID) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := b.tx.QueryRow(ctx, `INSERT INTO contacts (email, company_id) VALUES ($1, $2) RETURNING id`,
		email, company).Scan(&id); err != nil {
		t.Fatalf("insert contact: %v", err)
	}
	return id
}

// enrichState is the enrichment columns of a contact or company.
type enrichState struct {
	Status, Source, Error string
	EnrichedAt            *time.Time
	ClaimedBy             *int64
	Vendors               []string // keys of the enrichment payload
}

func (b *enrichBundle) state(t *testing.T, ctx context.Context, table string, id uuid.UUID) enrichState {
	t.Helper()
	var s enrichState
	err := b.tx.QueryRow(ctx, `SELECT enrichment_status, enrichment_source, enrichment_error, enriched_at,
		enrichment_claimed_by, ARRAY(SELECT jsonb_object_keys(enrichment)) FROM `+table+` WHERE id = $1`, id).
		Scan(&s.Status, &s.Source, &s.Error, &s.EnrichedAt, &s.ClaimedBy, &s.Vendors)
	if err != nil {
		t.Fatalf("read %s %s: %v", table, id, err)
	}
	return s
}

// calls is how often the simulator served route ("explorium POST /v1/…").
func (b *enrichBundle) calls(route string) int64 { return b.sim.Counters().Calls[route] }

// queued counts the jobs of kind inserted in the bundle's transaction with
// args matching argsJSON.
func (b *enrichBundle) queued(t *testing.T, ctx context.Context, kind, argsJSON string) int {
	t.Helper()
	var n int
	if err := b.tx.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND args @> $2::jsonb`,
		kind, argsJSON).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Simulator routes the enrichment calls.
const (
	routeProspectMatch  = "explorium POST /v1/prospects/match"
	routeProfiles       = "explorium POST /v1/prospects/profiles/bulk_enrich"
	routeBusinessMatch  = "explorium POST /v1/businesses/match"
	routeFirmographics  = "explorium POST /v1/businesses/firmographics/bulk_enrich"
	routeApolloPeople   = "apollo POST /api/v1/people/bulk_match"
	routeApolloCompanys = "apollo POST /api/v1/organizations/bulk_enrich"
)

// matchingEmail returns an address the simulated vendors know (none of the
// one in five they never find), so a test does not depend on the hash.
func matchingEmail(i int, domain string) string {
	for ; ; i++ {
		e := fmt.Sprintf("person%d@%s", i, domain)
		if !vendorsim.NoMatch("email:" + e) {
			return e
		}
	}
}

// requireState checks a job's final state.
func requireState(t *testing.T, res *rivertest.WorkResult, want rivertype.JobState) {
	t.Helper()
	if res.Job.State != want {
		t.Fatalf("job state = %s, want %s (errors %v)", res.Job.State, want, res.Job.Errors)
	}
}
