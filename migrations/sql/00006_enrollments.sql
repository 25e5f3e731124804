-- Campaign enrollments through lemlist (issue 6): the day an enrollment's
-- lead was counted against its instance's daily cap.

-- +goose Up
-- send_day is the UTC day whose daily cap the enrollment's lemlist add was
-- counted against. It is reserved (under a lock on the instance row) before
-- the lead is sent, so concurrent outreach_enroll jobs never exceed the cap,
-- and kept when a retry of the same day sends again, so a retry is not
-- counted twice.
ALTER TABLE enrollments ADD COLUMN send_day date;
CREATE INDEX enrollments_send_day_idx ON enrollments (instance_id, send_day) WHERE send_day IS NOT NULL;

-- +goose Down
DROP INDEX enrollments_send_day_idx;
ALTER TABLE enrollments DROP COLUMN send_day;
