package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// VendorCopies are the vendor ids under which a contact's data was pushed
// out: what erasure must ask the vendors to delete. They are read before
// the contact's row goes, since the enrollments holding the lead ids go
// with it.
type VendorCopies struct {
	// HubSpotID is the contact's HubSpot object id, "" when it was never
	// synced.
	HubSpotID string
	// LemlistLeads are the leads of its enrollments in lemlist campaigns.
	LemlistLeads []LemlistLead
}

// LemlistLead names one lead in one lemlist campaign.
type LemlistLead struct {
	CampaignID string
	LeadID     string
}

// Empty reports whether no vendor holds a copy.
func (v VendorCopies) Empty() bool { return v.HubSpotID == "" && len(v.LemlistLeads) == 0 }

// VendorCopies reads the vendor ids of the contact with id (ErrNotFound
// when there is none). A lead is listed once however many enrollments name
// it, and only with its campaign, since lemlist deletes a lead from a
// campaign. An enrollment without a lead id (outreach_enroll stores it,
// looking it up when lemlist answered "already in the campaign"; a lead
// lemlist no longer listed then has none) is not listed: only its address
// would name it, which must not outlive the erasure in a job's args.
func (p *PersonalData) VendorCopies(ctx context.Context, id uuid.UUID) (VendorCopies, error) {
	var out VendorCopies
	var hubspotID *string
	if err := p.db.QueryRow(ctx, `SELECT hubspot_id FROM contacts WHERE id = $1`, id).Scan(&hubspotID); err != nil {
		return out, fmt.Errorf("contact hubspot id: %w", notFound(err))
	}
	if hubspotID != nil {
		out.HubSpotID = *hubspotID
	}
	rows, err := p.db.Query(ctx, `
SELECT DISTINCT i.lemlist_campaign_id, e.lemlist_lead_id
FROM enrollments e JOIN campaign_instances i ON i.id = e.instance_id
WHERE e.contact_id = $1 AND e.lemlist_lead_id <> '' AND i.lemlist_campaign_id <> ''
ORDER BY 1, 2`, id)
	if err != nil {
		return out, fmt.Errorf("contact lemlist leads: %w", err)
	}
	out.LemlistLeads, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (l LemlistLead, err error) {
		return l, r.Scan(&l.CampaignID, &l.LeadID)
	})
	if err != nil {
		return out, fmt.Errorf("contact lemlist leads: %w", err)
	}
	return out, nil
}
