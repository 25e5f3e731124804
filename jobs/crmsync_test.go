package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/integrations/hubspot"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/crmsync"
	"github.com/rtgs/sales-automation/internal/dbtest"
)

// Simulator routes of a CRM sync.
const (
	routeCompanyUpsert = "hubspot POST /crm/v3/objects/companies/batch/upsert"
	routeContactUpsert = "hubspot POST /crm/v3/objects/contacts/batch/upsert"
	routeAssociate     = "hubspot POST /crm/v4/associations/{from}/{to}/batch/associate/default"
)

const hubspotToken = "pat-crm-test"

// crmBundle is one CRM sync test's world: its own transaction on a migrated
// schema, a HubSpot simulator with its limits lifted, a client for it, and
// an insert-only River client.
type crmBundle struct {
	tx     pgx.Tx
	schema string
	sim    *vendorsim.Sim
	srv    *httptest.Server
	hs     *hubspot.Client
	client *river.Client[pgx.Tx]
	now    time.Time
}

func setupCRM(t *testing.T) (*crmBundle, context.Context) {
	t.Helper()
	ctx := context.Background()
	tx, schema := schemaTx(t)
	knobs := vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {}, "search": {}}}
	sim := vendorsim.New(vendorsim.Options{Seed: 1, Knobs: map[string]vendorsim.Knobs{"hubspot": knobs}},
		vendorsim.NewHubSpot(hubspotToken))
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	client := insertClient(t, schema)
	b := &crmBundle{tx: tx, schema: schema, sim: sim, srv: srv, client: client,
		now: time.Now().UTC().Truncate(time.Microsecond)}
	b.hs = b.hubspotClient(t, hubspotToken)
	return b, ctx
}

