package jobs

// Queue names (DESIGN.md section 4). They must match the keys of
// config.DefaultQueues, which decides what a worker serves; a test holds the
// two lists together. Queue names are stored on every job row, so renaming
// one strands the jobs already queued under the old name.
const (
	// QueueEnrichment runs contact and company enrichment, bounded by the
	// enrichment vendors' limits and credits.
	QueueEnrichment = "enrichment"
	// QueueCRM runs CRM syncs, bounded by HubSpot's limits.
	QueueCRM = "crm"
	// QueueOutreach runs campaign enrollment and activity pulls, bounded by
	// lemlist's limits.
	QueueOutreach = "outreach"
	// QueueAI runs personalisation, scoring and chat replies, bounded by the
	// model vendors' limits.
	QueueAI = "ai"
	// QueueWorkflow runs workflow steps.
	QueueWorkflow = "workflow"
	// QueueMaintenance runs periodic housekeeping (cleanup, YOLO cycles).
	QueueMaintenance = "maintenance"
)

// Queues lists every queue name above, for code that must cover them all
// (metrics, the queue list of the API).
func Queues() []string {
	return []string{QueueEnrichment, QueueCRM, QueueOutreach, QueueAI, QueueWorkflow, QueueMaintenance}
}
