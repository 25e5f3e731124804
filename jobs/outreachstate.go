package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/integrations/lemlist"
	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
)

// Kinds of the jobs that mirror our state to lemlist.
const (
	KindOutreachLeadState    = "outreach_lead_state"
	KindOutreachCampaignSync = "outreach_campaign_sync"
)

// OutreachLeadStateArgs mirrors an enrollment's status to its lemlist lead:
// paused pauses the lead in the instance's campaign, active resumes it,
// unenrolled removes it from the campaign, stopped because someone else at
// its company replied pauses it (lemlist stops a lead's own sequence on
// its reply, bounce or unsubscribe by itself). The job reads the status when
// it runs, so jobs queued by quick successive changes all converge on the
// last one.
type OutreachLeadStateArgs struct {
	EnrollmentID uuid.UUID `json:"enrollment_id"`
}

// Kind is "outreach_lead_state".
func (OutreachLeadStateArgs) Kind() string { return KindOutreachLeadState }

// InsertOpts puts the job on the outreach queue.
func (OutreachLeadStateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOutreach, MaxAttempts: 10}
}

// OutreachLeadStateWorker works OutreachLeadStateArgs. An enrollment whose
// lead never reached lemlist needs nothing (its outreach_enroll job mirrors
// the status once it sends); a lead lemlist no longer knows (404) is done.
// The lead is named by its lemlist id, or by the contact's email when the
// id is unknown (lemlist answered "already in the campaign" to the add).
type OutreachLeadStateWorker struct {
	river.WorkerDefaults[OutreachLeadStateArgs]

	db      store.DBTX
	lemlist *lemlist.Client
}

