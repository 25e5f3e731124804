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
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/lemlist"
	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
)

// KindOutreachEnroll is the kind of OutreachEnrollArgs.
const KindOutreachEnroll = "outreach_enroll"

// Waits of an outreach_enroll job that may not send yet.
const (
	// heldWait is the snooze while the instance is draft or paused, or the
	// enrollment itself is paused: an operator's decision, undone in
	// minutes or days, so the job looks again every few minutes.
	heldWait = 5 * time.Minute
	// campaignWait is the snooze while the instance's lemlist campaign is
	// still being created by its outreach_campaign_sync job.
	campaignWait = 10 * time.Second
)

// OutreachEnrollArgs sends one enrollment's lead to lemlist. It carries the
// enrollment id only: the contact's address is read when the job runs, so
// an erased contact leaves nothing behind in the queue.
type OutreachEnrollArgs struct {
	EnrollmentID uuid.UUID `json:"enrollment_id"`
}

// Kind is "outreach_enroll".
func (OutreachEnrollArgs) Kind() string { return KindOutreachEnroll }

// InsertOpts puts the job on the outreach queue. Snoozes (daily cap,
// held instance, vendor limits) do not use attempts.
func (OutreachEnrollArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOutreach, MaxAttempts: 10}
}

// OutreachEnrollWorker works OutreachEnrollArgs:
//
//  1. a missing enrollment (its contact was erased) or one no longer
//     pending completes the job; a paused one, or one of a draft or paused
//     instance, snoozes (never sends); one of a completed instance stops;
//  2. a contact suppressed since it was enrolled stops the enrollment with
//     the reason, with no lemlist call;
//  3. a template with AI personalisation holds the lead (snoozes) until
//     the text is settled: written and, with review, approved; failed
//     text holds it for a person under on_failure "wait" and sends the
//     variable's fallback under "send_without" (gatePersonalization);
//  4. outside the template's sending window on the prospect's clock (its
//     time zone, else the window's), the job snoozes until the window
//     opens, so the first email goes out in the prospect's working hours
//     (lemlist times the later steps by the campaign's schedule);
//  5. the lead is counted against the instance's daily cap for the UTC day
//     (under a lock on the instance row, so concurrent jobs never exceed
//     it; a retry the same day keeps its place); over the cap the job
//     snoozes until midnight UTC, never dropped;
//  6. the template is rendered for the contact (its custom fields with the
//     enrollment's personalization laid over), each step's A/B variant
//     picked by weight from the enrollment id, and the lead added to the
//     instance's lemlist campaign with the rendered steps as custom
//     variables. lemlist's "already in the campaign" counts as done, so a
//     job repeated after a crash adds nothing twice;
//  7. the lead id, status active and enrolled_at are stored and the job
//     completed in one transaction.
type OutreachEnrollWorker struct {
	river.WorkerDefaults[OutreachEnrollArgs]

	db      txBeginner
	lemlist *lemlist.Client
	hasher  contacts.Hasher
	now     func() time.Time
	logger  *slog.Logger
}

// Work sends the lead; see the type's comment.
func (w *OutreachEnrollWorker) Work(ctx context.Context, job *river.Job[OutreachEnrollArgs]) error {
	if w.lemlist == nil {
		return errors.New("outreach_enroll: lemlist is not configured (LEMLIST_API_KEY)")
	}
	plan, err := w.prepare(ctx, job)
	if plan == nil || err != nil {
		return err
	}
	lead, err := w.lemlist.AddLead(ctx, plan.campaignID, plan.lead, lemlist.AddLeadOptions{})
	var leadID *string
	switch {
	case err == nil:
		leadID = &lead.ID
	case lemlist.IsLeadExists(err):
		// Added by an earlier run of this job that crashed before storing:
		// its id is looked up, so events and erasure can name the lead.
		if leadID, err = w.existingLead(ctx, plan.campaignID, plan.lead.Email); err != nil {
			return w.vendorFailure(ctx, job, err)
		}
	default:
		return w.vendorFailure(ctx, job, err)
	}
	return w.finish(ctx, job, leadID)
}

// existingLead is the id of email's lead in campaignID, nil when lemlist
// lists none there (or the lead has no email: LinkedIn only).
func (w *OutreachEnrollWorker) existingLead(ctx context.Context, campaignID, email string) (*string, error) {
	if email == "" {
		return nil, nil
	}
	found, err := w.lemlist.LeadsByEmail(ctx, email)
	if lemlist.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, l := range found {
		if l.Campaign.ID == campaignID {
			return &l.ID, nil
		}
	}
	return nil, nil
}

