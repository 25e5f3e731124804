-- AI personalisation of enrollments (issue 6): the state of the custom
-- field an ai_personalize job writes. The usable text itself lives in the
-- enrollment's personalization jsonb under the template's field, where the
-- outreach_enroll job's rendering reads it; rejected AI text is never
-- stored.

-- +goose Up
-- personalization_status is NULL for enrollments of templates without
-- personalisation; pending until the ai_personalize job settles it; ready
-- (AI text that passed the checks), approved (by a person), edited
-- (written by a person) or failed with personalization_error, a stable
-- reason code. personalization_model names the vendor and model that
-- wrote the text.
ALTER TABLE enrollments
    ADD COLUMN personalization_status text
        CHECK (personalization_status IN ('pending', 'ready', 'approved', 'edited', 'failed')),
    ADD COLUMN personalization_model text NOT NULL DEFAULT '',
    ADD COLUMN personalization_error text NOT NULL DEFAULT '',
    ADD COLUMN personalization_updated_at timestamptz;
-- The review queue: AI text waiting for a person.
CREATE INDEX enrollments_personalization_review_idx ON enrollments (instance_id, created_at)
    WHERE personalization_status IN ('ready', 'failed');

-- +goose Down
DROP INDEX enrollments_personalization_review_idx;
ALTER TABLE enrollments
    DROP COLUMN personalization_updated_at,
    DROP COLUMN personalization_error,
    DROP COLUMN personalization_model,
    DROP COLUMN personalization_status;
