package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// PersonalData holds the SQL that finds and erases what the platform holds
// about one contact beyond its own row: the places its data is copied to
// (campaign events, replayable idempotent responses, queued jobs) and the
// records that refer to it. Erasure and export read the same list of
// places from this one file, so they cannot drift apart.
type PersonalData struct{ db DBTX }

// NewPersonalData returns the queries on db, a pool or a transaction.
func NewPersonalData(db DBTX) *PersonalData { return &PersonalData{db: db} }

// ErasedCopies counts what EraseCopies removed or scrubbed.
type ErasedCopies struct {
	EventsScrubbed            int64 `json:"events_scrubbed"`
	IdempotencyRecordsDeleted int64 `json:"idempotency_records_deleted"`
	JobsDeleted               int64 `json:"jobs_deleted"`
}

// notRunJobStates are the River states of jobs that have not started: they
// can be deleted safely, while a running job finds its contact gone and
// completes as a no-op.
var notRunJobStates = []string{"available", "scheduled", "retryable", "pending"}

const (
	// Events linked to the contact, and those never linked to anyone that
	// name its address (a webhook for a lead no enrollment matched).
	scrubEventsSQL = `
UPDATE campaign_events SET payload = '{}'
WHERE (contact_id = $1 OR contact_id IS NULL AND lower(payload->>'leadEmail') = $2) AND payload <> '{}'`
	// A stored response that names the contact (its id in the body or the
	// Location header, or its address, e.g. in a 409) would replay its data.
	deleteIdempotencySQL = `
DELETE FROM idempotency_keys
WHERE position(convert_to($1::text, 'UTF8') IN coalesce(response_body, '')) > 0
   OR position(convert_to($2::text, 'UTF8') IN coalesce(response_body, '')) > 0
   OR strpos(response_headers::text, $1::text) > 0`
	// Pipeline args carry the contact as contact_id (jobs/pipeline.go); the
	// containment test uses River's GIN index on args.
	deleteJobsSQL = `
DELETE FROM river_job
WHERE state = ANY($2::river_job_state[])
  AND args @> jsonb_build_object('contact_id', $1::text)`
)

// EraseCopies scrubs and deletes the copies of the contact with id and
// address email that would outlive its row: campaign event payloads become
// {} (their contact_id goes NULL with the row; unlinked events naming the
// address are scrubbed too), idempotency records whose
// response names the contact are deleted, and so are the jobs about it that
// have not run. Enrollments and YOLO decisions go with the row (ON DELETE
// CASCADE). Run it in the transaction that deletes the row.
func (p *PersonalData) EraseCopies(ctx context.Context, id uuid.UUID, email string) (ErasedCopies, error) {
	var out ErasedCopies
	tag, err := p.db.Exec(ctx, scrubEventsSQL, id, email)
	if err != nil {
		return out, fmt.Errorf("scrub campaign events: %w", err)
	}
	out.EventsScrubbed = tag.RowsAffected()
	if tag, err = p.db.Exec(ctx, deleteIdempotencySQL, id.String(), email); err != nil {
		return out, fmt.Errorf("delete idempotency records: %w", err)
	}
	out.IdempotencyRecordsDeleted = tag.RowsAffected()
	if tag, err = p.db.Exec(ctx, deleteJobsSQL, id.String(), notRunJobStates); err != nil {
		return out, fmt.Errorf("delete queued jobs: %w", err)
	}
	out.JobsDeleted = tag.RowsAffected()
	return out, nil
}

// SuppressErased records hash as an erased email entry with no plain value.
// An entry already listing the address (added by hand, say) loses its plain
// value and becomes an erasure entry, which cannot be removed.
func (p *PersonalData) SuppressErased(ctx context.Context, kind string, hash []byte) error {
	_, err := p.db.Exec(ctx, `
INSERT INTO suppressions (kind, value, value_hash, reason, source)
VALUES ($1, NULL, $2, 'erased', 'erasure')
ON CONFLICT (kind, value_hash) DO UPDATE SET value = NULL, reason = 'erased'`, kind, hash)
	if err != nil {
		return fmt.Errorf("record erased suppression: %w", err)
	}
	return nil
}

