package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/store"
)

// Beginner opens transactions with options; *pgxpool.Pool is one.
type Beginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// Tools are the assistant's tools. Each call runs in its own READ ONLY
// transaction, so even a buggy tool cannot write. A call the model gets
// wrong (an unknown tool, bad input, nothing found) is answered with an
// error result for the model to read, never an error of the job.
type Tools struct {
	db     Beginner
	specs  []ToolSpec
	byName map[string]tool
}

type tool struct {
	spec ToolSpec
	run  func(ctx context.Context, tx pgx.Tx, input json.RawMessage) (any, error)
}

// toolError is a failed call's reason, shown to the model.
type toolError struct{ msg string }

func (e *toolError) Error() string { return e.msg }

func badInput(format string, args ...any) error { return &toolError{msg: fmt.Sprintf(format, args...)} }

// NewTools returns the tools over db.
func NewTools(db Beginner) *Tools {
	t := &Tools{db: db, byName: map[string]tool{}}
	noInput := map[string]any{}
	for _, tl := range []tool{
		{ToolSpec{Name: "pipeline_counts", Description: "Counts of contacts in the pipeline: total, by enrichment status, by CRM sync status, by ICP score band, qualified contacts, and companies.",
			Properties: noInput}, func(ctx context.Context, tx pgx.Tx, in json.RawMessage) (any, error) {
			if err := decodeStrict(in, &struct{}{}); err != nil {
				return nil, err
			}
			return store.ChatPipelineCounts(ctx, tx)
		}},
		{ToolSpec{Name: "campaign_metrics", Description: "Metrics of one campaign instance: its events (sent, opened, clicked, replied, bounced, ...) counted by type, and its enrollments by status.",
			Properties: map[string]any{"instance_id": map[string]any{"type": "string", "format": "uuid", "description": "The campaign instance id."}},
			Required:   []string{"instance_id"}}, func(ctx context.Context, tx pgx.Tx, in json.RawMessage) (any, error) {
			var args struct {
				InstanceID string `json:"instance_id"`
			}
			if err := decodeStrict(in, &args); err != nil {
				return nil, err
			}
			id, err := uuid.Parse(args.InstanceID)
			if err != nil {
				return nil, badInput("instance_id must be a UUID")
			}
			return store.ChatCampaignMetrics(ctx, tx, id)
		}},
		{ToolSpec{Name: "contact_status", Description: "Status of one contact, found by id or by e-mail address: enrichment and CRM sync status, ICP score, whether qualified or suppressed, and its campaign enrollments.",
			Properties: map[string]any{
				"contact_id": map[string]any{"type": "string", "format": "uuid", "description": "The contact id; give this or email."},
				"email":      map[string]any{"type": "string", "description": "The contact's e-mail address; give this or contact_id."},
			}}, func(ctx context.Context, tx pgx.Tx, in json.RawMessage) (any, error) {
			var args struct {
				ContactID *string `json:"contact_id"`
				Email     *string `json:"email"`
			}
			if err := decodeStrict(in, &args); err != nil {
				return nil, err
			}
			if (args.ContactID == nil) == (args.Email == nil) {
				return nil, badInput("give exactly one of contact_id and email")
			}
			if args.ContactID != nil {
				id, err := uuid.Parse(*args.ContactID)
				if err != nil {
					return nil, badInput("contact_id must be a UUID")
				}
				return store.ChatContactStatus(ctx, tx, &id, "")
			}
			email := strings.ToLower(strings.TrimSpace(*args.Email))
			if email == "" || len(email) > 320 || !strings.Contains(email, "@") {
				return nil, badInput("email must be an e-mail address")
			}
			return store.ChatContactStatus(ctx, tx, nil, email)
		}},
		{ToolSpec{Name: "list_icp_profiles", Description: "The ICP (ideal customer) profiles: id, name, active, minimum score, and how many contacts each scored and qualified (at most 50).",
			Properties: noInput}, func(ctx context.Context, tx pgx.Tx, in json.RawMessage) (any, error) {
			if err := decodeStrict(in, &struct{}{}); err != nil {
				return nil, err
			}
			return store.ChatProfiles(ctx, tx)
		}},
		{ToolSpec{Name: "list_campaign_instances", Description: "The campaign instances, newest first: id, name, status and number of enrollments (at most 50).",
			Properties: noInput}, func(ctx context.Context, tx pgx.Tx, in json.RawMessage) (any, error) {
			if err := decodeStrict(in, &struct{}{}); err != nil {
				return nil, err
			}
			return store.ChatInstances(ctx, tx)
		}},
	} {
		t.specs = append(t.specs, tl.spec)
		t.byName[tl.spec.Name] = tl
	}
	return t
}

// Specs returns the tools' descriptions for the model.
func (t *Tools) Specs() []ToolSpec { return t.specs }

// Run answers each call in order. Only a database failure (not a bad
// call) is returned as an error.
func (t *Tools) Run(ctx context.Context, calls []Call) ([]Result, error) {
	out := make([]Result, len(calls))
	for i, c := range calls {
		r := Result{CallID: c.ID, Name: c.Name}
		v, err := t.call(ctx, c)
		var te *toolError
		switch {
		case errors.As(err, &te):
			r.IsError, v = true, map[string]string{"error": te.msg}
		case errors.Is(err, store.ErrNotFound):
			r.IsError, v = true, map[string]string{"error": "not found"}
		case err != nil:
			return nil, fmt.Errorf("tool %s: %w", c.Name, err)
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode %s result: %w", c.Name, err)
		}
		r.Content = string(raw)
		out[i] = r
	}
	return out, nil
}

// call runs one call in its own read-only transaction, always rolled back.
func (t *Tools) call(ctx context.Context, c Call) (any, error) {
	tl, ok := t.byName[c.Name]
	if !ok {
		return nil, badInput("unknown tool %q; the tools are: %s", truncate(c.Name, 64), strings.Join(t.names(), ", "))
	}
	tx, err := t.db.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("begin read-only: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only: nothing to keep
	return tl.run(ctx, tx, c.Input)
}

func (t *Tools) names() []string {
	out := make([]string, len(t.specs))
	for i, s := range t.specs {
		out[i] = s.Name
	}
	return out
}

// decodeStrict reads a tool's input: a JSON object with only known fields.
func decodeStrict(in json.RawMessage, v any) error {
	if len(bytes.TrimSpace(in)) == 0 {
		in = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badInput("invalid input: %s", truncate(err.Error(), 200))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
