package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/jobs"
)

// WorkflowEventRequest brings an event to the workflow steps waiting for it.
type WorkflowEventRequest struct {
	Body struct {
		Event string         `json:"event" maxLength:"63" pattern:"^[a-z][a-z0-9_.-]{0,62}$" doc:"The event a wait step names in wait.event."`
		Key   string         `json:"key,omitempty" maxLength:"200" doc:"The key a wait step evaluated from wait.key; empty matches the waits without one."`
		Data  map[string]any `json:"data,omitempty" doc:"Becomes the output's data of every step it wakes."`
	}
}

// WorkflowEventResponse says how many waiting steps the event woke.
type WorkflowEventResponse struct {
	Body struct {
		Woken int `json:"woken" doc:"Steps that were waiting for this event and key and now completed; 0 when none was."`
	}
}

func (s *Server) registerWorkflowEvents() {
	register(s, huma.Operation{
		OperationID: "signal-workflow-event", Method: http.MethodPost, Path: "/api/v1/workflow-events",
		Summary: "Bring an event to waiting workflow steps", Tags: []string{"workflows"},
		Metadata: map[string]any{metaScope: auth.WorkflowsRun},
		Description: "Completes every step waiting for this event with this key (wait: {event, key}), with data in its output, " +
			"and their runs go on, in one transaction. An event nobody waits for is dropped. Campaign events (replies, " +
			"bounces, ...) are brought to waits by the platform itself; this is for events from elsewhere.",
	}, func(ctx context.Context, in *WorkflowEventRequest) (*WorkflowEventResponse, error) {
		out := &WorkflowEventResponse{}
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) (err error) {
			out.Body.Woken, err = s.engine.Signal(jobs.WithClient(ctx, s.river), tx, in.Body.Event, in.Body.Key, in.Body.Data)
			return err
		})
		return out, err
	})
}
