package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/internal/store"
)

type enrollActionInput struct {
	InstanceID string      `json:"campaign_instance_id"`
	ContactIDs []uuid.UUID `json:"contact_ids"`
	MinScore   *int        `json:"min_score"`
}

// enrollInCampaign is the enroll_in_campaign workflow action: it enrolls
// the contacts into the instance as POST …/enrollments does, in one
// transaction with their outreach_enroll jobs. It is idempotent by the
// enrollments' unique (instance, contact) key rather than by a stored
// idempotency key: a repeat of the same step (same inputs) enrolls nobody
// twice and answers the same, since enrolled counts the contacts that are
// in the instance after the call, whether this call or an earlier one put
// them there; skipped counts the others (by reason in skipped_by_reason).
func enrollInCampaign(ctx context.Context, deps Deps, in engine.Invocation) (any, error) {
	args, err := decodeInputs[enrollActionInput](in)
	if err != nil {
		return nil, err
	}
	id, err := uuid.Parse(args.InstanceID)
	if err != nil {
		return nil, &engine.PermanentError{Err: fmt.Errorf("campaign_instance_id: %w", err)}
	}
	if len(args.ContactIDs) > MaxEnrollIDs {
		return nil, &engine.PermanentError{Err: fmt.Errorf("contact_ids: at most %d", MaxEnrollIDs)}
	}
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return nil, err
	}
	var res EnrollResult
	err = pgx.BeginFunc(ctx, deps.Pool, func(tx pgx.Tx) error {
		res, err = EnrollContacts(ctx, tx, client, deps.Hasher, EnrollInput{InstanceID: id, ContactIDs: args.ContactIDs, MinScore: args.MinScore})
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInstanceStatus):
		return nil, &engine.PermanentError{Err: fmt.Errorf("campaign instance %s: %w", id, err)}
	case err != nil:
		return nil, err
	}
	ids := make([]string, 0, len(res.Enrolled)+len(res.Existing))
	for _, e := range res.Enrolled {
		ids = append(ids, e.ID.String())
	}
	for _, e := range res.Existing {
		ids = append(ids, e.String())
	}
	byReason := map[string]any{}
	for k, n := range res.Skipped {
		byReason[k] = n
	}
	already := len(res.Existing)
	delete(byReason, "already_enrolled")
	return map[string]any{
		"enrolled":          len(res.Enrolled) + already,
		"newly_enrolled":    len(res.Enrolled),
		"skipped":           res.SkippedTotal - already,
		"skipped_by_reason": byReason,
		"enrollment_ids":    ids,
	}, nil
}
