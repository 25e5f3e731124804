package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/jobs"
)

// StartRunRequest starts a run of a stored workflow.
type StartRunRequest struct {
	Body struct {
		Name    string         `json:"name" pattern:"^[a-z][a-z0-9_-]{0,62}$" doc:"The workflow's name."`
		Version int            `json:"version,omitempty" minimum:"0" doc:"A stored version; the latest when absent. The run keeps it whatever is stored later."`
		Inputs  map[string]any `json:"inputs,omitempty" doc:"The workflow's declared inputs."`
		DryRun  bool           `json:"dry_run,omitempty" doc:"Follow the real plan and branches with every action stubbed by its declared output schema; nothing is written but the run's own records."`
	}
}

// WorkflowStepView is one step (or foreach item) of a run.
type WorkflowStepView struct {
	StepID     string          `json:"step_id"`
	Item       *int            `json:"item,omitempty" doc:"The foreach item; absent for the step itself."`
	Status     string          `json:"status" enum:"queued,running,waiting,completed,failed,skipped,cancelled"`
	Attempts   int             `json:"attempts"`
	Output     json.RawMessage `json:"output,omitempty"`
	Error      string          `json:"error,omitempty"`
	StartedAt  *time.Time      `json:"started_at,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
}

// WorkflowRunView is a run and, on GET of one, its steps.
type WorkflowRunView struct {
	ID         uuid.UUID          `json:"id"`
	Workflow   string             `json:"workflow"`
	Version    int                `json:"version"`
	Status     string             `json:"status" enum:"pending,running,paused,waiting,completed,failed,cancelled"`
	DryRun     bool               `json:"dry_run,omitempty"`
	Inputs     map[string]any     `json:"inputs"`
	Outputs    map[string]any     `json:"outputs,omitempty"`
	Error      string             `json:"error,omitempty"`
	CreatedAt  time.Time          `json:"created_at"`
	StartedAt  *time.Time         `json:"started_at,omitempty"`
	FinishedAt *time.Time         `json:"finished_at,omitempty"`
	Steps      []WorkflowStepView `json:"steps,omitempty"`
	Location   string             `json:"location"`
}

func workflowRunView(r store.WorkflowRun) WorkflowRunView {
	return WorkflowRunView{ID: r.ID, Workflow: r.Name, Version: r.Version, Status: r.Status, DryRun: r.DryRun, Inputs: r.Inputs,
		Outputs: r.Outputs, Error: r.Error, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		Location: "/api/v1/workflow-runs/" + r.ID.String()}
}

// WorkflowRunResponse is one run.
type WorkflowRunResponse struct {
	Status   int
	Location string `header:"Location"`
	Body     WorkflowRunView
}

// RunIDRequest names a run.
type RunIDRequest struct {
	ID uuid.UUID `path:"id" format:"uuid"`
}

// ListRunsRequest pages through runs.
type ListRunsRequest struct {
	PageParams
	Status   string `query:"status" enum:"pending,running,paused,waiting,completed,failed,cancelled"`
	Workflow string `query:"workflow" maxLength:"63"`
}

// ListRunsResponse is a page of runs, without their steps.
type ListRunsResponse struct {
	Body struct {
		Items      []WorkflowRunView `json:"items"`
		NextCursor string            `json:"next_cursor,omitempty" doc:"Pass as cursor to read the next page; absent on the last page."`
	}
}

func (s *Server) registerWorkflowRuns() {
	s.registerApprovals()
	s.registerWorkflowEvents()
	s.registerRunControls()
	run := map[string]any{metaScope: auth.WorkflowsRun}
	register(s, huma.Operation{
		OperationID: "start-workflow-run", Method: http.MethodPost, Path: "/api/v1/workflow-runs",
		Summary: "Start a workflow run", Tags: []string{"workflows"}, Metadata: run, DefaultStatus: http.StatusAccepted,
		Description: "Creates the run, pinned to the workflow's version, and enqueues its first steps in one transaction. " +
			"Each step then runs as a workflow_step job; GET the run for its progress. Honours Idempotency-Key.",
	}, func(ctx context.Context, in *StartRunRequest) (*WorkflowRunResponse, error) {
		var r store.WorkflowRun
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var err error
			r, err = s.engine.Start(jobs.WithClient(ctx, s.river), tx, engine.StartRequest{
				Name: in.Body.Name, Version: in.Body.Version, Inputs: in.Body.Inputs, APIKey: principalKeyID(ctx),
				DryRun: in.Body.DryRun})
			return err
		})
		var inErr *engine.InputError
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil, s.noSuchWorkflow(ctx, in.Body.Name, in.Body.Version)
		case errors.As(err, &inErr):
			details := make([]*huma.ErrorDetail, len(inErr.Diagnostics))
			for i, d := range inErr.Diagnostics {
				details[i] = &huma.ErrorDetail{Location: "body.inputs." + d.Input, Message: d.Message}
			}
			return nil, problem(http.StatusUnprocessableEntity, codeInvalid, "the inputs do not fit the workflow", details...)
		case err != nil:
			return nil, err
		}
		v := workflowRunView(r)
		return &WorkflowRunResponse{Status: http.StatusAccepted, Location: v.Location, Body: v}, nil
	})
	register(s, huma.Operation{
		OperationID: "get-workflow-run", Method: http.MethodGet, Path: "/api/v1/workflow-runs/{id}",
		Summary: "Get a workflow run with its steps", Tags: []string{"workflows"},
	}, func(ctx context.Context, in *RunIDRequest) (*WorkflowRunResponse, error) {
		runs := store.NewWorkflowRuns(s.pool)
		r, err := runs.Get(ctx, in.ID, false)
		if err != nil {
			return nil, err
		}
		steps, err := runs.Steps(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		v := workflowRunView(r)
		v.Steps = make([]WorkflowStepView, len(steps))
		for i, st := range steps {
			v.Steps[i] = WorkflowStepView{StepID: st.StepID, Status: st.Status, Attempts: st.Attempts, Output: st.Output,
				Error: st.Error, StartedAt: st.StartedAt, FinishedAt: st.FinishedAt}
			if st.Item >= 0 {
				v.Steps[i].Item = &st.Item
			}
		}
		return &WorkflowRunResponse{Status: http.StatusOK, Body: v}, nil
	})
	register(s, huma.Operation{
		OperationID: "list-workflow-runs", Method: http.MethodGet, Path: "/api/v1/workflow-runs",
		Summary: "List workflow runs", Tags: []string{"workflows"},
	}, func(ctx context.Context, in *ListRunsRequest) (*ListRunsResponse, error) {
		after, err := in.decode()
		if err != nil {
			return nil, err
		}
		rows, err := store.NewWorkflowRuns(s.pool).List(ctx, store.RunFilter{Status: in.Status, Name: in.Workflow}, after, in.Limit+1)
		if err != nil {
			return nil, err
		}
		out := &ListRunsResponse{}
		out.Body.Items, out.Body.NextCursor = trimPage(rows, in.Limit, workflowRunView,
			func(r store.WorkflowRun) string { return encodeCursor(store.Cursor{CreatedAt: r.CreatedAt, ID: r.ID}) })
		return out, nil
	})
}

// cancelRun cancels the run and its step jobs in tx.
func (s *Server) cancelRun(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if err := s.engine.Cancel(ctx, tx, id); err != nil {
		return err
	}
	_, err := jobs.CancelRunJobs(ctx, tx, s.river, id)
	return err
}

// noSuchWorkflow is the 404 of a run's missing workflow: at body.version
// when the name is stored but not that version, else at body.name.
func (s *Server) noSuchWorkflow(ctx context.Context, name string, version int) error {
	if version != 0 {
		if _, err := store.NewWorkflowDefinitions(s.pool).Get(ctx, name, 0); err == nil {
			return problem(http.StatusNotFound, codeNotFound, "no such workflow version",
				&huma.ErrorDetail{Location: "body.version", Message: fmt.Sprintf("workflow %s has no version %d", name, version), Value: version})
		}
	}
	return problem(http.StatusNotFound, codeNotFound, "no such workflow",
		&huma.ErrorDetail{Location: "body.name", Message: "no stored workflow of this name", Value: name})
}

// principalKeyID is the API key behind the request, if any.
func principalKeyID(ctx context.Context) *uuid.UUID {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok || p.KeyID == uuid.Nil {
		return nil
	}
	id := p.KeyID
	return &id
}

// DecideRequest approves or rejects a waiting approval step.
type DecideRequest struct {
	ID   uuid.UUID   `path:"id" format:"uuid"`
	Step string      `path:"step" maxLength:"63" pattern:"^[a-z][a-z0-9_-]{0,62}$"`
	Body *DecideBody // optional: a decision needs no comment
}

// DecideBody is a decision's optional comment.
type DecideBody struct {
	Comment string `json:"comment,omitempty" maxLength:"2000" doc:"Why; kept in the step's output."`
}

func (s *Server) registerApprovals() {
	run := map[string]any{metaScope: auth.WorkflowsRun}
	for _, d := range []struct {
		verb    string
		approve bool
	}{{"approve", true}, {"reject", false}} {
		register(s, huma.Operation{
			OperationID: d.verb + "-workflow-step", Method: http.MethodPost, Path: "/api/v1/workflow-runs/{id}/steps/{step}/" + d.verb,
			Summary: d.verb + " a waiting approval step", Tags: []string{"workflows"}, Metadata: run,
			Description: "Decides an approval step that is waiting: approving completes it and the run goes on; rejecting fails it " +
				"(its on_error applies). The body, with its comment, is optional. A step that is not one of the workflow's " +
				"approval steps is a 404; a step not waiting, or a run not running, is a 409.",
		}, func(ctx context.Context, in *DecideRequest) (*WorkflowRunResponse, error) {
			var comment string
			if in.Body != nil {
				comment = in.Body.Comment
			}
			var r store.WorkflowRun
			err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
				if err := s.engine.Decide(jobs.WithClient(ctx, s.river), tx, in.ID, in.Step, d.approve, comment); err != nil {
					return err
				}
				var err error
				r, err = store.NewWorkflowRuns(tx).Get(ctx, in.ID, false)
				return err
			})
			switch {
			case errors.Is(err, engine.ErrNoApprovalStep):
				return nil, problem(http.StatusNotFound, codeNotFound, err.Error(),
					&huma.ErrorDetail{Location: "path.step", Message: err.Error(), Value: in.Step})
			case errors.Is(err, engine.ErrNotWaiting), errors.Is(err, engine.ErrRunNotRunning):
				return nil, problem(http.StatusConflict, codeConflict, err.Error(),
					&huma.ErrorDetail{Location: "path.step", Message: err.Error(), Value: in.Step})
			case err != nil:
				return nil, err
			}
			return &WorkflowRunResponse{Status: http.StatusOK, Body: workflowRunView(r)}, nil
		})
	}
}

func (s *Server) registerRunControls() {
	run := map[string]any{metaScope: auth.WorkflowsRun}
	for _, c := range []struct {
		verb, summary, doc string
		do                 func(context.Context, pgx.Tx, uuid.UUID) error
	}{
		{"cancel", "Cancel a workflow run", "Marks the run and its unfinished steps cancelled and cancels their jobs, in one " +
			"transaction; a step finishing afterwards stores nothing.", s.cancelRun},
		{"pause", "Pause a workflow run", "No step starts until the run is resumed; steps running now finish and their outcomes are kept.", s.engine.Pause},
		{"resume", "Resume a paused workflow run", "Its waiting step jobs are woken in the same transaction and start at once.", s.engine.Resume},
		{"retry", "Retry a failed workflow run from its failed steps", "The failed steps (and their foreach items) run afresh; completed steps keep their outputs.", s.engine.Retry},
	} {
		register(s, huma.Operation{
			OperationID: c.verb + "-workflow-run", Method: http.MethodPost, Path: "/api/v1/workflow-runs/{id}/" + c.verb,
			Summary: c.summary, Tags: []string{"workflows"}, Metadata: run,
			Description: c.doc + " A run in another state is a 409.",
		}, func(ctx context.Context, in *RunIDRequest) (*WorkflowRunResponse, error) {
			var r store.WorkflowRun
			err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
				if err := c.do(jobs.WithClient(ctx, s.river), tx, in.ID); err != nil {
					return err
				}
				var err error
				r, err = store.NewWorkflowRuns(tx).Get(ctx, in.ID, false)
				return err
			})
			if errors.Is(err, engine.ErrWrongState) {
				return nil, problem(http.StatusConflict, codeConflict, "the run's state does not allow "+c.verb)
			}
			if err != nil {
				return nil, err
			}
			return &WorkflowRunResponse{Status: http.StatusOK, Body: workflowRunView(r)}, nil
		})
	}
}