func (b *crmBundle) hubspotClient(t *testing.T, token string) *hubspot.Client {
	t.Helper()
	hs, err := hubspot.NewClient(hubspot.Config{BaseURL: b.srv.URL + "/hubspot", Token: token,
		HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

// worker is a test worker syncing through hs on db at the bundle's clock
// (read at each run, so a test may move it).
func (b *crmBundle) worker(t *testing.T, hs *hubspot.Client, db txBeginner) *rivertest.Worker[CRMSyncContactsArgs, pgx.Tx] {
	t.Helper()
	w := &CRMSyncWorker{db: db, now: func() time.Time { return b.now }, logger: slog.New(slog.DiscardHandler)}
	if hs != nil {
		w.syncer = crmsync.NewSyncer(hs)
	}
	return rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema}, w)
}

// seed inserts n contacts, contact i at company i%companies (none when
// companies is 0), and returns their ids in order.
func (b *crmBundle) seed(t *testing.T, ctx context.Context, n, companies int) []uuid.UUID {
	t.Helper()
	if companies > 0 {
		if _, err := b.tx.Exec(ctx, `INSERT INTO companies (domain, name, industry, employee_count)
			SELECT 'co' || i || '.example', 'Company ' || i, 'Software', 10 * i FROM generate_series(0, $1 - 1) i`, companies); err != nil {
			t.Fatalf("seed companies: %v", err)
		}
	}
	rows, err := b.tx.Query(ctx, `INSERT INTO contacts (email, first_name, last_name, title, domain, country, company_id)
		SELECT 'person' || i || '@co' || (i % greatest($2, 1)) || '.example', 'First' || i, 'Last', 'CTO',
			'co' || (i % greatest($2, 1)) || '.example', 'DE',
			(SELECT id FROM companies WHERE domain = 'co' || (i % greatest($2, 1)) || '.example')
		FROM generate_series(0, $1 - 1) i ORDER BY i RETURNING id`, n, companies)
	if err != nil {
		t.Fatalf("seed contacts: %v", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		t.Fatalf("seed contacts: %v", err)
	}
	return ids
}

// request is RequestCRMSync in its own (nested) transaction, as one API
// request would make it.
func (b *crmBundle) request(t *testing.T, ctx context.Context, ids ...uuid.UUID) int {
	t.Helper()
	tx, err := b.tx.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := RequestCRMSync(ctx, tx, b.client, ids)
	if err != nil {
		t.Fatalf("RequestCRMSync: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitingJobs are the crm_sync_contacts jobs not yet worked.
func (b *crmBundle) waitingJobs(t *testing.T, ctx context.Context) []*rivertype.JobRow {
	t.Helper()
	rows, err := b.tx.Query(ctx, `SELECT id FROM river_job WHERE kind = $1 AND state IN ('available', 'scheduled') ORDER BY id`,
		KindCRMSyncContacts)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	jobs := make([]*rivertype.JobRow, len(ids))
	for i, id := range ids {
		if jobs[i], err = b.client.JobGetTx(ctx, b.tx, id); err != nil {
			t.Fatal(err)
		}
	}
	return jobs
}

// syncState is the sync columns of a contact.
type syncState struct {
	Status, Error string
	HubSpotID     *string
	SyncedAt      *time.Time
	RequestedAt   *time.Time
	Attempts      int
	NotBefore     *time.Time
}

func (b *crmBundle) state(t *testing.T, ctx context.Context, id uuid.UUID) syncState {
	t.Helper()
	var s syncState
	if err := b.tx.QueryRow(ctx, `SELECT sync_status, sync_error, hubspot_id, synced_at, sync_requested_at,
		sync_attempts, sync_not_before FROM contacts WHERE id = $1`, id).
		Scan(&s.Status, &s.Error, &s.HubSpotID, &s.SyncedAt, &s.RequestedAt, &s.Attempts, &s.NotBefore); err != nil {
		t.Fatalf("read contact %s: %v", id, err)
	}
	return s
}

func (b *crmBundle) count(t *testing.T, ctx context.Context, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := b.tx.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (b *crmBundle) calls(route string) int64 { return b.sim.Counters().Calls[route] }

func requireSynced(t *testing.T, id uuid.UUID, s syncState, at time.Time) {
	t.Helper()
	if s.Status != "synced" || s.Error != "" || s.HubSpotID == nil || s.SyncedAt == nil || !s.SyncedAt.Equal(at) ||
		s.RequestedAt != nil || s.Attempts != 0 || s.NotBefore != nil {
		t.Fatalf("contact %s = %+v, want synced at %s with its mark cleared", id, s, at)
	}
}

// A batch of 100 contacts at 10 companies takes one call per object type
// and one for the associations; every id comes back into the database.
func TestCRMSyncBatch(t *testing.T) {
	t.Parallel()
	b, ctx := setupCRM(t)
	ids := b.seed(t, ctx, 100, 10)
	if n := b.request(t, ctx, ids...); n != 100 {
		t.Fatalf("marked %d, want 100", n)
	}
	jobs := b.waitingJobs(t, ctx)
	if len(jobs) != 1 {
		t.Fatalf("%d jobs queued, want 1", len(jobs))
	}
	if !jobs[0].ScheduledAt.After(time.Now()) {
		t.Errorf("job scheduled at %s, want a moment ahead to coalesce", jobs[0].ScheduledAt)
	}

	res, err := b.worker(t, b.hs, b.tx).WorkJob(ctx, t, b.tx, jobs[0])
	if err != nil {
		t.Fatalf("Work: %v", err)
	}
	requireState(t, res, rivertype.JobStateCompleted)
	for route, want := range map[string]int64{routeCompanyUpsert: 1, routeContactUpsert: 1, routeAssociate: 1} {
		if got := b.calls(route); got != want {
			t.Errorf("%s calls = %d, want %d", route, got, want)
		}
	}
	hubspotIDs := make([]string, len(ids))
	for i, id := range ids {
		s := b.state(t, ctx, id)
		requireSynced(t, id, s, b.now)
		hubspotIDs[i] = *s.HubSpotID
	}
	if n := b.count(t, ctx, `SELECT count(*) FROM companies WHERE hubspot_id IS NOT NULL AND synced_at = $1 AND sync_error = ''`, b.now); n != 10 {
		t.Errorf("companies synced = %d, want 10", n)
	}
	if jobs := b.waitingJobs(t, ctx); len(jobs) != 0 {
		t.Errorf("%d jobs queued after the last batch, want 0", len(jobs))
	}

	// HubSpot holds each contact associated with its own company.
	assoc, err := b.hs.Associations.BatchRead(ctx, hubspot.ObjectContacts, hubspot.ObjectCompanies, hubspotIDs)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range assoc.Results {
		if len(a.To) == 1 {
			got[a.From.ID] = a.To[0].ToObjectID
		}
	}
	rows, err := b.tx.Query(ctx, `SELECT c.hubspot_id, co.hubspot_id FROM contacts c JOIN companies co ON co.id = c.company_id`)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Contact, Company string }])
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if got[w.Contact] != w.Company {
			t.Errorf("HubSpot contact %s associated with %q, want company %s", w.Contact, got[w.Contact], w.Company)
		}
	}
}

// A 207 refusing some contacts (addresses HubSpot finds invalid) fails those
// alone; the retry after their backoff sends only them, until MaxAttempts
// clears their marks.
func TestCRMSyncPartialFailure(t *testing.T) {
	t.Parallel()
	b, ctx := setupCRM(t)
	ids := b.seed(t, ctx, 20, 2)
	bad := ids[:3]
	// Stored before today's validation: HubSpot wants a dot in the domain.
	for i, id := range bad {
		if _, err := b.tx.Exec(ctx, `UPDATE contacts SET email = $2 WHERE id = $1`, id, fmt.Sprintf("legacy%d@localhost", i)); err != nil {
			t.Fatal(err)
		}
	}
	b.request(t, ctx, ids...)
	tw := b.worker(t, b.hs, b.tx)
	first := b.now
	res, err := tw.WorkJob(ctx, t, b.tx, b.waitingJobs(t, ctx)[0])
	if err != nil {
		t.Fatalf("Work: %v", err)
	}
	requireState(t, res, rivertype.JobStateCompleted)
	for _, id := range ids[3:] {
		requireSynced(t, id, b.state(t, ctx, id), first)
	}
	for _, id := range bad {
		s := b.state(t, ctx, id)
		if s.Status != "failed" || !strings.Contains(s.Error, "VALIDATION_ERROR") || s.Attempts != 1 ||
			s.RequestedAt == nil || s.NotBefore == nil || !s.NotBefore.Equal(first.Add(crmsync.FirstBackoff)) {
			t.Fatalf("refused contact = %+v, want failed, 1 attempt, marked, retried after %s", s, crmsync.FirstBackoff)
		}
	}
	if jobs := b.waitingJobs(t, ctx); len(jobs) != 0 {
		t.Fatalf("%d jobs queued while the failures back off, want 0", len(jobs))
	}
	// A run before the backoff has passed leaves them alone.
	b.now = first.Add(crmsync.FirstBackoff - time.Second)
	if res, err := tw.Work(ctx, t, b.tx, CRMSyncContactsArgs{}, nil); err != nil || res.Job.State != rivertype.JobStateCompleted {
		t.Fatalf("early run: %v", err)
	}
	if got := b.calls(routeContactUpsert); got != 1 {
		t.Fatalf("contact upserts = %d after a run inside the backoff, want still 1", got)
	}

	// Each retry, once its backoff has passed, sends the three alone.
	for attempt := 2; attempt <= crmsync.MaxAttempts; attempt++ {
		b.now = *b.state(t, ctx, bad[0]).NotBefore
		b.sweep(t, ctx)
		jobs := b.waitingJobs(t, ctx)
		if len(jobs) != 1 {
			t.Fatalf("attempt %d: sweep queued %d jobs, want 1", attempt, len(jobs))
		}
		if _, err := tw.WorkJob(ctx, t, b.tx, jobs[0]); err != nil {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
		if got := b.calls(routeContactUpsert); got != int64(attempt) {
			t.Fatalf("attempt %d: contact upserts = %d", attempt, got)
		}
		if n := b.count(t, ctx, `SELECT count(*) FROM contacts WHERE sync_attempts = $1 AND sync_status = 'failed'`, attempt); n != 3 {
			t.Fatalf("attempt %d: %d contacts failed %d times, want the 3", attempt, n, attempt)
		}
	}
	for _, id := range bad {
		if s := b.state(t, ctx, id); s.Status != "failed" || s.RequestedAt != nil || s.NotBefore != nil {
			t.Errorf("after %d attempts contact = %+v, want failed with its mark cleared", crmsync.MaxAttempts, s)
		}
	}
	for _, id := range ids[3:] {
		requireSynced(t, id, b.state(t, ctx, id), first) // never sent again
	}
	b.now = b.now.Add(crmsync.MaxBackoff)
	b.sweep(t, ctx)
	if jobs := b.waitingJobs(t, ctx); len(jobs) != 0 {
		t.Errorf("sweep queued %d jobs with no marks left, want 0", len(jobs))
	}
}

// sweep runs the periodic sweep once at the bundle's clock.
func (b *crmBundle) sweep(t *testing.T, ctx context.Context) {
	t.Helper()
	w := &CRMSyncSweepWorker{db: b.tx, configured: true, now: func() time.Time { return b.now }}
	tw := rivertest.NewWorker(t, riverpgxv5.New(nil), &river.Config{Schema: b.schema}, w)
	// Unique per period: each sweep of a test is its own period.
	res, err := tw.Work(ctx, t, b.tx, CRMSyncSweepArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Nanosecond}})
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	requireState(t, res, rivertype.JobStateCompleted)
}

// 250 separate requests coalesce into one queued job, whose run chains the
// next: three batches of 100, 100 and 50, three contact upsert calls.
func TestCRMSyncCoalesces(t *testing.T) {
	t.Parallel()
	b, ctx := setupCRM(t)
	ids := b.seed(t, ctx, 250, 0)
	for _, id := range ids {
		if n := b.request(t, ctx, id); n != 1 {
			t.Fatalf("marked %d, want 1", n)
		}
	}
	tw := b.worker(t, b.hs, b.tx)
	start := b.now
	runs := 0
	for jobs := b.waitingJobs(t, ctx); len(jobs) > 0; jobs = b.waitingJobs(t, ctx) {
		if len(jobs) != 1 {
			t.Fatalf("%d jobs queued at once, want 1", len(jobs))
		}
		if runs++; runs > 5 {
			t.Fatal("more than 5 runs for 250 contacts")
		}
		if runs > 1 && jobs[0].State != rivertype.JobStateAvailable {
			t.Errorf("run %d: job queued after a full batch is %s, want available at once", runs, jobs[0].State)
		}
		b.now = start.Add(time.Duration(runs) * time.Second)
		res, err := tw.WorkJob(ctx, t, b.tx, jobs[0])
		if err != nil {
			t.Fatalf("run %d: %v", runs, err)
		}
		requireState(t, res, rivertype.JobStateCompleted)
	}
	if got := b.calls(routeContactUpsert); got != 3 || runs != 3 {
		t.Fatalf("contact upserts = %d in %d runs, want 3 in 3", got, runs)
	}
	rows, err := b.tx.Query(ctx, `SELECT count(*) FROM contacts WHERE sync_status = 'synced' GROUP BY synced_at ORDER BY synced_at`)
	if err != nil {
		t.Fatal(err)
	}
	sizes, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sizes) != "[100 100 50]" {
		t.Errorf("batch sizes %v, want [100 100 50]", sizes)
	}
}

