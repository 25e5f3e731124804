package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/internal/auth"
)

// Job is a River job as the API shows it.
type Job struct {
	ID          int64                    `json:"id"`
	Kind        string                   `json:"kind"`
	Queue       string                   `json:"queue"`
	State       string                   `json:"state"`
	Attempt     int                      `json:"attempt"`
	MaxAttempts int                      `json:"max_attempts"`
	Priority    int                      `json:"priority"`
	Args        json.RawMessage          `json:"args"`
	Output      json.RawMessage          `json:"output,omitempty" doc:"What the job recorded as its result, if anything."`
	Tags        []string                 `json:"tags"`
	Errors      []rivertype.AttemptError `json:"errors,omitempty"`
	CreatedAt   time.Time                `json:"created_at"`
	ScheduledAt time.Time                `json:"scheduled_at"`
	AttemptedAt *time.Time               `json:"attempted_at,omitempty"`
	FinalizedAt *time.Time               `json:"finalized_at,omitempty"`
}

// JobListRequest filters and pages jobs.
type JobListRequest struct {
	State  []string `query:"state" enum:"available,cancelled,completed,discarded,pending,retryable,running,scheduled" maxItems:"8" doc:"Comma-separated states."`
	Kind   []string `query:"kind" maxItems:"20" doc:"Comma-separated job kinds."`
	Queue  []string `query:"queue" maxItems:"20" doc:"Comma-separated queue names."`
	Limit  int      `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Cursor string   `query:"cursor" maxLength:"1024" doc:"next_cursor of the previous page."`
}

// JobListResponse is a page of jobs.
type JobListResponse struct {
	Body struct {
		Items      []Job  `json:"items"`
		NextCursor string `json:"next_cursor,omitempty"`
	}
}

// JobIDParam names one job.
type JobIDParam struct {
	ID int64 `path:"id" minimum:"1" doc:"River job id"`
}

// JobResponse is one job.
type JobResponse struct {
	Body Job
}

func (s *Server) registerJobs() {
	tags := []string{"queue operations"}
	admin := map[string]any{metaScope: auth.Admin}
	register(s, huma.Operation{
		OperationID: "list-jobs", Method: http.MethodGet, Path: "/api/v1/jobs",
		Summary: "List jobs", Description: "Any authenticated key may read jobs; their args carry ids, never PII.", Tags: tags,
	}, s.listJobs)
	register(s, huma.Operation{
		OperationID: "get-job", Method: http.MethodGet, Path: "/api/v1/jobs/{id}",
		Summary: "Get a job", Tags: tags,
	}, s.getJob)
	register(s, huma.Operation{
		OperationID: "cancel-job", Method: http.MethodPost, Path: "/api/v1/jobs/{id}/cancel",
		Summary:     "Cancel a job (admin)",
		Description: "A job not yet running is cancelled at once; a running job's context is cancelled and it ends cancelled.",
		Tags:        tags, Metadata: admin,
	}, s.cancelJob)
	register(s, huma.Operation{
		OperationID: "retry-job", Method: http.MethodPost, Path: "/api/v1/jobs/{id}/retry",
		Summary: "Make a job available to run now (admin)", Tags: tags, Metadata: admin,
	}, s.retryJob)
}

func (s *Server) listJobs(ctx context.Context, in *JobListRequest) (*JobListResponse, error) {
	params := river.NewJobListParams().First(in.Limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if len(in.State) > 0 {
		states := make([]rivertype.JobState, len(in.State))
		for i, st := range in.State {
			states[i] = rivertype.JobState(st)
		}
		params = params.States(states...)
	}
	if len(in.Kind) > 0 {
		params = params.Kinds(in.Kind...)
	}
	if len(in.Queue) > 0 {
		params = params.Queues(in.Queue...)
	}
	if in.Cursor != "" {
		var cur river.JobListCursor
		if err := cur.UnmarshalText([]byte(in.Cursor)); err != nil {
			return nil, badCursor(in.Cursor)
		}
		params = params.After(&cur)
	}
	res, err := s.river.JobList(ctx, params)
	if err != nil {
		return nil, err
	}
	out := &JobListResponse{}
	out.Body.Items = make([]Job, len(res.Jobs))
	for i, j := range res.Jobs {
		out.Body.Items[i] = jobView(j)
	}
	if len(res.Jobs) == in.Limit && res.LastCursor != nil {
		text, err := res.LastCursor.MarshalText()
		if err != nil {
			return nil, err
		}
		out.Body.NextCursor = string(text)
	}
	return out, nil
}

func (s *Server) getJob(ctx context.Context, in *JobIDParam) (*JobResponse, error) {
	j, err := s.river.JobGet(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &JobResponse{Body: jobView(j)}, nil
}

func (s *Server) cancelJob(ctx context.Context, in *JobIDParam) (*JobResponse, error) {
	j, err := s.river.JobCancel(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &JobResponse{Body: jobView(j)}, nil
}

func (s *Server) retryJob(ctx context.Context, in *JobIDParam) (*JobResponse, error) {
	j, err := s.river.JobRetry(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &JobResponse{Body: jobView(j)}, nil
}

func jobView(j *rivertype.JobRow) Job {
	tags := j.Tags
	if tags == nil {
		tags = []string{}
	}
	return Job{
		ID: j.ID, Kind: j.Kind, Queue: j.Queue, State: string(j.State), Attempt: j.Attempt,
		MaxAttempts: j.MaxAttempts, Priority: j.Priority, Args: json.RawMessage(j.EncodedArgs), Output: j.Output(), Tags: tags,
		Errors: j.Errors, CreatedAt: j.CreatedAt, ScheduledAt: j.ScheduledAt, AttemptedAt: j.AttemptedAt, FinalizedAt: j.FinalizedAt,
	}
}
