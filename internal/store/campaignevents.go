package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/campaigns"
)

// NewCampaignEvent is one vendor event to store.
type NewCampaignEvent struct {
	Vendor        string // "lemlist"
	VendorEventID string // the vendor's id of the event: the idempotency key
	CampaignID    string // the vendor's campaign id; "" when the event has none
	LeadID        string // the vendor's lead id; "" when the event has none
	Type          string
	Step          *int
	Payload       []byte // JSON
	OccurredAt    time.Time
}

// CampaignEvent is one row of campaign_events, with what processing reads
// from its payload.
type CampaignEvent struct {
	ID           int64
	InstanceID   *uuid.UUID
	EnrollmentID *uuid.UUID
	ContactID    *uuid.UUID
	Type         string
	Step         *int
	Vendor       string
	LeadID       string
	CampaignID   string // payload campaignId
	LeadEmail    string // payload leadEmail: PII, never log it
	OccurredAt   time.Time
	ProcessedAt  *time.Time
}

// CampaignEvents holds the SQL of the campaign_events table and of the
// enrollment changes events cause.
type CampaignEvents struct{ db DBTX }

// NewCampaignEvents returns the campaign event queries on db, a pool or a
// transaction.
func NewCampaignEvents(db DBTX) *CampaignEvents { return &CampaignEvents{db: db} }

// StoredEvent is a row InsertNew wrote.
type StoredEvent struct {
	ID            int64
	VendorEventID string
}