// A commit that fails after HubSpot answered records nothing; the retried
// job upserts the same contacts again and records them.
func TestCRMSyncFailedCommit(t *testing.T) {
	t.Parallel()
	b, ctx := setupCRM(t)
	ids := b.seed(t, ctx, 5, 1)
	b.request(t, ctx, ids...)
	job := b.waitingJobs(t, ctx)[0]

	res, err := b.worker(t, b.hs, failingCommit{b.tx}).WorkJob(ctx, t, b.tx, job)
	if !errors.Is(err, errCommit) {
		t.Fatalf("Work error = %v, want %v", err, errCommit)
	}
	if s := res.Job.State; s != rivertype.JobStateRetryable && s != rivertype.JobStateAvailable {
		t.Fatalf("job state = %s, want retryable or available", s)
	}
	for _, id := range ids {
		if s := b.state(t, ctx, id); s.Status != "pending" || s.HubSpotID != nil || s.RequestedAt == nil || s.Attempts != 0 {
			t.Fatalf("after a failed commit contact = %+v, want untouched and still marked", s)
		}
	}
	if n := b.count(t, ctx, `SELECT count(*) FROM companies WHERE hubspot_id IS NOT NULL`); n != 0 {
		t.Fatalf("%d companies recorded after a failed commit", n)
	}

	res, err = b.worker(t, b.hs, b.tx).WorkJob(ctx, t, b.tx, res.Job)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	requireState(t, res, rivertype.JobStateCompleted)
	emails := make([]string, len(ids))
	for i, id := range ids {
		requireSynced(t, id, b.state(t, ctx, id), b.now)
		emails[i] = fmt.Sprintf("person%d@co0.example", i)
	}
	read, err := b.hs.ContactsByEmail(ctx, emails)
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Results) != len(ids) || len(read.Errors) != 0 {
		t.Errorf("HubSpot holds %d of the contacts (errors %v), want each once", len(read.Results), read.Errors)
	}
}