// Work mirrors the status; see the type's comment.
func (w *OutreachLeadStateWorker) Work(ctx context.Context, job *river.Job[OutreachLeadStateArgs]) error {
	e, err := store.NewEnrollments(w.db).Get(ctx, job.Args.EnrollmentID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if e.EnrolledAt == nil {
		return nil
	}
	inst, err := store.NewCampaignInstances(w.db).Get(ctx, e.InstanceID)
	if err != nil {
		return err
	}
	if inst.LemlistCampaignID == nil {
		return nil
	}
	if w.lemlist == nil {
		return errors.New("outreach_lead_state: lemlist is not configured (LEMLIST_API_KEY)")
	}
	lead := ""
	if e.LemlistLeadID != nil {
		lead = *e.LemlistLeadID
	} else {
		c, err := store.NewContacts(w.db).ByID(ctx, e.ContactID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		lead = c.Email
	}
	campaign := *inst.LemlistCampaignID
	switch {
	case e.Status == campaigns.EnrollmentPaused:
		_, err = w.lemlist.PauseLead(ctx, lead, campaign)
	case e.Status == campaigns.EnrollmentActive:
		_, err = w.lemlist.StartLead(ctx, lead, campaign)
	case e.Status == campaigns.EnrollmentStopped && e.StopReason == campaigns.ReasonUnenrolled:
		_, err = w.lemlist.DeleteLead(ctx, campaign, lead)
	case e.Status == campaigns.EnrollmentStopped && e.StopReason == campaigns.StopCompanyReplied:
		_, err = w.lemlist.PauseLead(ctx, lead, campaign) // someone else at the company replied
	}
	if lemlist.IsNotFound(err) {
		return nil
	}
	return VendorOutcome(err)
}

// OutreachCampaignSyncArgs creates an instance's lemlist campaign when it
// has none (with the template's sending window and sequence) and mirrors the instance's status to it: running while the
// instance is active, paused otherwise (draft, paused, completed).
type OutreachCampaignSyncArgs struct {
	InstanceID uuid.UUID `json:"instance_id"`
}

// Kind is "outreach_campaign_sync".
func (OutreachCampaignSyncArgs) Kind() string { return KindOutreachCampaignSync }

// InsertOpts puts the job on the outreach queue.
func (OutreachCampaignSyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOutreach, MaxAttempts: 10}
}

// OutreachCampaignSyncWorker works OutreachCampaignSyncArgs. lemlist has
// no idempotency key for creating campaigns: the id is stored the moment
// lemlist answers, and a job finding one stored creates none, so only a
// crash between lemlist's answer and that write can leave an unused empty
// campaign behind in lemlist.
type OutreachCampaignSyncWorker struct {
	river.WorkerDefaults[OutreachCampaignSyncArgs]

	db      dbBeginner
	lemlist *lemlist.Client
	logger  *slog.Logger
}

// Timeout bounds the job's calls.
func (w *OutreachCampaignSyncWorker) Timeout(*river.Job[OutreachCampaignSyncArgs]) time.Duration {
	return 2 * time.Minute
}

// Work creates and mirrors; see the type's comment.
func (w *OutreachCampaignSyncWorker) Work(ctx context.Context, job *river.Job[OutreachCampaignSyncArgs]) error {
	instances := store.NewCampaignInstances(w.db)
	inst, err := instances.Get(ctx, job.Args.InstanceID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if w.lemlist == nil {
		return errors.New("outreach_campaign_sync: lemlist is not configured (LEMLIST_API_KEY)")
	}
	if inst.LemlistCampaignID == nil {
		t, err := store.NewCampaignTemplates(w.db).Get(ctx, inst.TemplateID)
		if err != nil {
			return err
		}
		created, err := w.lemlist.CreateCampaign(ctx, lemlist.CreateCampaignRequest{
			Name: inst.Name, Timezone: t.Settings.SendingWindow.Timezone})
		if err != nil {
			return VendorOutcome(err)
		}
		id, err := instances.SetLemlistCampaign(context.WithoutCancel(ctx), inst.ID, created.ID)
		if err != nil {
			return fmt.Errorf("store lemlist campaign: %w", err)
		}
		if id != created.ID {
			obs.Logger(ctx, w.logger).WarnContext(ctx, "lemlist campaign created twice; keeping the first",
				slog.String("instance_id", inst.ID.String()), slog.String("unused_campaign", created.ID))
		}
		inst.LemlistCampaignID = &id
	}
	if err := w.setUpCampaign(ctx, inst); err != nil {
		return err
	}
	if inst.Status == campaigns.InstanceActive {
		_, err = w.lemlist.StartCampaign(ctx, *inst.LemlistCampaignID)
	} else {
		_, err = w.lemlist.PauseCampaign(ctx, *inst.LemlistCampaignID)
	}
	return VendorOutcome(err)
}

// setUpCampaign gives a lemlist campaign the platform created the
// template's sending window and sequence, once (until both are written);
// a campaign the user mapped keeps its own.
//
// The sync jobs of one instance (its creation's, its activation's) may run
// at once, and lemlist appends a step each time it is asked: one job at a
// time sets the campaign up, under a transaction-scoped advisory lock on
// the instance held across the calls; another finding it taken snoozes and
// then finds the setup written.
func (w *OutreachCampaignSyncWorker) setUpCampaign(ctx context.Context, inst store.CampaignInstance) error {
	lock, err := w.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin campaign setup: %w", err)
	}
	defer lock.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // releases the lock; nothing is written in it
	var mine bool
	if err := lock.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtext('outreach_campaign_sync'), hashtext($1))`,
		inst.ID.String()).Scan(&mine); err != nil {
		return fmt.Errorf("lock campaign setup: %w", err)
	}
	if !mine {
		return river.JobSnooze(campaignWait)
	}
	instances := store.NewCampaignInstances(w.db)
	pending, err := instances.LemlistSequencePending(ctx, inst.ID)
	if err != nil || !pending {
		return err
	}
	t, err := store.NewCampaignTemplates(w.db).Get(ctx, inst.TemplateID)
	if err != nil {
		return err
	}
	if err := w.writeSchedule(ctx, *inst.LemlistCampaignID, inst.Name, t.Settings.SendingWindow); err != nil {
		return err
	}
	if err := w.writeSequence(ctx, *inst.LemlistCampaignID, t.Template); err != nil {
		return err
	}
	return instances.LemlistSequenceWritten(context.WithoutCancel(ctx), inst.ID)
}

// writeSchedule sets the campaign's schedule to the sending window: the
// default schedule lemlist made with the campaign is updated (a repeat
// writes the same values), or, should it have none, one is created and
// attached. A lemlist schedule has one time zone, the window's; the
// prospect's own clock is kept by outreach_enroll, which adds a lead only
// inside the window there, and by the lead's timezone field.
func (w *OutreachCampaignSyncWorker) writeSchedule(ctx context.Context, campaignID, name string, win campaigns.SendingWindow) error {
	end := win.End
	if end == "24:00" { // lemlist's day ends at 23:59
		end = "23:59"
	}
	req := lemlist.ScheduleRequest{Name: name + " sending window", Timezone: win.Timezone, Start: win.Start, End: end,
		Weekdays: win.ISOWeekdays()}
	schedules, err := w.lemlist.CampaignSchedules(ctx, campaignID)
	if err != nil {
		return VendorOutcome(err)
	}
	if len(schedules) > 0 {
		_, err = w.lemlist.UpdateSchedule(ctx, schedules[0].ID, req)
		return VendorOutcome(err)
	}
	created, err := w.lemlist.CreateSchedule(ctx, req)
	if err != nil {
		return VendorOutcome(err)
	}
	return VendorOutcome(w.lemlist.AttachSchedule(ctx, campaignID, created.ID))
}

// writeSequence gives the campaign the template's steps: step N is an
// email whose subject and body are the lead's stepN variables (the
// template rendered for that lead by outreach_enroll), after the step's
// delay. Steps already there (a run cut short) are kept and the rest
// appended, so a repeat writes nothing twice.
func (w *OutreachCampaignSyncWorker) writeSequence(ctx context.Context, campaignID string, t campaigns.Template) error {
	seqs, err := w.lemlist.CampaignSequences(ctx, campaignID)
	if err != nil {
		return VendorOutcome(err)
	}
	if len(seqs) == 0 {
		return fmt.Errorf("lemlist campaign %s has no sequence", campaignID)
	}
	main := seqs[0]
	for i := len(main.Steps); i < len(t.Steps); i++ {
		subject, body := campaigns.StepVariables(i)
		if _, err := w.lemlist.AddSequenceStep(ctx, main.ID, lemlist.AddStepRequest{Type: "email",
			Subject: "{{" + subject + "}}", Message: "{{" + body + "}}", Delay: t.Steps[i].DelayDays, Index: i + 1}); err != nil {
			return VendorOutcome(err)
		}
	}
	return nil
}
