package api

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/store"
)

// maxSelection caps the contacts one bulk action (enrich, sync, score)
// covers, so one request enqueues a bounded amount of work in one
// transaction.
const maxSelection = 100_000

// ContactSelection picks the contacts of a bulk action: by ids, or by the
// filters of the contact list. Exactly one of the two is sent.
type ContactSelection struct {
	ContactIDs []uuid.UUID     `json:"contact_ids,omitempty" maxItems:"100000" format:"uuid" doc:"These contacts; each must exist."`
	Filter     *ContactFilters `json:"filter,omitempty" doc:"Every contact matching these filters (those of GET /api/v1/contacts), at most 100000."`
}

// ContactFilters are the contact list's filters as a JSON object.
type ContactFilters struct {
	Email            string     `json:"email,omitempty" maxLength:"320"`
	Domain           string     `json:"domain,omitempty" maxLength:"500"`
	CompanyID        *uuid.UUID `json:"company_id,omitempty" format:"uuid"`
	MinScore         *int       `json:"min_score,omitempty" minimum:"0" maximum:"100"`
	MaxScore         *int       `json:"max_score,omitempty" minimum:"0" maximum:"100"`
	EnrichmentStatus string     `json:"enrichment_status,omitempty" enum:"pending,enriched,not_found,failed"`
	Tags             []string   `json:"tags,omitempty" maxItems:"20"`
	CreatedAfter     *time.Time `json:"created_after,omitempty"`
	CreatedBefore    *time.Time `json:"created_before,omitempty"`
}

func (f ContactFilters) store() store.ContactFilter {
	return store.ContactFilter{
		Email: optString(f.Email), Domain: optString(f.Domain), CompanyID: f.CompanyID,
		MinScore: f.MinScore, MaxScore: f.MaxScore, EnrichmentStatus: optString(f.EnrichmentStatus),
		Tags: f.Tags, CreatedAfter: f.CreatedAfter, CreatedBefore: f.CreatedBefore,
	}
}

// selectContacts resolves sel to contact ids, or a problem naming the
// field at fault (both or neither sent, an unknown id, a filter matching
// too many).
func (s *Server) selectContacts(ctx context.Context, sel ContactSelection) ([]uuid.UUID, error) {
	var f *store.ContactFilter
	if sel.Filter != nil {
		sf := sel.Filter.store()
		f = &sf
	}
	return s.contacts.SelectContacts(ctx, sel.ContactIDs, f, maxSelection)
}
