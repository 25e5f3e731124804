package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/integrations/anthropic"
	"github.com/rtgs/sales-automation/integrations/gemini"
	"github.com/rtgs/sales-automation/internal/vendors"
)

// workflowActions are the workflow engine's actions whose domain code
// exists and whose vendors this process has: company search needs
// Explorium, people search Explorium or Apollo, ai_generate an AI vendor,
// http_webhook allowed hosts. enroll_in_campaign needs only the database
// (its outreach_enroll jobs call lemlist).
func workflowActions(deps Deps) map[string]engine.Action {
	scorer := &ScoreContactWorker{db: deps.Pool, now: deps.Now, logger: deps.Logger}
	acts := map[string]engine.Action{
		"sync_to_crm": engine.ActionFunc(func(ctx context.Context, in engine.Invocation) (any, error) { return syncToCRM(ctx, deps, in) }),
		"score_contacts": engine.ActionFunc(func(ctx context.Context, in engine.Invocation) (any, error) {
			return scoreContacts(ctx, deps, scorer, in)
		}),
		"enrich_contacts": engine.ActionFunc(func(ctx context.Context, in engine.Invocation) (any, error) { return enrichContacts(ctx, deps, in) }),
		"create_icp_profile": engine.ActionFunc(func(ctx context.Context, in engine.Invocation) (any, error) {
			return createICPProfile(ctx, deps, in)
		}),
		"enroll_in_campaign": engine.ActionFunc(func(ctx context.Context, in engine.Invocation) (any, error) {
			return enrollInCampaign(ctx, deps, in)
		}),
		// Registered with an empty allowlist too: its steps then fail
		// saying which setting to change.
		"http_webhook": newWebhook(deps.WebhookHosts),
	}
	if deps.Vendors != nil && deps.Vendors.Explorium != nil {
		acts["execute_company_search"] = engine.ActionFunc(func(ctx context.Context, in engine.Invocation) (any, error) {
			return executeCompanySearch(ctx, deps, in)
		})
	}
	if deps.Vendors != nil && (deps.Vendors.Explorium != nil || deps.Vendors.Apollo != nil) {
		acts["find_contacts"] = engine.ActionFunc(func(ctx context.Context, in engine.Invocation) (any, error) {
			return findContacts(ctx, deps, in)
		})
	}
	if deps.Vendors != nil && (deps.Vendors.Anthropic != nil || deps.Vendors.Gemini != nil) {
		acts["ai_generate"] = engine.ActionFunc(func(ctx context.Context, in engine.Invocation) (any, error) {
			return aiGenerate(ctx, deps.Vendors, in)
		})
	}
	return acts
}

// decodeInputs reads an action's evaluated inputs into T; a mismatch is
// permanent (the same inputs fail every time).
func decodeInputs[T any](in engine.Invocation) (T, error) {
	var v T
	raw, err := json.Marshal(in.Inputs)
	if err == nil {
		err = json.Unmarshal(raw, &v)
	}
	if err != nil {
		return v, &engine.PermanentError{Err: fmt.Errorf("inputs: %w", err)}
	}
	return v, nil
}

type contactIDsInput struct {
	ContactIDs []uuid.UUID `json:"contact_ids"`
	ProfileID  string      `json:"profile_id"`
	MinScore   *int        `json:"min_score"`
}

// syncToCRM marks the contacts for HubSpot sync (marking twice is
// harmless, so a repeated invocation is too).
func syncToCRM(ctx context.Context, deps Deps, in engine.Invocation) (any, error) {
	args, err := decodeInputs[contactIDsInput](in)
	if err != nil {
		return nil, err
	}
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return nil, err
	}
	marked := 0
	err = pgx.BeginFunc(ctx, deps.Pool, func(tx pgx.Tx) error {
		marked, err = RequestCRMSync(ctx, tx, client, args.ContactIDs)
		return err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"marked": marked}, nil
}

