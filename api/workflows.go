package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/spec"
)

// WorkflowSourceRequest carries a workflow definition as YAML, to validate
// or to store.
type WorkflowSourceRequest struct {
	Filename string `query:"filename" default:"workflow.yaml" maxLength:"200" pattern:"^[^/\\\\]+$" doc:"Name the diagnostics give the file."`
	RawBody  []byte `contentType:"application/yaml" required:"true" doc:"The workflow, YAML under a top-level workflow key (workflows/schema.json)."`
}

// ValidateWorkflowResponse is the verdict.
type ValidateWorkflowResponse struct {
	Body engine.Validation
}

func (s *Server) registerWorkflows() {
	s.registerWorkflowDefinitions()
	register(s, huma.Operation{
		OperationID: "validate-workflow", Method: http.MethodPost, Path: "/api/v1/workflows/validate",
		Summary: "Validate a workflow definition", Tags: []string{"workflows"}, MaxBodyBytes: spec.DefaultMaxBytes,
		Description: "Parses and checks a YAML workflow against the format and the actions' input schemas, reporting " +
			"every problem with its line, column and step: the same answer as `rtgs workflow validate`. An invalid " +
			"workflow is a 200 with valid=false, the verdict being what was asked for.",
	}, func(_ context.Context, in *WorkflowSourceRequest) (*ValidateWorkflowResponse, error) {
		return &ValidateWorkflowResponse{Body: engine.Validate(in.Filename, in.RawBody, s.actions)}, nil
	})
}
