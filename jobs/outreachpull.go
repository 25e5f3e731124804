package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/integrations/lemlist"
	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
)

// KindOutreachPullActivities backfills campaign events from lemlist's
// activities API.
const KindOutreachPullActivities = "outreach_pull_activities"

// Bounds of one pull.
const (
	// lemlistActivitiesFeed names the pull's cursor in vendor_cursors.
	lemlistActivitiesFeed = "lemlist_activities"
	// pullOverlap is how far before its cursor a pull starts again, for
	// activities lemlist records late with an earlier date; idempotency on
	// the activity id makes the overlap free of duplicates.
	pullOverlap = 10 * time.Minute
	// pullFirstLookback is how far back the very first pull reads.
	pullFirstLookback = 7 * 24 * time.Hour
	// pullTimeout bounds one pull: at lemlist's 20 requests per 2 s it
	// reads some 50,000 activities.
	pullTimeout = 10 * time.Minute
)

// DefaultOutreachPullInterval is how often the pull runs when the config
// says nothing.
const DefaultOutreachPullInterval = 5 * time.Minute

// OutreachPullActivitiesArgs has no fields: one pull covers every campaign.
type OutreachPullActivitiesArgs struct{}

// Kind is "outreach_pull_activities".
func (OutreachPullActivitiesArgs) Kind() string { return KindOutreachPullActivities }

// InsertOpts puts the pull on the outreach queue (lemlist's limits), unique
// while one is waiting or running, so any number of workers and leaders
// never run two at once.
func (OutreachPullActivitiesArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOutreach, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

// activityLister is the part of the lemlist client the pull uses.
type activityLister interface {
	Activities(ctx context.Context, opts lemlist.ListActivitiesOptions) iter.Seq2[lemlist.Activity, error]
}

// OutreachPullActivitiesWorker works OutreachPullActivitiesArgs: it pages
// through lemlist's activities since its cursor (less pullOverlap) and
// ingests them like webhook deliveries (IngestCampaignEvents), a page per
// transaction, so webhooks missed are caught up and those received are not
// stored twice. The cursor moves to the newest activity seen once every
// page is read (lemlist lists newest first, so a partial pass proves
// nothing about older ones), in the transaction completing the job.
// Without a lemlist account it completes with nothing done.
type OutreachPullActivitiesWorker struct {
	river.WorkerDefaults[OutreachPullActivitiesArgs]

	db     txBeginner
	client activityLister // nil without a lemlist account
	now    func() time.Time
	logger *slog.Logger
}

// Timeout bounds one pull.
func (w *OutreachPullActivitiesWorker) Timeout(*river.Job[OutreachPullActivitiesArgs]) time.Duration {
	return pullTimeout
}

// Work pulls; see the type's comment.
func (w *OutreachPullActivitiesWorker) Work(ctx context.Context, job *river.Job[OutreachPullActivitiesArgs]) error {
	if w.client == nil {
		return nil
	}
	ins := river.ClientFromContext[pgx.Tx](ctx)
	cursor, ok, err := w.cursor(ctx)
	if err != nil {
		return err
	}
	from := w.now().Add(-pullFirstLookback)
	if ok {
		from = cursor.Add(-pullOverlap)
	}
	var newest time.Time
	var seen, added int
	page := make([]store.NewCampaignEvent, 0, lemlist.MaxActivitiesLimit)
	flush := func() error {
		n, err := w.ingest(ctx, ins, page)
		added += n
		page = page[:0]
		return err
	}
	for a, err := range w.client.Activities(ctx, lemlist.ListActivitiesOptions{MinDate: from}) {
		if err != nil {
			return VendorOutcome(fmt.Errorf("list lemlist activities: %w", err))
		}
		ev, ok := activityEvent(a)
		if !ok {
			continue
		}
		seen++
		if ev.OccurredAt.After(newest) {
			newest = ev.OccurredAt
		}
		if page = append(page, ev); len(page) == cap(page) {
			if err := flush(); err != nil {
				return err
			}
		}
	}

	tx, err := w.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin pull: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	fresh, err := IngestCampaignEvents(ctx, tx, ins, page)
	if err != nil {
		return err
	}
	added += len(fresh)
	if !newest.IsZero() {
		if err := store.NewVendorCursors(tx).Advance(ctx, lemlistActivitiesFeed, newest); err != nil {
			return err
		}
	}
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("complete %s job: %w", KindOutreachPullActivities, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit pull: %w", err)
	}
	obs.Logger(ctx, w.logger).InfoContext(ctx, "lemlist activities pulled",
		slog.Int("seen", seen), slog.Int("new", added), slog.Time("since", from))
	return nil
}

// ingest stores one page in its own transaction.
func (w *OutreachPullActivitiesWorker) ingest(ctx context.Context, ins ManyTxInserter, page []store.NewCampaignEvent) (int, error) {
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin pull page: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	fresh, err := IngestCampaignEvents(ctx, tx, ins, page)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("commit pull page: %w", err)
	}
	return len(fresh), nil
}

