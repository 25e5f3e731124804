package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/integrations/hubspot"
	"github.com/rtgs/sales-automation/integrations/lemlist"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/internal/vendors"
)

// Kinds of the jobs that delete an erased contact's copies from vendors.
const (
	KindCRMContactErase   = "crm_contact_erase"
	KindOutreachLeadErase = "outreach_lead_erase"
)

// VendorEraseJobs are the jobs deleting copies from vendors, one per copy,
// for the caller to insert in the transaction that erases the contact
// (contacts.WithContactErased), so the erasure never commits without them.
// Their args hold vendor ids only: the contact's id and data are gone when
// they run, and must not outlive the erasure in the queue.
func VendorEraseJobs(copies store.VendorCopies) []river.InsertManyParams {
	var params []river.InsertManyParams
	if copies.HubSpotID != "" {
		params = append(params, river.InsertManyParams{Args: CRMContactEraseArgs{HubSpotID: copies.HubSpotID}})
	}
	for _, l := range copies.LemlistLeads {
		params = append(params, river.InsertManyParams{Args: OutreachLeadEraseArgs{CampaignID: l.CampaignID, LeadID: l.LeadID}})
	}
	return params
}

// vendorEraseOpts are the insert options of both kinds: a legal duty, so
// River's full 25 attempts (weeks of backoff) before a person must look;
// unique by args, so erasures naming the same copy queue one deletion.
func vendorEraseOpts(queue string) river.InsertOpts {
	return river.InsertOpts{Queue: queue, MaxAttempts: 25, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// CRMContactEraseArgs deletes an erased contact from HubSpot by its object
// id, with HubSpot's GDPR delete (permanent, unlike an archive).
type CRMContactEraseArgs struct {
	HubSpotID string `json:"hubspot_id"`
}

// Kind is "crm_contact_erase".
func (CRMContactEraseArgs) Kind() string { return KindCRMContactErase }

// InsertOpts puts the job on the crm queue; see vendorEraseOpts.
func (CRMContactEraseArgs) InsertOpts() river.InsertOpts { return vendorEraseOpts(QueueCRM) }

// CRMContactEraseWorker works CRMContactEraseArgs. A contact HubSpot does
// not know (404) was deleted already: done. Unlike CRM sync, whose jobs
// are cancelled without a HubSpot account, a deletion the law asks for is
// never dropped: without a client the job fails naming the setting and is
// retried, by a worker that has it or until a person looks.
type CRMContactEraseWorker struct {
	river.WorkerDefaults[CRMContactEraseArgs]

	hubspot *hubspot.Client
}

// Work deletes the contact; see the type's comment.
func (w *CRMContactEraseWorker) Work(ctx context.Context, job *river.Job[CRMContactEraseArgs]) error {
	if w.hubspot == nil {
		return fmt.Errorf("crm_contact_erase: %s: %w (HUBSPOT_TOKEN)", vendors.HubSpot, vendors.ErrNotConfigured)
	}
	err := w.hubspot.GDPRDeleteContact(ctx, job.Args.HubSpotID)
	if hubspot.IsNotFound(err) {
		return nil
	}
	return VendorOutcome(err)
}

// OutreachLeadEraseArgs deletes an erased contact's lead, with its
// statistics, from a lemlist campaign.
type OutreachLeadEraseArgs struct {
	CampaignID string `json:"campaign_id"`
	LeadID     string `json:"lead_id"`
}

// Kind is "outreach_lead_erase".
func (OutreachLeadEraseArgs) Kind() string { return KindOutreachLeadErase }

// InsertOpts puts the job on the outreach queue; see vendorEraseOpts.
func (OutreachLeadEraseArgs) InsertOpts() river.InsertOpts { return vendorEraseOpts(QueueOutreach) }

// OutreachLeadEraseWorker works OutreachLeadEraseArgs. A lead or campaign
// lemlist does not know (404) is gone already: done. Without a lemlist
// client the job fails naming the setting and is retried, as
// crm_contact_erase does.
type OutreachLeadEraseWorker struct {
	river.WorkerDefaults[OutreachLeadEraseArgs]

	lemlist *lemlist.Client
}

// Work deletes the lead; see the type's comment.
func (w *OutreachLeadEraseWorker) Work(ctx context.Context, job *river.Job[OutreachLeadEraseArgs]) error {
	if w.lemlist == nil {
		return errors.New("outreach_lead_erase: lemlist is not configured (LEMLIST_API_KEY)")
	}
	_, err := w.lemlist.DeleteLead(ctx, job.Args.CampaignID, job.Args.LeadID)
	if lemlist.IsNotFound(err) {
		return nil
	}
	return VendorOutcome(err)
}

// registerVendorErase adds the vendor erasure workers to workers.
func registerVendorErase(workers *river.Workers, deps Deps) error {
	var hs *hubspot.Client
	var lem *lemlist.Client
	if deps.Vendors != nil {
		hs, lem = deps.Vendors.HubSpot, deps.Vendors.Lemlist
	}
	if err := river.AddWorkerSafely(workers, &CRMContactEraseWorker{hubspot: hs}); err != nil {
		return fmt.Errorf("register %s: %w", KindCRMContactErase, err)
	}
	if err := river.AddWorkerSafely(workers, &OutreachLeadEraseWorker{lemlist: lem}); err != nil {
		return fmt.Errorf("register %s: %w", KindOutreachLeadErase, err)
	}
	return nil
}
