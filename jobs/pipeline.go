package jobs

import (
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// The prospect pipeline is a chain of jobs, each enqueued in the transaction
// that wrote the rows it works on:
//
//	import_contacts ─▶ enrich_contacts ─▶ enrich_contact ─▶ score_contact ─▶ crm_sync_contacts
//	                   (fan-out of up to    └▶ enrich_company (once per domain per cache TTL)
//	                    1,000 contacts)
//
// Args carry ids, never PII, so an erased contact leaves nothing behind in
// queued jobs (DESIGN.md section 4). Kinds are stored on job rows: never
// rename one in place.
const (
	KindImportContacts  = "import_contacts"
	KindEnrichContacts  = "enrich_contacts"
	KindEnrichContact   = "enrich_contact"
	KindEnrichCompany   = "enrich_company"
	KindScoreContact    = "score_contact"
	KindCRMSyncContacts = "crm_sync_contacts"
)

// pendingStates are the states in which a unique pipeline job counts as
// already there: asking again while one waits or runs adds nothing, while
// asking after it finished queues a fresh run that sees the newer data.
// River requires available, pending, running and scheduled in any ByState.
var pendingStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRetryable,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// ImportContactsArgs processes one uploaded import whose bytes the API
// stored in import_chunks.
type ImportContactsArgs struct {
	ImportID uuid.UUID `json:"import_id"`
}

// Kind implements river.JobArgs.
func (ImportContactsArgs) Kind() string { return KindImportContacts }

// InsertOpts: imports are database-bound work with no vendor in them, so
// they run on the maintenance queue rather than wait behind vendor limits.
func (ImportContactsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 10,
		UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// EnrichContactArgs enriches one contact through the people waterfall.
type EnrichContactArgs struct {
	ContactID uuid.UUID `json:"contact_id"`
}

// Kind implements river.JobArgs.
func (EnrichContactArgs) Kind() string { return KindEnrichContact }

// InsertOpts: one queued enrichment per contact however often it is asked.
func (EnrichContactArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueEnrichment, MaxAttempts: 10,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
}

// EnrichCompanyArgs enriches one company (by its domain) through the
// company waterfall.
type EnrichCompanyArgs struct {
	CompanyID uuid.UUID `json:"company_id"`
}

// Kind implements river.JobArgs.
func (EnrichCompanyArgs) Kind() string { return KindEnrichCompany }

// InsertOpts: one queued enrichment per company however many contacts ask.
func (EnrichCompanyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueEnrichment, MaxAttempts: 10,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
}

// ScoreContactArgs scores one contact against one ICP profile, or against
// every active profile (keeping the best) when ProfileID is nil.
type ScoreContactArgs struct {
	ContactID uuid.UUID  `json:"contact_id"`
	ProfileID *uuid.UUID `json:"profile_id,omitempty"`
}

// Kind implements river.JobArgs.
func (ScoreContactArgs) Kind() string { return KindScoreContact }

// InsertOpts: scoring is local work; it shares the enrichment queue, whose
// results it reads.
func (ScoreContactArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueEnrichment, MaxAttempts: 5,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
}

// CRMSyncContactsArgs syncs the next batch (at most 100) of contacts whose
// sync was requested. It carries nothing: requests are marks on the rows
// (contacts.sync_requested_at), and one queued job at a time, scheduled a
// moment ahead, lets many small requests coalesce into full batches.
type CRMSyncContactsArgs struct{}

// Kind implements river.JobArgs.
func (CRMSyncContactsArgs) Kind() string { return KindCRMSyncContacts }

// CRMSyncCoalesce is how long a sync request waits for others to join its
// batch.
const CRMSyncCoalesce = 2 * time.Second

// InsertOpts: unique while queued or running. A batch that leaves requests
// behind queues the next batch after completing itself (in its own
// transaction), and a periodic sweep catches requests that arrived too late
// for that check.
func (CRMSyncContactsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueCRM, MaxAttempts: 25,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
}