// activityEvent turns a listed activity into the event to store, the
// record re-encoded as its payload; an activity the webhook would refuse
// (no id, type or date, a NUL Postgres cannot store) is skipped, so one
// bad record never blocks the pages after it.
func activityEvent(a lemlist.Activity) (store.NewCampaignEvent, bool) {
	if a.ID == "" || a.Type == "" || a.CreatedAt.IsZero() {
		return store.NewCampaignEvent{}, false
	}
	a.Secret = ""
	payload, err := json.Marshal(a)
	if err != nil {
		return store.NewCampaignEvent{}, false
	}
	if _, err := campaigns.ParseLemlistEvent(payload); err != nil {
		return store.NewCampaignEvent{}, false
	}
	step := a.SequenceStep
	return store.NewCampaignEvent{Vendor: "lemlist", VendorEventID: a.ID, CampaignID: a.CampaignID, LeadID: a.LeadID,
		Type: a.Type, Step: &step, Payload: payload, OccurredAt: a.CreatedAt.UTC()}, true
}

// cursor reads where the last complete pull got to.
func (w *OutreachPullActivitiesWorker) cursor(ctx context.Context) (time.Time, bool, error) {
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("begin pull: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	return store.NewVendorCursors(tx).Get(ctx, lemlistActivitiesFeed)
}

// outreachPullJob is the pull's periodic job, every interval.
func outreachPullJob(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(
		river.PeriodicInterval(max(interval, time.Second)),
		func() (river.JobArgs, *river.InsertOpts) { return OutreachPullActivitiesArgs{}, nil },
		&river.PeriodicJobOpts{ID: KindOutreachPullActivities},
	)
}

// OutreachPullJob is the periodic lemlist activity pull, every interval
// (OUTREACH_PULL_INTERVAL; zero means DefaultOutreachPullInterval).
func OutreachPullJob(interval time.Duration) *river.PeriodicJob {
	return outreachPullJob(cmp.Or(interval, DefaultOutreachPullInterval))
}

// registerOutreachEvents adds the event processing and the activity pull
// workers to workers.
func registerOutreachEvents(workers *river.Workers, deps Deps, waits eventSignaler) error {
	if err := river.AddWorkerSafely(workers, &OutreachProcessEventWorker{db: deps.Pool, hasher: deps.Hasher,
		now: deps.Now, logger: deps.Logger, waits: waits}); err != nil {
		return fmt.Errorf("register %s: %w", KindOutreachProcessEvent, err)
	}
	pull := &OutreachPullActivitiesWorker{db: deps.Pool, now: deps.Now, logger: deps.Logger}
	if deps.Vendors != nil && deps.Vendors.Lemlist != nil {
		pull.client = deps.Vendors.Lemlist
	}
	if err := river.AddWorkerSafely(workers, pull); err != nil {
		return fmt.Errorf("register %s: %w", KindOutreachPullActivities, err)
	}
	return nil
}