// scoreContacts scores the contacts now, in one transaction, and reports
// those that qualify: at min_score when given, else by their profile's
// own threshold.
func scoreContacts(ctx context.Context, deps Deps, scorer *ScoreContactWorker, in engine.Invocation) (any, error) {
	args, err := decodeInputs[contactIDsInput](in)
	if err != nil {
		return nil, err
	}
	var profile *uuid.UUID
	if args.ProfileID != "" {
		id, err := uuid.Parse(args.ProfileID)
		if err != nil {
			return nil, &engine.PermanentError{Err: fmt.Errorf("profile_id: %w", err)}
		}
		profile = &id
	}
	qualified := []uuid.UUID{}
	err = pgx.BeginFunc(ctx, deps.Pool, func(tx pgx.Tx) error {
		for _, id := range args.ContactIDs {
			if _, err := scorer.score(ctx, tx, ScoreContactArgs{ContactID: id, ProfileID: profile}); err != nil {
				if errors.Is(err, errNoProfile) {
					return &engine.PermanentError{Err: err}
				}
				return err
			}
		}
		rows, err := tx.Query(ctx, `
			SELECT id FROM contacts
			WHERE id = ANY($1) AND CASE WHEN $2::int IS NULL THEN (icp_explanation->>'qualified')::boolean
			                            ELSE icp_score >= $2 END
			ORDER BY icp_score DESC, id`, args.ContactIDs, args.MinScore)
		if err != nil {
			return err
		}
		qualified, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"scored": len(args.ContactIDs), "qualified_count": len(qualified), "qualified_ids": qualified}, nil
}

// enrichPoll is how often a step waiting for enrichment looks again.
const enrichPoll = 10 * time.Second

// enrichContacts queues enrichment of the contacts (River's unique
// enrich_contact jobs make asking again harmless) and waits, snoozing,
// until none of them is pending; then it reports the outcome.
func enrichContacts(ctx context.Context, deps Deps, in engine.Invocation) (any, error) {
	args, err := decodeInputs[contactIDsInput](in)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{"enriched": 0, "not_found": 0, "failed": 0, "pending": 0}
	rows, err := deps.Pool.Query(ctx, `
		SELECT enrichment_status, count(*) FROM contacts WHERE id = ANY($1) GROUP BY 1`, args.ContactIDs)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, err
		}
		counts[status] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if counts["pending"] > 0 {
		client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
		if err != nil {
			return nil, err
		}
		err = pgx.BeginFunc(ctx, deps.Pool, func(tx pgx.Tx) error {
			_, err := client.InsertManyTx(ctx, tx, enrichParams(args.ContactIDs))
			return err
		})
		if err != nil {
			return nil, err
		}
		return nil, &engine.WaitError{After: enrichPoll, Reason: fmt.Sprintf("%d contacts still being enriched", counts["pending"])}
	}
	return map[string]any{"contact_ids": args.ContactIDs, "enriched": counts["enriched"],
		"not_found": counts["not_found"], "failed": counts["failed"]}, nil
}

type aiInput struct {
	Prompt    string `json:"prompt"`
	System    string `json:"system"`
	Provider  string `json:"provider"`
	MaxTokens int    `json:"max_tokens"`
}

// aiGenerate asks the configured AI provider (Anthropic first) for text.
func aiGenerate(ctx context.Context, v *vendors.Set, in engine.Invocation) (any, error) {
	args, err := decodeInputs[aiInput](in)
	if err != nil {
		return nil, err
	}
	maxTokens := args.MaxTokens
	if maxTokens == 0 {
		maxTokens = 512
	}
	useGemini := args.Provider == "gemini" || (args.Provider == "" && v.Anthropic == nil)
	switch {
	case useGemini && v.Gemini != nil:
		r, err := v.Gemini.Complete(ctx, gemini.Request{System: args.System, Prompt: args.Prompt, MaxTokens: maxTokens})
		if err != nil {
			return nil, stepVendorError(err)
		}
		return map[string]any{"text": r.Text, "provider": "gemini"}, nil
	case !useGemini && v.Anthropic != nil:
		r, err := v.Anthropic.Complete(ctx, anthropic.Request{System: args.System, Prompt: args.Prompt, MaxTokens: maxTokens})
		if err != nil {
			return nil, stepVendorError(err)
		}
		return map[string]any{"text": r.Text, "provider": "anthropic"}, nil
	}
	return nil, &engine.PermanentError{Err: fmt.Errorf("AI provider %q is not configured", args.Provider)}
}

// stepVendorError is VendorOutcome for a workflow step: a rate limit or an
// open breaker makes the step wait without using an attempt, a vendor's
// refusal fails it at once, anything else is retried.
func stepVendorError(err error) error {
	wait, refused := classifyVendorError(err)
	switch {
	case wait > 0:
		return &engine.WaitError{After: wait, Reason: err.Error()}
	case refused:
		return &engine.PermanentError{Err: err}
	}
	return err
}
