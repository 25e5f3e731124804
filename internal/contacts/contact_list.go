package contacts

import (
	"context"

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
	v := &ValidationError{In: "query"}
	if f.Email != nil {
		e, err := NormalizeEmail(*f.Email)
		if err != nil {
			v.Add("email", "%v", err)
		}
		f.Email = &e
	}
	if f.Domain != nil {
		d, err := NormalizeDomain(*f.Domain)
		if err != nil {
			v.Add("domain", "%v", err)
		}
		f.Domain = &d
	}
	if f.MinScore != nil && f.MaxScore != nil && *f.MinScore > *f.MaxScore {
		v.Add("min_score", "must not exceed max_score (%d > %d)", *f.MinScore, *f.MaxScore)
	}
	if f.CreatedAfter != nil && f.CreatedBefore != nil && !f.CreatedAfter.Before(*f.CreatedBefore) {
		v.Add("created_after", "must be before created_before")
	}
	if len(f.Tags) > 0 {
		f.Tags = normalizeTags(v, "tags", f.Tags)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return store.NewContacts(s.pool).List(ctx, f, p)
}
