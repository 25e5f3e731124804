package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
)

// KindOutreachProcessEvent processes one stored campaign event.
const KindOutreachProcessEvent = "outreach_process_event"

// OutreachProcessEventArgs names a campaign_events row; ids only, since the
// row's payload carries the lead's address.
type OutreachProcessEventArgs struct {
	EventID int64 `json:"event_id"`
}

// Kind is "outreach_process_event".
func (OutreachProcessEventArgs) Kind() string { return KindOutreachProcessEvent }

// InsertOpts puts the job on the outreach queue. It calls no vendor, so
// retries are cheap.
func (OutreachProcessEventArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOutreach, MaxAttempts: 10}
}

// ManyTxInserter inserts many jobs in a caller's transaction; a
// *river.Client[pgx.Tx] is one.
type ManyTxInserter interface {
	InsertManyFastTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) (int, error)
}

// IngestCampaignEvents stores the events not stored yet and queues an
// outreach_process_event job for each new row, on tx: the one path of
// webhook deliveries and the activity backfill, so an event arriving both
// ways is stored and processed once. It returns the vendor event ids that
// were new.
func IngestCampaignEvents(ctx context.Context, tx pgx.Tx, ins ManyTxInserter, evs []store.NewCampaignEvent) (map[string]bool, error) {
	stored, err := store.NewCampaignEvents(tx).InsertNew(ctx, evs)
	if err != nil || len(stored) == 0 {
		return nil, err
	}
	fresh := make(map[string]bool, len(stored))
	params := make([]river.InsertManyParams, len(stored))
	for i, e := range stored {
		fresh[e.VendorEventID] = true
		params[i] = river.InsertManyParams{Args: OutreachProcessEventArgs{EventID: e.ID}}
	}
	if _, err := ins.InsertManyFastTx(ctx, tx, params); err != nil {
		return nil, fmt.Errorf("queue %s: %w", KindOutreachProcessEvent, err)
	}
	return fresh, nil
}

// OutreachProcessEventWorker works OutreachProcessEventArgs: it links the
// event to its instance, enrollment and contact and applies the stop rules
// of the instance (campaigns.EffectOf): a reply, bounce or unsubscribe stops
// the enrollment; a bounce or unsubscribe suppresses the address; with
// stop_company_on_reply a reply stops the live enrollments of everyone else
// at the replier's company (reason company_replied). All of it, and the
// job's completion, in one transaction. An event already processed, or gone
// (its instance deleted), completes with nothing done.
type OutreachProcessEventWorker struct {
	river.WorkerDefaults[OutreachProcessEventArgs]

	db     txBeginner
	hasher contacts.Hasher
	now    func() time.Time
	logger *slog.Logger
	// waits brings processed events to the workflow steps waiting for
	// them; nil brings them nowhere.
	waits eventSignaler
}

// eventSignaler is the workflow engine's side of event waits.
type eventSignaler interface {
	Signal(ctx context.Context, tx pgx.Tx, event, key string, data map[string]any) (int, error)
}

// Work processes the event; see the type's comment.
func (w *OutreachProcessEventWorker) Work(ctx context.Context, job *river.Job[OutreachProcessEventArgs]) error {
	var outcome []any
	err := completeWith(ctx, w.db, job, func(tx pgx.Tx) (err error) {
		outcome, err = w.process(ctx, tx, job.Args.EventID)
		return err
	})
	if err != nil {
		return err
	}
	obs.Logger(ctx, w.logger).InfoContext(ctx, "campaign event processed", outcome...)
	return nil
}

