package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/jobs"
)

// enqueueChunk bounds the jobs one insert statement carries, so a large
// selection is queued in several statements of one transaction.
const enqueueChunk = 5000

// TriggerRequest selects the contacts of a bulk action.
type TriggerRequest struct {
	Body ContactSelection
}

// EnrichTriggerResponse says how many contacts were selected and how many
// enrichment jobs were queued for them.
type EnrichTriggerResponse struct {
	Body struct {
		Selected int `json:"selected" doc:"Contacts the selection resolved to."`
		Enqueued int `json:"enqueued" doc:"Enrichment jobs queued; a contact whose job already waits or runs gets none."`
	}
}

// SyncTriggerResponse says how many contacts were selected and marked for
// CRM sync.
type SyncTriggerResponse struct {
	Body struct {
		Selected int `json:"selected" doc:"Contacts the selection resolved to."`
		Marked   int `json:"marked" doc:"Contacts marked for sync; batches of up to 100 follow within seconds (GET /api/v1/pipeline)."`
	}
}

func (s *Server) registerTriggers() {
	write := map[string]any{metaScope: auth.ContactsWrite}
	register(s, huma.Operation{
		OperationID: "enrich-contacts", Method: http.MethodPost, Path: "/api/v1/contacts/enrich",
		Summary: "Enrich contacts", Tags: []string{"contacts"}, Metadata: write, DefaultStatus: http.StatusAccepted,
		Description: "Queues an enrich_contact job for each selected contact (contact_ids, or the filters of " +
			"GET /api/v1/contacts), in one transaction. Contacts enriched within the cache TTL finish without a vendor call.",
	}, func(ctx context.Context, in *TriggerRequest) (*EnrichTriggerResponse, error) {
		ids, err := s.selectContacts(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		enqueued, err := s.enqueueEnrichment(ctx, ids)
		if err != nil {
			return nil, err
		}
		out := &EnrichTriggerResponse{}
		out.Body.Selected, out.Body.Enqueued = len(ids), enqueued
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "sync-contacts-to-crm", Method: http.MethodPost, Path: "/api/v1/crm/sync",
		Summary: "Sync contacts to HubSpot", Tags: []string{"crm"}, Metadata: write, DefaultStatus: http.StatusAccepted,
		Description: "Marks the selected contacts for sync. Requests coalesce: one crm_sync_contacts job at a time takes " +
			"the oldest marks in batches of up to 100 and upserts their companies, the contacts and their associations.",
	}, func(ctx context.Context, in *TriggerRequest) (*SyncTriggerResponse, error) {
		ids, err := s.selectContacts(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		marked, err := s.requestCRMSync(ctx, ids)
		if err != nil {
			return nil, err
		}
		out := &SyncTriggerResponse{}
		out.Body.Selected, out.Body.Marked = len(ids), marked
		return out, nil
	})
}

// enqueueEnrichment queues enrich_contact for ids in one transaction and
// returns how many jobs were new (unique ones already waiting are not).
func (s *Server) enqueueEnrichment(ctx context.Context, ids []uuid.UUID) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin enrichment trigger: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	enqueued := 0
	for start := 0; start < len(ids); start += enqueueChunk {
		chunk := ids[start:min(start+enqueueChunk, len(ids))]
		params := make([]river.InsertManyParams, len(chunk))
		for i, id := range chunk {
			params[i] = river.InsertManyParams{Args: jobs.EnrichContactArgs{ContactID: id}}
		}
		results, err := s.river.InsertManyTx(ctx, tx, params)
		if err != nil {
			return 0, fmt.Errorf("enqueue enrichment: %w", err)
		}
		for _, r := range results {
			if !r.UniqueSkippedAsDuplicate {
				enqueued++
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("commit enrichment trigger: %w", err)
	}
	return enqueued, nil
}

// requestCRMSync marks ids for sync and queues the sync job, in one
// transaction.
func (s *Server) requestCRMSync(ctx context.Context, ids []uuid.UUID) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin crm sync trigger: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	marked, err := jobs.RequestCRMSync(ctx, tx, s.river, ids)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("commit crm sync trigger: %w", err)
	}
	return marked, nil
}