// HubSpot refusing a batch call whole (here: a revoked token) fails every
// contact of the batch with the reason and cancels the job; a vendor
// outage records nothing and leaves the job to retry.
func TestCRMSyncVendorErrors(t *testing.T) {
	t.Parallel()

	t.Run("refused batch", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupCRM(t)
		ids := b.seed(t, ctx, 4, 1)
		b.request(t, ctx, ids...)
		res, err := b.worker(t, b.hubspotClient(t, "pat-revoked"), b.tx).WorkJob(ctx, t, b.tx, b.waitingJobs(t, ctx)[0])
		if err != nil {
			t.Fatalf("Work: %v", err)
		}
		requireState(t, res, rivertype.JobStateCancelled)
		for _, id := range ids {
			s := b.state(t, ctx, id)
			if s.Status != "failed" || !strings.Contains(s.Error, "401") || s.Attempts != 1 || s.RequestedAt == nil {
				t.Errorf("contact = %+v, want failed with the 401, 1 attempt, still marked", s)
			}
		}
	})

	t.Run("outage", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupCRM(t)
		ids := b.seed(t, ctx, 4, 1)
		b.request(t, ctx, ids...)
		b.sim.SetKnobs("hubspot", vendorsim.Knobs{Outage: true})
		res, err := b.worker(t, b.hs, b.tx).WorkJob(ctx, t, b.tx, b.waitingJobs(t, ctx)[0])
		if err == nil {
			t.Fatal("Work succeeded during an outage")
		}
		if s := res.Job.State; s != rivertype.JobStateRetryable && s != rivertype.JobStateAvailable {
			t.Errorf("job state = %s, want retryable", s)
		}
		for _, id := range ids {
			if s := b.state(t, ctx, id); s.Status != "pending" || s.Attempts != 0 || s.RequestedAt == nil {
				t.Errorf("contact = %+v, want untouched and still marked", s)
			}
		}
	})

	t.Run("no hubspot account", func(t *testing.T) {
		t.Parallel()
		b, ctx := setupCRM(t)
		b.request(t, ctx, b.seed(t, ctx, 1, 0)...)
		res, err := b.worker(t, nil, b.tx).WorkJob(ctx, t, b.tx, b.waitingJobs(t, ctx)[0])
		if err != nil {
			t.Fatalf("Work: %v", err)
		}
		requireState(t, res, rivertype.JobStateCancelled)
	})
}

