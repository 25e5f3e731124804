package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/pipeline"
	"github.com/rtgs/sales-automation/jobs"
)

// pipelineKinds are the job kinds of the prospect pipeline, in chain order.
var pipelineKinds = []string{jobs.KindImportContacts, jobs.KindEnrichContacts, jobs.KindEnrichContact, jobs.KindEnrichCompany,
	jobs.KindScoreContact, jobs.KindCRMSyncContacts}

// PipelineProgress is where the prospect pipeline stands.
type PipelineProgress struct {
	Contacts struct {
		ByEnrichmentStatus map[string]int64 `json:"by_enrichment_status" doc:"Every status, zeros included."`
		BySyncStatus       map[string]int64 `json:"by_sync_status" doc:"Every status, zeros included."`
		SyncWaiting        int64            `json:"sync_waiting" doc:"Marked for CRM sync and not yet synced."`
		SyncBackingOff     int64            `json:"sync_backing_off" doc:"Of those waiting, the ones retrying after a failure."`
	} `json:"contacts"`
	Companies struct {
		ByEnrichmentStatus map[string]int64 `json:"by_enrichment_status"`
	} `json:"companies"`
	Jobs          map[string]map[string]int64 `json:"jobs" doc:"Unfinished jobs per pipeline kind and state (available, scheduled, running, retryable, pending)."`
	ActiveImports []PipelineImport            `json:"active_imports" doc:"Imports queued or running, oldest first (at most 100)."`
}

// PipelineImport is an unfinished import's progress; GET /api/v1/imports/{id}
// has the whole import.
type PipelineImport struct {
	ID                 uuid.UUID  `json:"id"`
	Status             string     `json:"status" enum:"queued,running"`
	Filename           string     `json:"filename"`
	Bytes              int64      `json:"bytes"`
	RowsRead           int64      `json:"rows_read"`
	Inserted           int64      `json:"inserted"`
	Updated            int64      `json:"updated"`
	Skipped            int64      `json:"skipped"`
	Invalid            int64      `json:"invalid"`
	EnrichmentEnqueued int64      `json:"enrichment_enqueued"`
	CreatedAt          time.Time  `json:"created_at"`
	StartedAt          *time.Time `json:"started_at,omitempty"`
}

// PipelineResponse is the pipeline's progress.
type PipelineResponse struct {
	Body PipelineProgress
}

func (s *Server) registerPipeline() {
	register(s, huma.Operation{
		OperationID: "get-pipeline", Method: http.MethodGet, Path: "/api/v1/pipeline",
		Summary: "Pipeline progress", Tags: []string{"contacts"}, Metadata: map[string]any{metaScope: auth.ContactsRead},
		Description: "Contacts and companies by enrichment and sync status, contacts waiting for CRM sync, the pipeline's " +
			"unfinished jobs per kind and state, and the imports in progress: poll it to watch imports, enrichment and " +
			"sync batches advance.",
	}, func(ctx context.Context, _ *struct{}) (*PipelineResponse, error) {
		p, err := pipeline.Read(ctx, s.pool, pipelineKinds, time.Now())
		if err != nil {
			return nil, err
		}
		return &PipelineResponse{Body: pipelineView(p)}, nil
	})
}

func pipelineView(p *pipeline.Progress) PipelineProgress {
	var out PipelineProgress
	out.Contacts.ByEnrichmentStatus, out.Contacts.BySyncStatus = p.ContactsByEnrichment, p.ContactsBySync
	out.Contacts.SyncWaiting, out.Contacts.SyncBackingOff = p.SyncWaiting, p.SyncBackingOff
	out.Companies.ByEnrichmentStatus = p.CompaniesByEnrichment
	out.Jobs = p.Jobs
	out.ActiveImports = make([]PipelineImport, len(p.ActiveImports))
	for i, im := range p.ActiveImports {
		out.ActiveImports[i] = PipelineImport{ID: im.ID, Status: im.Status, Filename: im.Filename, Bytes: im.Bytes,
			RowsRead: im.RowsRead, Inserted: im.Inserted, Updated: im.Updated, Skipped: im.Skipped, Invalid: im.Invalid,
			EnrichmentEnqueued: im.EnrichmentEnqueued, CreatedAt: im.CreatedAt, StartedAt: im.StartedAt}
	}
	return out
}
