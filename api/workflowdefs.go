package api

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/spec"
	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/store"
)

// WorkflowDefinitionView is a stored version of a workflow.
type WorkflowDefinitionView struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	Version   int       `json:"version"`
	Title     string    `json:"title,omitempty"`
	Hash      string    `json:"hash" doc:"SHA-256 of the source."`
	Origin    string    `json:"origin" enum:"library,api" doc:"Shipped in workflows/ or uploaded."`
	CreatedAt time.Time `json:"created_at"`
	Source    string    `json:"source,omitempty" doc:"The YAML, on GET of one definition."`
}

func workflowDefinitionView(d store.WorkflowDefinition) WorkflowDefinitionView {
	return WorkflowDefinitionView{ID: d.ID, Name: d.Name, Version: d.Version, Title: d.Title,
		Hash: hex.EncodeToString(d.ContentHash), Origin: d.Origin, CreatedAt: d.CreatedAt, Source: d.Source}
}

// WorkflowDefinitionResponse is one stored definition.
type WorkflowDefinitionResponse struct {
	Status   int
	Location string `header:"Location"`
	Body     WorkflowDefinitionView
}

// GetWorkflowRequest names a workflow and, optionally, a version.
type GetWorkflowRequest struct {
	Name    string `path:"name" maxLength:"63" pattern:"^[a-z][a-z0-9_-]{0,62}$"`
	Version int    `query:"version" minimum:"0" doc:"A version; the latest when absent."`
}

// ListWorkflowsRequest pages through the stored definitions.
type ListWorkflowsRequest struct {
	PageParams
}

// ListWorkflowsResponse is a page of definitions, without their sources.
type ListWorkflowsResponse struct {
	Body struct {
		Items      []WorkflowDefinitionView `json:"items"`
		NextCursor string                   `json:"next_cursor,omitempty" doc:"Pass as cursor to read the next page; absent on the last page."`
	}
}

func (s *Server) registerWorkflowDefinitions() {
	run := map[string]any{metaScope: auth.WorkflowsRun}
	register(s, huma.Operation{
		OperationID: "upload-workflow", Method: http.MethodPost, Path: "/api/v1/workflows",
		Summary: "Store a workflow definition", Tags: []string{"workflows"}, Metadata: run, MaxBodyBytes: spec.DefaultMaxBytes,
		Description: "Validates the YAML (every problem is a 422 naming line, column and step) and stores it as the " +
			"version its metadata names: 201 for a new version, 200 when this exact content is stored already, 409 " +
			"when that version holds other content (raise metadata.version: runs keep the version they started with).",
	}, func(ctx context.Context, in *WorkflowSourceRequest) (*WorkflowDefinitionResponse, error) {
		d, created, err := engine.Register(ctx, s.pool, in.Filename, in.RawBody, store.OriginAPI, s.actions)
		if err != nil {
			return nil, workflowError(err)
		}
		out := &WorkflowDefinitionResponse{Status: http.StatusOK, Body: workflowDefinitionView(d)}
		out.Location = fmt.Sprintf("/api/v1/workflows/%s?version=%d", d.Name, d.Version)
		if created {
			out.Status = http.StatusCreated
		}
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "get-workflow", Method: http.MethodGet, Path: "/api/v1/workflows/{name}",
		Summary: "Get a workflow definition", Tags: []string{"workflows"},
	}, func(ctx context.Context, in *GetWorkflowRequest) (*WorkflowDefinitionResponse, error) {
		d, err := store.NewWorkflowDefinitions(s.pool).Get(ctx, in.Name, in.Version)
		if err != nil {
			return nil, err
		}
		return &WorkflowDefinitionResponse{Status: http.StatusOK, Body: workflowDefinitionView(d)}, nil
	})
	register(s, huma.Operation{
		OperationID: "list-workflows", Method: http.MethodGet, Path: "/api/v1/workflows",
		Summary: "List workflow definitions", Tags: []string{"workflows"},
	}, func(ctx context.Context, in *ListWorkflowsRequest) (*ListWorkflowsResponse, error) {
		after, err := in.decode()
		if err != nil {
			return nil, err
		}
		rows, err := store.NewWorkflowDefinitions(s.pool).List(ctx, after, in.Limit+1)
		if err != nil {
			return nil, err
		}
		out := &ListWorkflowsResponse{}
		out.Body.Items, out.Body.NextCursor = trimPage(rows, in.Limit, workflowDefinitionView,
			func(d store.WorkflowDefinition) string {
				return encodeCursor(store.Cursor{CreatedAt: d.CreatedAt, ID: d.ID})
			})
		return out, nil
	})
}

// workflowError maps the engine's refusals to problems.
func workflowError(err error) error {
	var inv *engine.InvalidError
	switch {
	case errors.As(err, &inv):
		details := make([]*huma.ErrorDetail, len(inv.Diagnostics))
		for i, d := range inv.Diagnostics {
			details[i] = &huma.ErrorDetail{Location: fmt.Sprintf("body:%d:%d", d.Line, d.Column), Message: d.Error()}
		}
		return problem(http.StatusUnprocessableEntity, codeInvalid, "the workflow is not valid", details...)
	case errors.Is(err, engine.ErrVersionTaken):
		return problem(http.StatusConflict, codeConflict, err.Error(),
			&huma.ErrorDetail{Location: "body.workflow.metadata.version", Message: "stored with other content"})
	}
	return err
}
