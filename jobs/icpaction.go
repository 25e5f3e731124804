package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/internal/icp"
	"github.com/rtgs/sales-automation/internal/store"
)

// icpNamespace derives a step's profile id from its idempotency key, so
// the step run again finds the profile it created.
var icpNamespace = uuid.MustParse("6f1d0c1e-3b0a-4c35-9f55-2f8c2a7b1e01")

type icpInput struct {
	Name          string `json:"name"`
	MarketSegment *struct {
		Industry  string   `json:"industry"`
		Size      string   `json:"size"`
		Countries []string `json:"countries"`
	} `json:"market_segment"`
	Criteria json.RawMessage `json:"criteria"`
}

// createICPProfile creates an ICP profile from a market segment (the
// original engine's shape) or explicit criteria. The profile's id comes
// from the step's idempotency key: a repeated invocation returns it.
func createICPProfile(ctx context.Context, deps Deps, in engine.Invocation) (any, error) {
	args, err := decodeInputs[icpInput](in)
	if err != nil {
		return nil, err
	}
	var c icp.Criteria
	label := "criteria"
	switch {
	case len(args.Criteria) > 0:
		if err := json.Unmarshal(args.Criteria, &c); err != nil {
			return nil, &engine.PermanentError{Err: fmt.Errorf("criteria: %w", err)}
		}
	case args.MarketSegment != nil:
		seg := args.MarketSegment
		c.Industries, c.Countries, label = []string{seg.Industry}, seg.Countries, seg.Industry
		if seg.Size != "" {
			r, err := icp.ParseEmployeeRange(seg.Size)
			if err != nil {
				return nil, &engine.PermanentError{Err: fmt.Errorf("market_segment.size: %w", err)}
			}
			c.EmployeeRanges = []icp.EmployeeRange{r}
		}
	}
	id := uuid.NewSHA1(icpNamespace, []byte(in.IdempotencyKey))
	name := args.Name
	if name == "" {
		name = fmt.Sprintf("%s (workflow run %s)", label, in.RunID.String()[:8])
	}
	profiles := store.NewICPProfiles(deps.Pool)
	p, err := profiles.Create(ctx, store.Profile{ID: id, Name: name, Criteria: c, MinScore: 60, Active: true})
	if errors.Is(err, store.ErrConflict) {
		if p, err = profiles.Get(ctx, id); err == nil {
			return map[string]any{"profile_id": p.ID, "name": p.Name}, nil
		}
		return nil, &engine.PermanentError{Err: fmt.Errorf("an ICP profile named %q exists already", name)}
	}
	var ve *icp.ValidationError
	if errors.As(err, &ve) {
		return nil, &engine.PermanentError{Err: err}
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"profile_id": p.ID, "name": p.Name}, nil
}