// enrollPlan is what a job sends, once prepare has decided it may.
type enrollPlan struct {
	campaignID string
	lead       lemlist.AddLeadRequest
}

// prepare runs steps 1 to 6 short of the call: it returns nil and the
// job's outcome when there is nothing to send (yet).
func (w *OutreachEnrollWorker) prepare(ctx context.Context, job *river.Job[OutreachEnrollArgs]) (*enrollPlan, error) {
	id, now := job.Args.EnrollmentID, w.now()
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin outreach_enroll: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit

	e, err := store.NewEnrollments(tx).GetForUpdate(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, w.completeTx(ctx, tx, job)
	case err != nil:
		return nil, err
	case e.Status == campaigns.EnrollmentPaused && e.EnrolledAt == nil:
		return nil, river.JobSnooze(heldWait)
	case e.Status != campaigns.EnrollmentPending:
		return nil, w.completeTx(ctx, tx, job)
	}
	// The instance row is locked from here to the commit: its status and
	// cap hold while this lead is counted.
	inst, err := store.NewCampaignInstances(tx).GetForUpdate(ctx, e.InstanceID)
	if err != nil {
		return nil, err
	}
	switch {
	case inst.Status == campaigns.InstanceCompleted:
		return nil, w.endTx(ctx, tx, job, campaigns.EnrollmentStopped, campaigns.ReasonInstanceDone)
	case inst.Status != campaigns.InstanceActive:
		return nil, river.JobSnooze(heldWait)
	case inst.LemlistCampaignID == nil:
		return nil, river.JobSnooze(campaignWait)
	}
	c, err := store.NewContacts(tx).ByID(ctx, e.ContactID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, w.endTx(ctx, tx, job, campaigns.EnrollmentStopped, campaigns.ReasonErased)
	} else if err != nil {
		return nil, err
	}
	reasons, err := store.NewEnrollments(tx).SuppressionReasons(ctx, contacts.SuppressionKeys(w.hasher, c.Email, c.Domain))
	if err != nil {
		return nil, err
	}
	for _, k := range contacts.SuppressionKeys(w.hasher, c.Email, c.Domain) {
		if reason, ok := reasons[k.ID()]; ok {
			return nil, w.endTx(ctx, tx, job, campaigns.EnrollmentStopped, campaigns.SuppressionReason(reason))
		}
	}
	t, err := store.NewCampaignTemplates(tx).Get(ctx, e.TemplateID)
	if err != nil {
		return nil, err
	}
	if wait, commit, err := gatePersonalization(ctx, tx, t.Template, &e, now); wait > 0 || err != nil {
		if err == nil && commit {
			err = tx.Commit(ctx)
		}
		if err == nil {
			err = river.JobSnooze(wait)
		}
		return nil, err
	}
	if open, ok := t.Settings.SendingWindow.NextOpening(now, c.Timezone); ok && open.After(now) {
		obs.Logger(ctx, w.logger).DebugContext(ctx, "outside the sending window; snoozing until it opens",
			slog.String("enrollment_id", e.ID.String()), slog.Time("opens", open))
		return nil, river.JobSnooze(max(open.Sub(now), minSnooze))
	}
	picks := campaigns.PickVariants(t.Template, e.ID[:])
	if wait, err := w.reserve(ctx, tx, inst, e, now, campaigns.FormatVariants(picks)); wait > 0 || err != nil {
		if err == nil {
			obs.Logger(ctx, w.logger).InfoContext(ctx, "daily cap reached; snoozing to the next UTC day",
				slog.String("instance_id", inst.ID.String()), slog.Duration("wait", wait))
			err = river.JobSnooze(wait)
		}
		return nil, err
	}
	lead, err := leadRequest(t.Template, c, e, picks)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit outreach_enroll reservation: %w", err)
	}
	return &enrollPlan{campaignID: *inst.LemlistCampaignID, lead: lead}, nil
}

// reserve counts the enrollment against the cap of now's UTC day, unless
// it is counted there already (a retry); over the cap it returns the wait
// until the next day instead.
func (w *OutreachEnrollWorker) reserve(ctx context.Context, tx pgx.Tx, inst store.CampaignInstance, e store.Enrollment, now time.Time, variant string) (time.Duration, error) {
	day := campaigns.CapDay(now)
	if e.SendDay != nil && e.SendDay.Equal(day) {
		return 0, nil
	}
	enr := store.NewEnrollments(tx)
	n, err := enr.CountSendDay(ctx, inst.ID, day)
	if err != nil {
		return 0, err
	}
	if n >= inst.DailyCap {
		return max(campaigns.UntilNextCapDay(now), minSnooze), nil
	}
	return 0, enr.ReserveSendDay(ctx, e.ID, day, variant)
}

