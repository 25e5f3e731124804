package jobs

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

// create_icp_profile makes a profile from a market segment; invoked again
// with the same idempotency key it returns that profile.
func TestCreateICPProfileAction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	deps := Deps{Pool: dbtest.Pool(t)}
	inv := engine.Invocation{RunID: uuid.New(), StepID: "define-icp", Item: -1, IdempotencyKey: "run-1/define-icp/-1",
		Inputs: map[string]any{"market_segment": map[string]any{"industry": "Software", "size": "50-200", "countries": []any{"DE"}}}}
	first, err := createICPProfile(ctx, deps, inv)
	if err != nil {
		t.Fatal(err)
	}
	again, err := createICPProfile(ctx, deps, inv)
	if err != nil {
		t.Fatal(err)
	}
	f, a := first.(map[string]any), again.(map[string]any)
	if f["profile_id"] != a["profile_id"] {
		t.Errorf("second invocation made profile %v, want the first's %v", a["profile_id"], f["profile_id"])
	}
	p, err := store.NewICPProfiles(deps.Pool).Get(ctx, f["profile_id"].(uuid.UUID))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Criteria.Industries) != 1 || p.Criteria.Industries[0] != "Software" || len(p.Criteria.EmployeeRanges) != 1 || !p.Active {
		t.Errorf("profile = %+v, want the segment's criteria, active", p)
	}
	bad := inv
	bad.IdempotencyKey = "run-1/other/-1"
	bad.Inputs = map[string]any{"market_segment": map[string]any{"industry": "Software", "size": "lots"}}
	var perm *engine.PermanentError
	if _, err := createICPProfile(ctx, deps, bad); !errors.As(err, &perm) {
		t.Errorf("a size that is not a range: err = %v, want a permanent failure", err)
	}
}
