-- The enrichment waterfall (issue 4): claims that let one job look up a
-- vendor batch of contacts or companies while no other job looks up the
-- same rows, the head-count band vendors give instead of a count, and the
-- daily credit ceiling every worker process shares.

-- +goose Up
-- A job claims the rows of its vendor batch (its own and those of other
-- queued jobs) until enrichment_claimed_until; their jobs then find them
-- claimed and wait, or enriched and finish without a vendor call. A claim
-- of a crashed job simply expires.
ALTER TABLE contacts
    ADD COLUMN enrichment_claimed_by bigint,
    ADD COLUMN enrichment_claimed_until timestamptz;
ALTER TABLE companies
    ADD COLUMN enrichment_claimed_by bigint,
    ADD COLUMN enrichment_claimed_until timestamptz,
    -- The vendor's head-count band ("51-200", "10001+") when it gives no
    -- exact count (employee_count then stays NULL).
    ADD COLUMN employee_range text NOT NULL DEFAULT '';

-- Credits the enrichment jobs spent per vendor and UTC day, next to the
-- ceiling the spending worker had configured; jobs stop calling a vendor
-- whose spend reached its ceiling until the next UTC day.
CREATE TABLE enrichment_credits (
    vendor      text NOT NULL,
    day         date NOT NULL,
    spent       bigint NOT NULL DEFAULT 0 CHECK (spent >= 0),
    ceiling     bigint NOT NULL DEFAULT 0 CHECK (ceiling >= 0),
    snoozes     bigint NOT NULL DEFAULT 0 CHECK (snoozes >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (vendor, day)
);

-- +goose Down
DROP TABLE enrichment_credits;
ALTER TABLE companies DROP COLUMN enrichment_claimed_by, DROP COLUMN enrichment_claimed_until,
    DROP COLUMN employee_range;
ALTER TABLE contacts DROP COLUMN enrichment_claimed_by, DROP COLUMN enrichment_claimed_until;
