package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/auth"
)

// Queue is a River queue and whether it is paused.
type Queue struct {
	Name      string     `json:"name"`
	Paused    bool       `json:"paused"`
	PausedAt  *time.Time `json:"paused_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// QueueListResponse lists queues workers have served.
type QueueListResponse struct {
	Body struct {
		Items []Queue `json:"items"`
	}
}

// QueueNameParam names one queue.
type QueueNameParam struct {
	Name string `path:"name" minLength:"1" maxLength:"128" pattern:"^[a-z0-9_\\-]+$"`
}

// QueueResponse is one queue.
type QueueResponse struct {
	Body Queue
}

func (s *Server) registerQueues() {
	tags := []string{"queue operations"}
	admin := map[string]any{metaScope: auth.Admin}
	register(s, huma.Operation{
		OperationID: "list-queues", Method: http.MethodGet, Path: "/api/v1/queues",
		Summary: "List queues", Tags: tags,
	}, s.listQueues)
	register(s, huma.Operation{
		OperationID: "pause-queue", Method: http.MethodPost, Path: "/api/v1/queues/{name}/pause",
		Summary: "Pause a queue in every worker (admin)", Tags: tags, Metadata: admin,
	}, s.pauseQueue)
	register(s, huma.Operation{
		OperationID: "resume-queue", Method: http.MethodPost, Path: "/api/v1/queues/{name}/resume",
		Summary: "Resume a paused queue (admin)", Tags: tags, Metadata: admin,
	}, s.resumeQueue)
}

func (s *Server) listQueues(ctx context.Context, _ *struct{}) (*QueueListResponse, error) {
	res, err := s.river.QueueList(ctx, river.NewQueueListParams().First(1000))
	if err != nil {
		return nil, err
	}
	out := &QueueListResponse{}
	out.Body.Items = make([]Queue, len(res.Queues))
	for i, q := range res.Queues {
		out.Body.Items[i] = Queue{Name: q.Name, Paused: q.PausedAt != nil, PausedAt: q.PausedAt, CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt}
	}
	return out, nil
}

func (s *Server) pauseQueue(ctx context.Context, in *QueueNameParam) (*QueueResponse, error) {
	if err := s.river.QueuePause(ctx, in.Name, nil); err != nil {
		return nil, err
	}
	return s.queue(ctx, in.Name)
}

func (s *Server) resumeQueue(ctx context.Context, in *QueueNameParam) (*QueueResponse, error) {
	if err := s.river.QueueResume(ctx, in.Name, nil); err != nil {
		return nil, err
	}
	return s.queue(ctx, in.Name)
}

func (s *Server) queue(ctx context.Context, name string) (*QueueResponse, error) {
	q, err := s.river.QueueGet(ctx, name)
	if err != nil {
		return nil, err
	}
	return &QueueResponse{Body: Queue{Name: q.Name, Paused: q.PausedAt != nil, PausedAt: q.PausedAt, CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt}}, nil
}