// A repeated request keeps the contact's place, resets its attempts and
// backoff, and queues no second job while one waits.
func TestRequestCRMSync(t *testing.T) {
	t.Parallel()
	b, ctx := setupCRM(t)
	ids := b.seed(t, ctx, 2, 0)
	if _, err := b.tx.Exec(ctx, `UPDATE contacts SET sync_requested_at = now() - interval '1 hour',
		sync_attempts = 3, sync_not_before = now() + interval '1 hour' WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	before := b.state(t, ctx, ids[0]).RequestedAt
	if n := b.request(t, ctx, append(ids, uuid.New())...); n != 2 {
		t.Fatalf("marked %d, want 2 (the unknown id skipped)", n)
	}
	b.request(t, ctx, ids[1])
	s := b.state(t, ctx, ids[0])
	if !s.RequestedAt.Equal(*before) || s.Attempts != 0 || s.NotBefore != nil {
		t.Errorf("re-requested contact = %+v, want its place kept (%s), attempts and backoff reset", s, before)
	}
	if jobs := b.waitingJobs(t, ctx); len(jobs) != 1 {
		t.Errorf("%d jobs queued, want 1", len(jobs))
	}
	if n := b.request(t, ctx); n != 0 {
		t.Errorf("empty request marked %d", n)
	}
}

// End to end on a running River client: 250 separate requests, then the
// queue started; River schedules the coalesced job and the chain of batches
// it queues, and three contact upserts sync all 250.
func TestCRMSyncEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	b := &crmBundle{}
	knobs := vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {}, "search": {}}}
	b.sim = vendorsim.New(vendorsim.Options{Knobs: map[string]vendorsim.Knobs{"hubspot": knobs}}, vendorsim.NewHubSpot(hubspotToken))
	b.srv = httptest.NewServer(b.sim.Handler())
	t.Cleanup(b.srv.Close)

	workers := river.NewWorkers()
	river.AddWorker(workers, &CRMSyncWorker{db: pool, syncer: crmsync.NewSyncer(b.hubspotClient(t, hubspotToken)),
		now: time.Now, logger: slog.New(slog.DiscardHandler)})
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema: dbtest.Schema(pool), Queues: map[string]river.QueueConfig{QueueCRM: {MaxWorkers: 2}},
		Workers: workers, FetchPollInterval: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `INSERT INTO contacts (email) SELECT 'e2e' || i || '@acme.example'
		FROM generate_series(1, 250) i RETURNING id`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := RequestCRMSync(ctx, tx, client, []uuid.UUID{id})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}

	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	defer cancel()
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Stop(context.Background()) })
	deadline := time.After(time.Minute)
	for synced := 0; synced < len(ids); {
		select {
		case ev := <-events:
			if ev.Kind != river.EventKindJobCompleted {
				t.Fatalf("job %s: %v", ev.Kind, ev.Job.Errors)
			}
		case <-deadline:
			t.Fatalf("%d of %d contacts synced within a minute", synced, len(ids))
		}
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM contacts WHERE sync_status = 'synced' AND sync_requested_at IS NULL`).Scan(&synced); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.calls(routeContactUpsert); got != 3 {
		t.Errorf("contact upserts = %d for 250 requests, want 3", got)
	}
}