// Audit appends an audit_log row. actor is the API key acting, nil when
// none; details must carry no personal data.
func (p *PersonalData) Audit(ctx context.Context, actor *uuid.UUID, action, target, targetID string, details any) error {
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	if _, err := p.db.Exec(ctx, `
INSERT INTO audit_log (api_key_id, action, target, target_id, details) VALUES ($1, $2, $3, $4, $5)`,
		actor, action, target, targetID, raw); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// ContactImport is the import a contact came from.
type ContactImport struct {
	ID        uuid.UUID `json:"id"`
	Filename  string    `json:"filename"`
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"created_at"`
}

// Import returns the import with id, or ErrNotFound.
func (p *PersonalData) Import(ctx context.Context, id uuid.UUID) (ContactImport, error) {
	var i ContactImport
	err := p.db.QueryRow(ctx, `SELECT id, filename, format, created_at FROM imports WHERE id = $1`, id).
		Scan(&i.ID, &i.Filename, &i.Format, &i.CreatedAt)
	if err != nil {
		return ContactImport{}, fmt.Errorf("import by id: %w", notFound(err))
	}
	return i, nil
}

// ContactEnrollment is one enrollment of a contact in a campaign.
type ContactEnrollment struct {
	ID              uuid.UUID       `json:"id"`
	InstanceID      uuid.UUID       `json:"instance_id"`
	TemplateID      uuid.UUID       `json:"template_id"`
	Status          string          `json:"status"`
	CurrentStep     int             `json:"current_step"`
	Variant         string          `json:"variant"`
	LemlistLeadID   *string         `json:"lemlist_lead_id,omitempty"`
	Personalization json.RawMessage `json:"personalization"`
	StopReason      string          `json:"stop_reason"`
	EnrolledAt      *time.Time      `json:"enrolled_at,omitempty"`
	StoppedAt       *time.Time      `json:"stopped_at,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
}

// Enrollments returns the contact's enrollments, oldest first.
func (p *PersonalData) Enrollments(ctx context.Context, contactID uuid.UUID) ([]ContactEnrollment, error) {
	rows, err := p.db.Query(ctx, `
SELECT id, instance_id, template_id, status, current_step, variant, lemlist_lead_id, personalization,
       stop_reason, enrolled_at, stopped_at, created_at
FROM enrollments WHERE contact_id = $1 ORDER BY created_at, id`, contactID)
	if err != nil {
		return nil, fmt.Errorf("contact enrollments: %w", err)
	}
	return collect(rows, "contact enrollments", func(r pgx.CollectableRow) (e ContactEnrollment, err error) {
		err = r.Scan(&e.ID, &e.InstanceID, &e.TemplateID, &e.Status, &e.CurrentStep, &e.Variant,
			&e.LemlistLeadID, &e.Personalization, &e.StopReason, &e.EnrolledAt, &e.StoppedAt, &e.CreatedAt)
		return e, err
	})
}

// ContactEvent is one campaign event about a contact.
type ContactEvent struct {
	ID            int64           `json:"id"`
	InstanceID    *uuid.UUID      `json:"instance_id,omitempty"`
	EnrollmentID  *uuid.UUID      `json:"enrollment_id,omitempty"`
	Type          string          `json:"type"`
	Step          *int            `json:"step,omitempty"`
	Vendor        string          `json:"vendor"`
	VendorEventID *string         `json:"vendor_event_id,omitempty"`
	Payload       json.RawMessage `json:"payload"`
	OccurredAt    time.Time       `json:"occurred_at"`
}

// Events returns the contact's campaign events in the order they happened.
func (p *PersonalData) Events(ctx context.Context, contactID uuid.UUID) ([]ContactEvent, error) {
	rows, err := p.db.Query(ctx, `
SELECT id, instance_id, enrollment_id, type, step, vendor, vendor_event_id, payload, occurred_at
FROM campaign_events WHERE contact_id = $1 ORDER BY occurred_at, id`, contactID)
	if err != nil {
		return nil, fmt.Errorf("contact events: %w", err)
	}
	return collect(rows, "contact events", func(r pgx.CollectableRow) (e ContactEvent, err error) {
		err = r.Scan(&e.ID, &e.InstanceID, &e.EnrollmentID, &e.Type, &e.Step, &e.Vendor, &e.VendorEventID,
			&e.Payload, &e.OccurredAt)
		return e, err
	})
}

// ContactDecision is one YOLO decision about a contact.
type ContactDecision struct {
	ID        uuid.UUID       `json:"id"`
	Decision  string          `json:"decision"`
	Status    string          `json:"status"`
	Reasons   json.RawMessage `json:"reasons"`
	CreatedAt time.Time       `json:"created_at"`
	DecidedAt *time.Time      `json:"decided_at,omitempty"`
}

// Decisions returns the YOLO decisions about the contact, oldest first.
func (p *PersonalData) Decisions(ctx context.Context, contactID uuid.UUID) ([]ContactDecision, error) {
	rows, err := p.db.Query(ctx, `
SELECT id, decision, status, reasons, created_at, decided_at
FROM yolo_decisions WHERE contact_id = $1 ORDER BY created_at, id`, contactID)
	if err != nil {
		return nil, fmt.Errorf("contact decisions: %w", err)
	}
	return collect(rows, "contact decisions", func(r pgx.CollectableRow) (d ContactDecision, err error) {
		err = r.Scan(&d.ID, &d.Decision, &d.Status, &d.Reasons, &d.CreatedAt, &d.DecidedAt)
		return d, err
	})
}

// ContactJob is one River job about a contact.
type ContactJob struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Queue       string     `json:"queue"`
	State       string     `json:"state"`
	Attempt     int        `json:"attempt"`
	CreatedAt   time.Time  `json:"created_at"`
	FinalizedAt *time.Time `json:"finalized_at,omitempty"`
}

// Jobs returns the jobs whose args name the contact, alone (contact_id)
// or among others (contact_ids), oldest first.
func (p *PersonalData) Jobs(ctx context.Context, contactID uuid.UUID) ([]ContactJob, error) {
	rows, err := p.db.Query(ctx, `
SELECT id, kind, queue, state::text, attempt, created_at, finalized_at
FROM river_job
WHERE args @> jsonb_build_object('contact_id', $1::text)
   OR args @> jsonb_build_object('contact_ids', jsonb_build_array($1::text))
ORDER BY id`, contactID.String())
	if err != nil {
		return nil, fmt.Errorf("contact jobs: %w", err)
	}
	return collect(rows, "contact jobs", func(r pgx.CollectableRow) (j ContactJob, err error) {
		err = r.Scan(&j.ID, &j.Kind, &j.Queue, &j.State, &j.Attempt, &j.CreatedAt, &j.FinalizedAt)
		return j, err
	})
}

// collect reads rows with scan, never returning nil, so an export lists
// an empty table as [].
func collect[T any](rows pgx.Rows, op string, scan pgx.RowToFunc[T]) ([]T, error) {
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}