// leadRequest is the lemlist lead of the enrollment: the contact's fields
// and the rendered steps of its variants as custom variables.
func leadRequest(t campaigns.Template, c store.Contact, e store.Enrollment, picks []string) (lemlist.AddLeadRequest, error) {
	custom := make(map[string]any, len(c.CustomFields)+len(e.Personalization))
	for k, v := range c.CustomFields {
		custom[k] = v
	}
	for k, v := range e.Personalization {
		custom[k] = v
	}
	r, err := campaigns.Render(t, campaigns.Contact{FirstName: c.FirstName, LastName: c.LastName, Email: c.Email,
		Title: c.Title, Seniority: c.Seniority, Company: c.CompanyName, Domain: c.Domain, Phone: c.Phone,
		LinkedInURL: c.LinkedInURL, Country: c.Country}, custom)
	if err != nil {
		return lemlist.AddLeadRequest{}, river.JobCancel(fmt.Errorf("render template: %w", err))
	}
	tz := ""
	if c.Timezone != "" {
		if _, err := time.LoadLocation(c.Timezone); err == nil {
			tz = c.Timezone
		}
	}
	return lemlist.AddLeadRequest{
		Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, CompanyName: c.CompanyName,
		CompanyDomain: c.Domain, JobTitle: c.Title, LinkedinURL: c.LinkedInURL, Phone: c.Phone, Timezone: tz,
		Variables: campaigns.LeadVariables(r, picks),
	}, nil
}

// finish stores the sent lead and completes the job in one transaction.
// An enrollment paused or unenrolled while its lead was being sent keeps
// that status, and an outreach_lead_state job mirrors it to lemlist now
// that the lead is there.
func (w *OutreachEnrollWorker) finish(ctx context.Context, job *river.Job[OutreachEnrollArgs], leadID *string) error {
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin outreach_enroll: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	status, err := store.NewEnrollments(tx).MarkSent(ctx, job.Args.EnrollmentID, leadID, w.now())
	switch {
	case errors.Is(err, store.ErrNotFound): // erased meanwhile
	case err != nil:
		return err
	case status != campaigns.EnrollmentActive:
		client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
		if err != nil {
			return err
		}
		if _, err := client.InsertTx(ctx, tx, OutreachLeadStateArgs{EnrollmentID: job.Args.EnrollmentID}, nil); err != nil {
			return fmt.Errorf("enqueue outreach_lead_state: %w", err)
		}
	}
	return w.completeTx(ctx, tx, job)
}

// vendorFailure snoozes on limits and an open breaker, records a permanent
// refusal on the enrollment (failed, with the vendor's code) and cancels,
// and returns anything else for River to retry.
func (w *OutreachEnrollWorker) vendorFailure(ctx context.Context, job *river.Job[OutreachEnrollArgs], err error) error {
	if _, refused := classifyVendorError(err); !refused {
		return VendorOutcome(err)
	}
	reason := "lemlist_refused"
	var ae *guard.APIError
	if errors.As(err, &ae) && ae.Code != "" {
		reason = "lemlist_" + ae.Code
	}
	tx, berr := w.db.Begin(ctx)
	if berr != nil {
		return fmt.Errorf("begin outreach_enroll: %w", berr)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if _, serr := store.NewEnrollments(tx).End(ctx, job.Args.EnrollmentID, campaigns.EnrollmentFailed, reason, w.now()); serr != nil {
		return serr
	}
	if cerr := tx.Commit(ctx); cerr != nil {
		return fmt.Errorf("commit outreach_enroll failure: %w", cerr)
	}
	return river.JobCancel(err)
}

// endTx ends the enrollment with status and reason and completes the job,
// on tx.
func (w *OutreachEnrollWorker) endTx(ctx context.Context, tx pgx.Tx, job *river.Job[OutreachEnrollArgs], status, reason string) error {
	if _, err := store.NewEnrollments(tx).End(ctx, job.Args.EnrollmentID, status, reason, w.now()); err != nil {
		return err
	}
	return w.completeTx(ctx, tx, job)
}

// completeTx completes the job on tx and commits.
func (w *OutreachEnrollWorker) completeTx(ctx context.Context, tx pgx.Tx, job *river.Job[OutreachEnrollArgs]) error {
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("complete outreach_enroll job: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit outreach_enroll: %w", err)
	}
	return nil
}
