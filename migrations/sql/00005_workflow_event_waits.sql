-- Event waits of the workflow engine: a step parked until an event (a reply,
-- say) is found by the event and key it waits for (engine.Signal). They are
-- a table of their own, not an index on workflow_step_runs, so that the
-- frequent updates of step rows stay heap-only (HOT).

-- +goose Up
CREATE TABLE workflow_event_waits (
    run_id     uuid NOT NULL REFERENCES workflow_states (id) ON DELETE CASCADE,
    step_id    text NOT NULL,
    event      text NOT NULL,
    key        text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, step_id)
);
CREATE INDEX workflow_event_waits_event_idx ON workflow_event_waits (event, key);

-- +goose Down
DROP TABLE workflow_event_waits;
