package contacts

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/store"
)

// Suppression reasons a client may give; "erased" is recorded only by GDPR
// erasure, which keeps no plain value.
var SuppressionReasons = []string{"manual", "unsubscribed", "bounced", "complaint"}

// ReasonErased marks the entries GDPR erasure records.
const ReasonErased = "erased"

// SuppressionInput is an entry a client adds to the suppression list.
type SuppressionInput struct {
	Kind   string // KindEmail or KindDomain
	Value  string
	Reason string // one of SuppressionReasons; "" means manual
	Source string
}

// AddSuppression normalises the value for its kind and adds it; adding one
// that is already listed returns the existing entry with created false.
func (s *Service) AddSuppression(ctx context.Context, in SuppressionInput) (sup store.Suppression, created bool, err error) {
	v := &ValidationError{In: "body"}
	var value string
	switch in.Kind {
	case KindEmail:
		value, err = NormalizeEmail(in.Value)
	case KindDomain:
		value, err = NormalizeDomain(in.Value)
	default:
		v.Add("kind", "must be %q or %q", KindEmail, KindDomain)
	}
	if err != nil {
		v.Add("value", "%v", err)
	}
	reason := in.Reason
	if reason == "" {
		reason = "manual"
	}
	if !slices.Contains(SuppressionReasons, reason) {
		v.Add("reason", "must be one of manual, unsubscribed, bounced, complaint")
	}
	source := text(v, "source", in.Source, MaxLongText)
	if err := v.Err(); err != nil {
		return store.Suppression{}, false, err
	}
	return store.NewSuppressions(s.pool).Add(ctx, store.Suppression{
		Kind: in.Kind, Value: &value, ValueHash: s.hasher.Hash(in.Kind, value), Reason: reason, Source: source,
	})
}

// Suppression returns the entry with id, or store.ErrNotFound.
func (s *Service) Suppression(ctx context.Context, id uuid.UUID) (store.Suppression, error) {
	return store.NewSuppressions(s.pool).ByID(ctx, id)
}

// ListSuppressions returns a page of entries, of kind when it is set.
func (s *Service) ListSuppressions(ctx context.Context, kind *string, p store.ListPage) ([]store.Suppression, error) {
	return store.NewSuppressions(s.pool).List(ctx, kind, p)
}

// DeleteSuppression removes the entry with id, so the address may be
// imported and contacted again; a missing entry is store.ErrNotFound. An
// entry recorded by an erasure stays: removing it would let the erased
// person be imported again, which erasure promised would not happen.
func (s *Service) DeleteSuppression(ctx context.Context, id uuid.UUID) error {
	sups := store.NewSuppressions(s.pool)
	sup, err := sups.ByID(ctx, id)
	if err != nil {
		return err
	}
	if sup.Reason == ReasonErased {
		return invalid("path", "id", "recorded by an erasure; it cannot be removed")
	}
	return sups.Delete(ctx, id)
}