// process applies one event on tx and returns what to log: ids and
// outcomes, never the lead's address.
func (w *OutreachProcessEventWorker) process(ctx context.Context, tx pgx.Tx, id int64) ([]any, error) {
	events := store.NewCampaignEvents(tx)
	ev, err := events.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return []any{slog.Int64("event_id", id), slog.String("outcome", "event gone")}, nil
	}
	if err != nil {
		return nil, err
	}
	if ev.ProcessedAt != nil {
		return []any{slog.Int64("event_id", id), slog.String("outcome", "already processed")}, nil
	}
	email, _ := contacts.NormalizeEmail(ev.LeadEmail) // unusable addresses match nothing
	target, err := events.Resolve(ctx, ev, email)
	if err != nil {
		return nil, err
	}
	now := w.now()
	log := []any{slog.Int64("event_id", id), slog.String("type", ev.Type)}

	rules := campaigns.DefaultSettings().StopRules
	if target.InstanceID != nil {
		if rules, err = events.StopRules(ctx, *target.InstanceID); err != nil {
			return nil, err
		}
		log = append(log, slog.String("instance_id", target.InstanceID.String()))
	}
	effect := campaigns.EffectOf(campaigns.LemlistKind(ev.Type), rules)
	if effect.StopReason != "" && target.EnrollmentID != nil {
		stopped, err := events.StopEnrollment(ctx, *target.EnrollmentID, effect.StopReason, now)
		if err != nil {
			return nil, err
		}
		log = append(log, slog.String("enrollment_id", target.EnrollmentID.String()), slog.Bool("stopped", stopped))
	}
	if effect.Suppress != "" {
		addr := target.Email
		if addr == "" {
			addr = email
		}
		if addr != "" {
			if _, _, err := store.NewSuppressions(tx).Add(ctx, store.Suppression{Kind: contacts.KindEmail, Value: &addr,
				ValueHash: w.hasher.Hash(contacts.KindEmail, addr), Reason: effect.Suppress, Source: "lemlist " + ev.Type}); err != nil {
				return nil, err
			}
			log = append(log, slog.String("suppressed", effect.Suppress))
		}
	}
	if effect.StopCompany && target.ContactID != nil {
		peers, err := events.StopCompany(ctx, *target.ContactID, campaigns.StopCompanyReplied, now)
		if err != nil {
			return nil, err
		}
		if err := mirrorCompanyStop(ctx, tx, peers); err != nil {
			return nil, err
		}
		log = append(log, slog.Int("company_stopped", len(peers)))
	}
	if err := events.MarkProcessed(ctx, id, target, now); err != nil {
		return nil, err
	}
	ev.InstanceID, ev.EnrollmentID, ev.ContactID = target.InstanceID, target.EnrollmentID, target.ContactID
	if err := w.signalWaits(ctx, tx, ev); err != nil {
		return nil, err
	}
	return append(log, slog.String("outcome", "processed")), nil
}

// mirrorCompanyStop pauses in lemlist, on tx, the leads of the peers a
// replier's company stopped: their enrollments are stopped in our database
// already (reason company_replied), and an outreach_lead_state job each
// mirrors that (a lead that never reached lemlist needs nothing).
func mirrorCompanyStop(ctx context.Context, tx pgx.Tx, peers []store.StoppedEnrollment) error {
	if len(peers) == 0 {
		return nil
	}
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, len(peers))
	for i, p := range peers {
		params[i] = river.InsertManyParams{Args: OutreachLeadStateArgs{EnrollmentID: p.ID}}
	}
	if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("mirror company stop: %w", err)
	}
	return nil
}

// signalWaits brings a processed event to the workflow steps waiting for
// it, on the processing transaction: the event is its kind (replied,
// bounced, opened, ...) and a wait may key it by the enrollment's id or
// the contact's (wait: {event: replied, key: "${{ inputs.contact_id }}"}).
func (w *OutreachProcessEventWorker) signalWaits(ctx context.Context, tx pgx.Tx, ev store.CampaignEvent) error {
	kind := campaigns.LemlistKind(ev.Type)
	if w.waits == nil || kind == "" {
		return nil
	}
	data := map[string]any{"event_id": ev.ID, "type": ev.Type, "occurred_at": ev.OccurredAt}
	for _, id := range []*uuid.UUID{ev.EnrollmentID, ev.ContactID} {
		if id == nil {
			continue
		}
		if _, err := w.waits.Signal(ctx, tx, kind, id.String(), data); err != nil {
			return fmt.Errorf("signal workflow waits: %w", err)
		}
	}
	return nil
}
