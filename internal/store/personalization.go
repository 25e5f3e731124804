package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Personalization is the AI personalisation state of one enrollment: the
// personalization_* columns and the text stored under the template's
// field.
type Personalization struct {
	EnrollmentID uuid.UUID
	TemplateID   uuid.UUID
	ContactID    uuid.UUID
	Status       string // "" when never started; pending, ready, approved, edited, failed
	Text         string // the stored text of field, "" when none
	Model        string
	Reason       string // the reason code of a failure
	UpdatedAt    *time.Time
	// Enrollment is the enrollment's status and whether its lead is in
	// lemlist: a sent lead's text can no longer change.
	EnrollmentStatus string
	Sent             bool
}

// GetPersonalization returns the personalisation of the enrollment for the
// custom field field, or ErrNotFound. With lock, the row stays locked until
// db's transaction ends.
func (s *Enrollments) GetPersonalization(ctx context.Context, id uuid.UUID, field string, lock bool) (Personalization, error) {
	q := `SELECT id, template_id, contact_id, COALESCE(personalization_status, ''),
		COALESCE(personalization->>$2, ''), personalization_model, personalization_error,
		personalization_updated_at, status, enrolled_at IS NOT NULL
		FROM enrollments WHERE id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	var p Personalization
	err := s.db.QueryRow(ctx, q, id, field).Scan(&p.EnrollmentID, &p.TemplateID, &p.ContactID, &p.Status,
		&p.Text, &p.Model, &p.Reason, &p.UpdatedAt, &p.EnrollmentStatus, &p.Sent)
	if err != nil {
		return Personalization{}, fmt.Errorf("get personalization: %w", notFound(err))
	}
	return p, nil
}

// StartPersonalization marks the enrollments pending personalisation.
// Only enrollments that never started are marked.
func (s *Enrollments) StartPersonalization(ctx context.Context, ids []uuid.UUID, at time.Time) error {
	if _, err := s.db.Exec(ctx, `UPDATE enrollments SET personalization_status = 'pending',
		personalization_updated_at = $2, updated_at = greatest(now(), updated_at)
		WHERE id = ANY($1) AND personalization_status IS NULL`, ids, at); err != nil {
		return fmt.Errorf("start personalization: %w", err)
	}
	return nil
}

// PersonalizationUpdate is a change of an enrollment's personalisation.
type PersonalizationUpdate struct {
	Field  string
	Status string
	Text   string // stored under Field when not ""; "" removes what Field held
	Model  string
	Reason string
	// From lists the statuses the change may leave; others leave the row
	// as it is and SetPersonalization reports false.
	From []string
}

// SetPersonalization applies u to the enrollment when its personalisation
// status is one of u.From and its lead is not sent yet, reporting whether
// it did. Text is written under the field only when given; a failure
// removes any text the field held, so unusable text is never kept.
func (s *Enrollments) SetPersonalization(ctx context.Context, id uuid.UUID, u PersonalizationUpdate, at time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		UPDATE enrollments SET
			personalization = CASE WHEN $3 = '' THEN personalization - $2
				ELSE personalization || jsonb_build_object($2::text, $3::text) END,
			personalization_status = $4, personalization_model = $5, personalization_error = $6,
			personalization_updated_at = $7, updated_at = greatest(now(), updated_at)
		WHERE id = $1 AND COALESCE(personalization_status, '') = ANY($8) AND enrolled_at IS NULL`,
		id, u.Field, u.Text, u.Status, u.Model, u.Reason, at, u.From)
	if err != nil {
		return false, fmt.Errorf("set personalization: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}
