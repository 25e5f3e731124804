-- Campaign events (issue 6): lemlist webhooks and the activity backfill
-- land in campaign_events, keyed by the vendor's event id; a processing job
-- links each to its instance, enrollment and contact and applies the stop
-- rules. The metrics endpoint counts them.

-- +goose Up
-- lead_id is lemlist's lead id (lea_…), kept as a column so metrics count
-- distinct leads before the processing job has linked the enrollment;
-- processed_at is when that job linked the event and applied its rules.
ALTER TABLE campaign_events
    ADD COLUMN lead_id text,
    ADD COLUMN processed_at timestamptz;

-- Metrics read an instance's events by type and step, counting leads.
CREATE INDEX campaign_events_metrics_idx ON campaign_events (instance_id, type, step, lead_id);

-- Events find their instance by lemlist campaign and their enrollment by
-- lemlist lead.
CREATE INDEX campaign_instances_lemlist_idx ON campaign_instances (lemlist_campaign_id)
    WHERE lemlist_campaign_id IS NOT NULL;
CREATE INDEX enrollments_lemlist_lead_idx ON enrollments (lemlist_lead_id)
    WHERE lemlist_lead_id IS NOT NULL;

-- Where a periodic pull of a vendor's feed resumes: the newest event time
-- it has stored. One row per feed ("lemlist_activities").
CREATE TABLE vendor_cursors (
    name       text PRIMARY KEY,
    position   timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE vendor_cursors;
DROP INDEX enrollments_lemlist_lead_idx;
DROP INDEX campaign_instances_lemlist_idx;
DROP INDEX campaign_events_metrics_idx;
ALTER TABLE campaign_events DROP COLUMN processed_at, DROP COLUMN lead_id;
