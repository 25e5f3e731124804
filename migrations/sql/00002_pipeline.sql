-- The prospect pipeline (issue 4): uploaded import bytes waiting for their
-- import job, and the marks by which CRM sync requests coalesce into batches.

-- +goose Up
-- An upload is stored as it arrives, in chunks, in the transaction that
-- creates its imports row and enqueues its import_contacts job; the job
-- reads the chunks in order and deletes them when the import is done.
CREATE TABLE import_chunks (
    import_id uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    seq       int NOT NULL CHECK (seq >= 0),
    data      bytea NOT NULL,
    PRIMARY KEY (import_id, seq)
);

ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports
    ADD CONSTRAINT imports_status_check CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    ALTER COLUMN status SET DEFAULT 'queued',
    -- rows_done is the last data row whose batch committed: a restarted
    -- import job skips the rows up to it, so no row is written twice.
    ADD COLUMN rows_done bigint NOT NULL DEFAULT 0,
    ADD COLUMN bytes bigint NOT NULL DEFAULT 0,
    ADD COLUMN enrichment_enqueued bigint NOT NULL DEFAULT 0,
    ADD COLUMN options jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN started_at timestamptz;

-- A sync request marks the row; crm_sync_contacts takes the oldest marks
-- (at most 100) whose sync_not_before has passed.
ALTER TABLE contacts
    ADD COLUMN sync_requested_at timestamptz,
    ADD COLUMN sync_attempts int NOT NULL DEFAULT 0,
    ADD COLUMN sync_not_before timestamptz;
CREATE INDEX contacts_sync_requested_idx ON contacts (sync_requested_at, id)
    WHERE sync_requested_at IS NOT NULL;

-- +goose Down
DROP INDEX contacts_sync_requested_idx;
ALTER TABLE contacts DROP COLUMN sync_requested_at, DROP COLUMN sync_attempts, DROP COLUMN sync_not_before;
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports DROP COLUMN rows_done, DROP COLUMN bytes, DROP COLUMN enrichment_enqueued,
    DROP COLUMN options, DROP COLUMN started_at,
    ALTER COLUMN status SET DEFAULT 'running';
UPDATE imports SET status = 'running' WHERE status = 'queued';
ALTER TABLE imports ADD CONSTRAINT imports_status_check CHECK (status IN ('running', 'completed', 'failed'));
DROP TABLE import_chunks;
