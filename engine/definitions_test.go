package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/actions"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/workflows"
)

const hello = `workflow:
  metadata: {name: hello, version: 1}
  steps:
    - id: ask
      action: ai_generate
      inputs: {prompt: "Say hello"}
`

func TestRegister(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	cat, err := actions.Builtin()
	if err != nil {
		t.Fatal(err)
	}

	first, created, err := engine.Register(ctx, pool, "hello.yaml", []byte(hello), store.OriginAPI, cat)
	if err != nil || !created || first.Name != "hello" || first.Version != 1 || len(first.ContentHash) != 32 {
		t.Fatalf("first upload = %+v, %v, %v; want hello v1 created", first, created, err)
	}
	again, created, err := engine.Register(ctx, pool, "hello.yaml", []byte(hello), store.OriginAPI, cat)
	if err != nil || created || again.ID != first.ID {
		t.Errorf("same content again = %v, %v, %v; want the stored row, not created", again.ID, created, err)
	}
	changed := strings.Replace(hello, "Say hello", "Say goodbye", 1)
	if _, _, err := engine.Register(ctx, pool, "hello.yaml", []byte(changed), store.OriginAPI, cat); !errors.Is(err, engine.ErrVersionTaken) {
		t.Errorf("changed content under v1: err = %v, want ErrVersionTaken", err)
	}
	v2 := strings.Replace(changed, "version: 1", "version: 2", 1)
	if d, created, err := engine.Register(ctx, pool, "hello.yaml", []byte(v2), store.OriginAPI, cat); err != nil || !created || d.Version != 2 {
		t.Errorf("v2 = %+v, %v, %v; want created", d, created, err)
	}
	var inv *engine.InvalidError
	if _, _, err := engine.Register(ctx, pool, "bad.yaml", []byte("workflow: {steps: []}\n"), store.OriginAPI, cat); !errors.As(err, &inv) || len(inv.Diagnostics) == 0 {
		t.Errorf("invalid: err = %v, want InvalidError with diagnostics", err)
	}

	defs := store.NewWorkflowDefinitions(pool)
	latest, err := defs.Get(ctx, "hello", 0)
	if err != nil || latest.Version != 2 || !strings.Contains(latest.Source, "goodbye") {
		t.Errorf("latest = %+v, %v; want v2 with its source", latest, err)
	}
	if old, err := defs.Get(ctx, "hello", 1); err != nil || !strings.Contains(old.Source, "Say hello") {
		t.Errorf("v1 = %+v, %v; want it unchanged", old, err)
	}
	if _, err := defs.Get(ctx, "hello", 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("v3: err = %v, want ErrNotFound", err)
	}
}

// Every process loads the library at start: loading twice stores it once.
func TestLoadLibrary(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	cat, err := actions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := engine.LoadLibrary(ctx, pool, workflows.Library, cat); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := store.NewWorkflowDefinitions(pool).List(ctx, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, r := range rows {
		names[r.Name] = r.Origin
	}
	for _, n := range []string{"prospect-discovery", "enrich-and-sync", "campaign-launch", "yolo-cycle"} {
		if names[n] != store.OriginLibrary {
			t.Errorf("%s: origin %q, want library", n, names[n])
		}
	}
	if len(rows) != 4 {
		t.Errorf("%d definitions after loading twice, want 4", len(rows))
	}
}
