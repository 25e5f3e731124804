-- Event waits of the workflow engine: a step parked until an event (a reply,
-- say) is found by the event and key it waits for (engine.Signal).

-- +goose Up
CREATE INDEX workflow_step_runs_event_wait_idx
    ON workflow_step_runs ((output->>'event'), (output->>'key'))
    WHERE status = 'waiting';

-- +goose Down
DROP INDEX workflow_step_runs_event_wait_idx;
