package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ErrEnrollmentStatus is returned when an enrollment's status does not
// allow what was asked (resuming an active one, pausing a stopped one); it
// is an ErrConflict.
var ErrEnrollmentStatus = fmt.Errorf("enrollment status does not allow this: %w", ErrConflict)

// Enrollment is one row of enrollments: a contact in a campaign instance.
type Enrollment struct {
	ID              uuid.UUID
	InstanceID      uuid.UUID
	TemplateID      uuid.UUID
	ContactID       uuid.UUID
	Status          string // pending, active, paused, completed, stopped, failed
	Variant         string
	LemlistLeadID   *string
	Personalization map[string]any
	// PersonalizationStatus is "" for templates without AI personalisation,
	// else pending, ready, approved, edited or failed.
	PersonalizationStatus string
	StopReason            string
	EnrolledAt            *time.Time // when lemlist accepted the lead
	StoppedAt             *time.Time
	SendDay               *time.Time // the UTC day counted against the daily cap
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// EnrollCandidate is what enrolling needs to know of a contact.
type EnrollCandidate struct {
	ID       uuid.UUID
	Email    string
	Domain   string
	ICPScore *int
}

// NewEnrollment is one enrollment inserted.
type NewEnrollment struct {
	ID        uuid.UUID
	ContactID uuid.UUID
}

// Enrollments holds the SQL of the enrollments table.
type Enrollments struct{ db DBTX }

// NewEnrollments returns the enrollment queries on db, a pool or a
// transaction.
func NewEnrollments(db DBTX) *Enrollments { return &Enrollments{db: db} }

const enrollmentColumns = `id, instance_id, template_id, contact_id, status, variant, lemlist_lead_id,
	personalization, COALESCE(personalization_status, ''), stop_reason, enrolled_at, stopped_at, send_day, created_at, updated_at`

func scanEnrollment(row pgx.Row) (Enrollment, error) {
	var e Enrollment
	err := row.Scan(&e.ID, &e.InstanceID, &e.TemplateID, &e.ContactID, &e.Status, &e.Variant, &e.LemlistLeadID,
		&e.Personalization, &e.PersonalizationStatus, &e.StopReason, &e.EnrolledAt, &e.StoppedAt, &e.SendDay, &e.CreatedAt, &e.UpdatedAt)
	return e, err
}

// Candidates returns the contacts among ids that exist, with what
// enrolling checks; erased contacts are absent.
func (s *Enrollments) Candidates(ctx context.Context, ids []uuid.UUID) ([]EnrollCandidate, error) {
	rows, err := s.db.Query(ctx, `SELECT id, email, domain, icp_score FROM contacts WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("enrollment candidates: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (EnrollCandidate, error) {
		var c EnrollCandidate
		err := r.Scan(&c.ID, &c.Email, &c.Domain, &c.ICPScore)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("enrollment candidates: %w", err)
	}
	return out, nil
}

// SuppressionReasons returns, for each of keys that is suppressed, the
// reason of its entry, keyed by SuppressionKey.ID.
func (s *Enrollments) SuppressionReasons(ctx context.Context, keys []SuppressionKey) (map[string]string, error) {
	out := map[string]string{}
	if len(keys) == 0 {
		return out, nil
	}
	kinds := make([]string, len(keys))
	hashes := make([][]byte, len(keys))
	for i, k := range keys {
		kinds[i], hashes[i] = k.Kind, k.Hash
	}
	rows, err := s.db.Query(ctx, `
		SELECT kind, value_hash, reason FROM suppressions
		WHERE (kind, value_hash) IN (SELECT * FROM unnest($1::text[], $2::bytea[]))`, kinds, hashes)
	if err != nil {
		return nil, fmt.Errorf("match suppressions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k SuppressionKey
		var reason string
		if err := rows.Scan(&k.Kind, &k.Hash, &reason); err != nil {
			return nil, fmt.Errorf("match suppressions: %w", err)
		}
		out[k.ID()] = reason
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("match suppressions: %w", err)
	}
	return out, nil
}

// InsertPending enrolls contactIDs into the instance as pending and returns
// the enrollments made. A contact already in the instance, or live
// (pending, active, paused) in another instance of the same template, is
// left out by the table's unique indexes, so concurrent requests never
// enroll a contact twice. A contact erased meanwhile is left out too.
func (s *Enrollments) InsertPending(ctx context.Context, instanceID, templateID uuid.UUID, contactIDs []uuid.UUID) ([]NewEnrollment, error) {
	rows, err := s.db.Query(ctx, `
		INSERT INTO enrollments (instance_id, template_id, contact_id)
		SELECT $1, $2, c.id FROM unnest($3::uuid[]) WITH ORDINALITY AS u(id, n)
		JOIN contacts c ON c.id = u.id
		ORDER BY u.n
		ON CONFLICT DO NOTHING
		RETURNING id, contact_id`, instanceID, templateID, contactIDs)
	if err != nil {
		return nil, fmt.Errorf("insert enrollments: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[NewEnrollment])
	if err != nil {
		return nil, fmt.Errorf("insert enrollments: %w", err)
	}
	return out, nil
}

// InInstance returns those of contactIDs enrolled in the instance, in any
// status, with their enrollment ids.
func (s *Enrollments) InInstance(ctx context.Context, instanceID uuid.UUID, contactIDs []uuid.UUID) (map[uuid.UUID]uuid.UUID, error) {
	rows, err := s.db.Query(ctx, `SELECT contact_id, id FROM enrollments WHERE instance_id = $1 AND contact_id = ANY($2)`,
		instanceID, contactIDs)
	if err != nil {
		return nil, fmt.Errorf("enrollments in instance: %w", err)
	}
	defer rows.Close()
	out := map[uuid.UUID]uuid.UUID{}
	for rows.Next() {
		var c, e uuid.UUID
		if err := rows.Scan(&c, &e); err != nil {
			return nil, fmt.Errorf("enrollments in instance: %w", err)
		}
		out[c] = e
	}
	return out, rows.Err()
}

// Get returns the enrollment with id, or ErrNotFound.
func (s *Enrollments) Get(ctx context.Context, id uuid.UUID) (Enrollment, error) {
	return s.get(ctx, id, "")
}

// GetForUpdate is Get with the row locked until db's transaction ends.
func (s *Enrollments) GetForUpdate(ctx context.Context, id uuid.UUID) (Enrollment, error) {
	return s.get(ctx, id, " FOR UPDATE")
}

// get reads enrollment id with lock, a locking clause or "".
func (s *Enrollments) get(ctx context.Context, id uuid.UUID, lock string) (Enrollment, error) {
	e, err := scanEnrollment(s.db.QueryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments WHERE id = $1`+lock, id))
	if err != nil {
		return Enrollment{}, fmt.Errorf("get enrollment: %w", notFound(err))
	}
	return e, nil
}

