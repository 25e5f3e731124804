package contacts

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/store"
)

// Enrichment states a contact or company can be in.
var EnrichmentStatuses = []string{"pending", "enriched", "not_found", "failed"}

// ListContacts returns a page of contacts matching f. Filter values are
// normalised like stored ones (an email filter in capitals still matches);
// a filter that can match nothing by construction (min_score above
// max_score, an empty time window, an invalid email) is a *ValidationError
// on the query rather than an empty page, since it is always a client bug.
func (s *Service) ListContacts(ctx context.Context, f store.ContactFilter, p store.ListPage) ([]store.Contact, error) {
	f, err := NormalizeFilter(f, "query", "")
	if err != nil {
		return nil, err
	}
	return store.NewContacts(s.pool).List(ctx, f, p)
}

// NormalizeFilter normalises the values of f like stored ones and refuses
// a filter that can match nothing by construction, naming each bad field
// in location in (query or body) under prefix (such as "filter.").
func NormalizeFilter(f store.ContactFilter, in, prefix string) (store.ContactFilter, error) {
	v := &ValidationError{In: in}
	if f.Email != nil {
		e, err := NormalizeEmail(*f.Email)
		if err != nil {
			v.Add(prefix+"email", "%v", err)
		}
		f.Email = &e
	}
	if f.Domain != nil {
		d, err := NormalizeDomain(*f.Domain)
		if err != nil {
			v.Add(prefix+"domain", "%v", err)
		}
		f.Domain = &d
	}
	if f.MinScore != nil && f.MaxScore != nil && *f.MinScore > *f.MaxScore {
		v.Add(prefix+"min_score", "must not exceed max_score (%d > %d)", *f.MinScore, *f.MaxScore)
	}
	if f.CreatedAfter != nil && f.CreatedBefore != nil && !f.CreatedAfter.Before(*f.CreatedBefore) {
		v.Add(prefix+"created_after", "must be before created_before")
	}
	if len(f.Tags) > 0 {
		f.Tags = normalizeTags(v, prefix+"tags", f.Tags)
	}
	return f, v.Err()
}

// SelectContacts resolves the selection of a bulk action: the contacts
// named by ids (each must exist), or up to limit contacts matching filter.
// Exactly one of the two must be given; a filter matching more than limit
// contacts is refused rather than cut short, so an action never silently
// covers part of what was asked.
func (s *Service) SelectContacts(ctx context.Context, ids []uuid.UUID, filter *store.ContactFilter, limit int) ([]uuid.UUID, error) {
	v := &ValidationError{In: "body"}
	contacts := store.NewContacts(s.pool)
	switch {
	case len(ids) > 0 && filter != nil:
		v.Add("contact_ids", "send contact_ids or filter, not both")
	case len(ids) > 0:
		if len(ids) > limit {
			v.Add("contact_ids", "at most %d ids per request", limit)
			break
		}
		found, err := contacts.ExistingIDs(ctx, ids)
		if err != nil {
			return nil, err
		}
		known := make(map[uuid.UUID]bool, len(found))
		for _, id := range found {
			known[id] = true
		}
		for i, id := range ids {
			if !known[id] {
				v.Add(fmt.Sprintf("contact_ids[%d]", i), "no such contact")
			}
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		return found, nil
	case filter != nil:
		f, err := NormalizeFilter(*filter, "body", "filter.")
		if err != nil {
			return nil, err
		}
		matched, err := contacts.MatchingIDs(ctx, f, limit+1)
		if err != nil {
			return nil, err
		}
		if len(matched) > limit {
			v.Add("filter", "matches more than %d contacts; narrow it or split the request", limit)
			break
		}
		return matched, nil
	default:
		v.Add("contact_ids", "send contact_ids or filter")
	}
	return nil, v.Err()
}