// InsertNew stores the events not stored yet, in one statement, and returns
// the rows it wrote (an event already stored, by vendor and
// vendor event id, writes nothing: replays are free). Each new row gets its
// instance right away, found by the vendor campaign id, so it counts in the
// instance's metrics before it is processed.
func (s *CampaignEvents) InsertNew(ctx context.Context, evs []NewCampaignEvent) ([]StoredEvent, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	n := len(evs)
	vendors, ids, campaignIDs, leads, types := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	steps, payloads, times := make([]*int32, n), make([]string, n), make([]time.Time, n)
	for i, e := range evs {
		vendors[i], ids[i], campaignIDs[i], leads[i], types[i] = e.Vendor, e.VendorEventID, e.CampaignID, e.LeadID, e.Type
		if e.Step != nil {
			v := int32(*e.Step)
			steps[i] = &v
		}
		payloads[i], times[i] = string(e.Payload), e.OccurredAt
	}
	rows, err := s.db.Query(ctx, `
		INSERT INTO campaign_events (vendor, vendor_event_id, type, step, lead_id, payload, occurred_at, instance_id)
		SELECT e.vendor, e.event_id, e.type, e.step, NULLIF(e.lead_id, ''), e.payload::jsonb, e.occurred_at,
		       (SELECT ci.id FROM campaign_instances ci
		        WHERE e.campaign_id <> '' AND ci.lemlist_campaign_id = e.campaign_id
		        ORDER BY ci.created_at LIMIT 1)
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::timestamptz[])
		     AS e(vendor, event_id, campaign_id, lead_id, type, step, payload, occurred_at)
		ON CONFLICT (vendor, vendor_event_id) WHERE vendor_event_id IS NOT NULL DO NOTHING
		RETURNING id, vendor_event_id`,
		vendors, ids, campaignIDs, leads, types, steps, payloads, times)
	if err != nil {
		return nil, fmt.Errorf("insert campaign events: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[StoredEvent])
	if err != nil {
		return nil, fmt.Errorf("insert campaign events: %w", err)
	}
	return out, nil
}

// Get returns the event with id, or ErrNotFound.
func (s *CampaignEvents) Get(ctx context.Context, id int64) (CampaignEvent, error) {
	var e CampaignEvent
	var lead *string
	err := s.db.QueryRow(ctx, `
		SELECT id, instance_id, enrollment_id, contact_id, type, step, vendor, lead_id,
		       coalesce(payload->>'campaignId', ''), coalesce(payload->>'leadEmail', ''), occurred_at, processed_at
		FROM campaign_events WHERE id = $1`, id).Scan(&e.ID, &e.InstanceID, &e.EnrollmentID, &e.ContactID, &e.Type, &e.Step,
		&e.Vendor, &lead, &e.CampaignID, &e.LeadEmail, &e.OccurredAt, &e.ProcessedAt)
	if err != nil {
		return CampaignEvent{}, fmt.Errorf("get campaign event %d: %w", id, notFound(err))
	}
	if lead != nil {
		e.LeadID = *lead
	}
	return e, nil
}

// EventTarget is the enrollment (and so the contact and instance) an event
// concerns, as far as it could be found.
type EventTarget struct {
	InstanceID   *uuid.UUID
	EnrollmentID *uuid.UUID
	ContactID    *uuid.UUID
	Email        string // the contact's address; PII
	// LemlistLeadID is the enrollment's lead in lemlist, for mirroring.
	LemlistLeadID string
}

// Resolve finds what e concerns: the instance by the vendor campaign (when
// the row has none yet), the enrollment by the vendor lead id, else by the
// lead's email within the instance, and the contact by the enrollment or,
// failing that, by email. Parts not found stay nil.
func (s *CampaignEvents) Resolve(ctx context.Context, e CampaignEvent, email string) (EventTarget, error) {
	var t EventTarget
	t.InstanceID = e.InstanceID
	if t.InstanceID == nil && e.CampaignID != "" {
		var id uuid.UUID
		err := s.db.QueryRow(ctx, `SELECT id FROM campaign_instances WHERE lemlist_campaign_id = $1
			ORDER BY created_at LIMIT 1`, e.CampaignID).Scan(&id)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return t, fmt.Errorf("resolve instance: %w", err)
		}
		if err == nil {
			t.InstanceID = &id
		}
	}
	var enr, contact, inst uuid.UUID
	var lead *string
	err := s.db.QueryRow(ctx, `
		SELECT e.id, e.contact_id, e.instance_id, c.email, e.lemlist_lead_id
		FROM enrollments e JOIN contacts c ON c.id = e.contact_id
		WHERE ($1 <> '' AND e.lemlist_lead_id = $1 AND ($2::uuid IS NULL OR e.instance_id = $2))
		   OR ($3 <> '' AND $2::uuid IS NOT NULL AND e.instance_id = $2 AND c.email = $3)
		ORDER BY (e.lemlist_lead_id = $1) DESC NULLS LAST, e.created_at
		LIMIT 1`, e.LeadID, t.InstanceID, email).Scan(&enr, &contact, &inst, &t.Email, &lead)
	switch {
	case err == nil:
		t.EnrollmentID, t.ContactID, t.InstanceID = &enr, &contact, &inst
		if lead != nil {
			t.LemlistLeadID = *lead
		}
		return t, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return t, fmt.Errorf("resolve enrollment: %w", err)
	}
	if email == "" {
		return t, nil
	}
	err = s.db.QueryRow(ctx, `SELECT id, email FROM contacts WHERE email = $1`, email).Scan(&contact, &t.Email)
	switch {
	case err == nil:
		t.ContactID = &contact
	case !errors.Is(err, pgx.ErrNoRows):
		return t, fmt.Errorf("resolve contact: %w", err)
	}
	return t, nil
}

// MarkProcessed links the event to what it concerns and records that its
// rules were applied.
func (s *CampaignEvents) MarkProcessed(ctx context.Context, id int64, t EventTarget, at time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE campaign_events
		SET instance_id = coalesce($2, instance_id), enrollment_id = $3, contact_id = $4, processed_at = $5
		WHERE id = $1`, id, t.InstanceID, t.EnrollmentID, t.ContactID, at)
	if err != nil {
		return fmt.Errorf("mark campaign event %d processed: %w", id, err)
	}
	return nil
}

// StopRules returns the stop rules of an instance: the defaults, overlaid
// by its template's stop_rules, overlaid by the instance's own settings'
// stop_rules when it has any. A missing instance is ErrNotFound.
func (s *CampaignEvents) StopRules(ctx context.Context, instanceID uuid.UUID) (campaigns.StopRules, error) {
	var tmpl, inst []byte
	err := s.db.QueryRow(ctx, `SELECT t.settings->'stop_rules', i.settings->'stop_rules'
		FROM campaign_instances i JOIN campaign_templates t ON t.id = i.template_id
		WHERE i.id = $1`, instanceID).Scan(&tmpl, &inst)
	if err != nil {
		return campaigns.StopRules{}, fmt.Errorf("stop rules of instance %s: %w", instanceID, notFound(err))
	}
	rules := campaigns.DefaultSettings().StopRules
	for _, raw := range [][]byte{tmpl, inst} {
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		if err := json.Unmarshal(raw, &rules); err != nil {
			return campaigns.StopRules{}, fmt.Errorf("stop rules of instance %s: %w", instanceID, err)
		}
	}
	return rules, nil
}

// StoppedEnrollment is an enrollment an event stopped, with what mirroring
// the stop to lemlist needs.
type StoppedEnrollment struct {
	ID            uuid.UUID
	InstanceID    uuid.UUID
	LemlistLeadID string
	// LemlistCampaignID is the instance's campaign in lemlist.
	LemlistCampaignID string
}

// liveStatuses are the enrollment statuses an event may still stop.
const liveStatuses = `('pending', 'active', 'paused')`

// StopEnrollment stops a live enrollment (pending, active or paused) with
// reason at at; it reports false when the enrollment had already ended.
func (s *CampaignEvents) StopEnrollment(ctx context.Context, id uuid.UUID, reason string, at time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE enrollments
		SET status = 'stopped', stop_reason = $2, stopped_at = $3, updated_at = $3
		WHERE id = $1 AND status IN `+liveStatuses, id, reason, at)
	if err != nil {
		return false, fmt.Errorf("stop enrollment %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// StopCompany stops, with reason at at, the live enrollments of every other
// contact at the company of contactID (the same company_id, or the same
// non-empty domain), in every instance, and returns them. A contact with
// neither company nor domain stops no one.
func (s *CampaignEvents) StopCompany(ctx context.Context, contactID uuid.UUID, reason string, at time.Time) ([]StoppedEnrollment, error) {
	rows, err := s.db.Query(ctx, `
		WITH me AS (SELECT id, company_id, domain FROM contacts WHERE id = $1),
		peers AS (
			SELECT c.id FROM contacts c, me
			WHERE c.id <> me.id AND ((me.company_id IS NOT NULL AND c.company_id = me.company_id)
			                      OR (me.domain <> '' AND c.domain = me.domain)))
		UPDATE enrollments e
		SET status = 'stopped', stop_reason = $2, stopped_at = $3, updated_at = $3
		FROM campaign_instances i
		WHERE i.id = e.instance_id AND e.contact_id IN (SELECT id FROM peers) AND e.status IN `+liveStatuses+`
		RETURNING e.id, e.instance_id, coalesce(e.lemlist_lead_id, ''), coalesce(i.lemlist_campaign_id, '')`,
		contactID, reason, at)
	if err != nil {
		return nil, fmt.Errorf("stop company enrollments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (StoppedEnrollment, error) {
		var e StoppedEnrollment
		err := row.Scan(&e.ID, &e.InstanceID, &e.LemlistLeadID, &e.LemlistCampaignID)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("stop company enrollments: %w", err)
	}
	return out, nil
}

// VendorCursors holds the SQL of vendor_cursors: where periodic pulls of a
// vendor feed resume.
type VendorCursors struct{ db DBTX }

// NewVendorCursors returns the cursor queries on db.
func NewVendorCursors(db DBTX) *VendorCursors { return &VendorCursors{db: db} }

// Get returns the position of feed, and false when it has none yet.
func (s *VendorCursors) Get(ctx context.Context, feed string) (time.Time, bool, error) {
	var at time.Time
	err := s.db.QueryRow(ctx, `SELECT position FROM vendor_cursors WHERE name = $1`, feed).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("get cursor %s: %w", feed, err)
	}
	return at, true, nil
}

// Advance moves the position of feed to at, never backwards.
func (s *VendorCursors) Advance(ctx context.Context, feed string, at time.Time) error {
	_, err := s.db.Exec(ctx, `INSERT INTO vendor_cursors (name, position) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET position = greatest(vendor_cursors.position, excluded.position), updated_at = now()`,
		feed, at)
	if err != nil {
		return fmt.Errorf("advance cursor %s: %w", feed, err)
	}
	return nil
}