// EnrollmentFilter narrows a list of enrollments; nil fields do not.
type EnrollmentFilter struct {
	Status                *string
	PersonalizationStatus *string // "ready" and "failed" are the review queue
}

// List returns up to limit enrollments of the instance that pass f,
// ordered by (created_at, id) after the cursor.
func (s *Enrollments) List(ctx context.Context, instanceID uuid.UUID, f EnrollmentFilter, after *Cursor, limit int) ([]Enrollment, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list enrollments: limit %d must be positive", limit)
	}
	var at *time.Time
	var id *uuid.UUID
	if after != nil {
		at, id = &after.CreatedAt, &after.ID
	}
	rows, err := s.db.Query(ctx, `
		SELECT `+enrollmentColumns+` FROM enrollments
		WHERE instance_id = $1 AND ($2::text IS NULL OR status = $2)
		  AND ($6::text IS NULL OR personalization_status = $6)
		  AND ($3::timestamptz IS NULL OR (created_at, id) > ($3, $4::uuid))
		ORDER BY created_at, id
		LIMIT $5`, instanceID, f.Status, at, id, limit, f.PersonalizationStatus)
	if err != nil {
		return nil, fmt.Errorf("list enrollments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Enrollment, error) { return scanEnrollment(r) })
	if err != nil {
		return nil, fmt.Errorf("list enrollments: %w", err)
	}
	return out, nil
}

// CountSendDay returns how many of the instance's enrollments were counted
// against day's cap.
func (s *Enrollments) CountSendDay(ctx context.Context, instanceID uuid.UUID, day time.Time) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM enrollments WHERE instance_id = $1 AND send_day = $2::date`,
		instanceID, day).Scan(&n); err != nil {
		return 0, fmt.Errorf("count daily sends: %w", err)
	}
	return n, nil
}

// ReserveSendDay counts the enrollment against day's cap and records the
// variant it is sent with.
func (s *Enrollments) ReserveSendDay(ctx context.Context, id uuid.UUID, day time.Time, variant string) error {
	if _, err := s.db.Exec(ctx, `UPDATE enrollments SET send_day = $2::date, variant = $3,
		updated_at = greatest(now(), updated_at) WHERE id = $1`, id, day, variant); err != nil {
		return fmt.Errorf("reserve daily send: %w", err)
	}
	return nil
}

// MarkSent records that lemlist holds the enrollment's lead: its lead id
// (nil when lemlist answered that it had the lead already, keeping any id
// known) and the time, and moves a pending enrollment to active. An
// enrollment paused or stopped meanwhile keeps its status; it reports the
// status afterwards, for the caller to mirror.
func (s *Enrollments) MarkSent(ctx context.Context, id uuid.UUID, leadID *string, at time.Time) (string, error) {
	var status string
	err := s.db.QueryRow(ctx, `
		UPDATE enrollments SET lemlist_lead_id = COALESCE($2, lemlist_lead_id),
			enrolled_at = COALESCE(enrolled_at, $3),
			status = CASE WHEN status = 'pending' THEN 'active' ELSE status END,
			updated_at = greatest(now(), updated_at)
		WHERE id = $1 RETURNING status`, id, leadID, at).Scan(&status)
	if err != nil {
		return "", fmt.Errorf("mark enrollment sent: %w", notFound(err))
	}
	return status, nil
}

// End moves a live (pending, active or paused) enrollment to status
// (stopped or failed) with reason. It reports whether it did; an
// enrollment already ended is left as it is.
func (s *Enrollments) End(ctx context.Context, id uuid.UUID, status, reason string, at time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		UPDATE enrollments SET status = $2, stop_reason = $3, stopped_at = $4,
			updated_at = greatest(now(), updated_at)
		WHERE id = $1 AND status IN ('pending', 'active', 'paused')`, id, status, reason, at)
	if err != nil {
		return false, fmt.Errorf("end enrollment: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Transition moves the enrollment from one of from to to: to "resume"
// (to == "") a paused enrollment goes back to active when its lead is in
// lemlist, else to pending. Stopping records reason. An enrollment in
// another status is ErrEnrollmentStatus; a missing one ErrNotFound.
func (s *Enrollments) Transition(ctx context.Context, id uuid.UUID, from []string, to, reason string, at time.Time) (Enrollment, error) {
	out, err := scanEnrollment(s.db.QueryRow(ctx, `
		UPDATE enrollments SET
			status = CASE WHEN $3 = '' THEN (CASE WHEN enrolled_at IS NULL THEN 'pending' ELSE 'active' END) ELSE $3 END,
			stop_reason = CASE WHEN $3 = 'stopped' THEN $4 ELSE stop_reason END,
			stopped_at = CASE WHEN $3 = 'stopped' THEN $5 ELSE stopped_at END,
			updated_at = greatest(now(), updated_at)
		WHERE id = $1 AND status = ANY($2)
		RETURNING `+enrollmentColumns, id, from, to, reason, at))
	if err == nil {
		return out, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Enrollment{}, fmt.Errorf("transition enrollment: %w", err)
	}
	cur, err := s.Get(ctx, id)
	if err != nil {
		return Enrollment{}, err
	}
	return cur, fmt.Errorf("transition enrollment from %s: %w", cur.Status, ErrEnrollmentStatus)
}
