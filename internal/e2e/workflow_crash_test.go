package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/actions"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/jobs"
)

// crashWorkflow is 20 steps: 19 webhooks to the simulator's sink (a fork
// and join among them) and a foreach over 100 items, each item a webhook
// too. Every call carries the engine's idempotency key; the body names the
// logical write, so the sink counts a write repeated under another key.
func crashWorkflow() string {
	var b strings.Builder
	b.WriteString("workflow:\n  metadata: {name: crash-test}\n  inputs:\n    sink: {type: string, required: true}\n  steps:\n")
	step := func(id, extra string) {
		fmt.Fprintf(&b, "    - id: %s\n      action: http_webhook\n%s", id, extra)
		b.WriteString("      retry: {max_attempts: 25, backoff: fixed, delay: 200ms}\n")
	}
	for i := 1; i <= 19; i++ {
		id := fmt.Sprintf("s%02d", i)
		deps := ""
		switch id {
		case "s05", "s06":
			deps = "      depends_on: [s04]\n"
		case "s07":
			deps = "      depends_on: [s05, s06]\n"
		case "s10":
			deps = "      depends_on: [each]\n"
		}
		step(id, deps)
		fmt.Fprintf(&b, "      inputs: {url: \"${{ inputs.sink }}\", body: {id: \"${{ run.id }}/%s\"}}\n", id)
		if id == "s09" {
			step("each", "      foreach: \"${{ 0..99 }}\"\n      concurrency: 10\n")
			b.WriteString("      inputs: {url: \"${{ inputs.sink }}\", body: {id: \"${{ run.id }}/each/${{ index }}\"}}\n")
		}
	}
	return b.String()
}

// A worker killed (SIGKILL) at random moments, 20 times, restarted each
// time: every run completes, every step and item once, and the sink saw
// no write twice.
func TestWorkflowSurvivesWorkerKills(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries and kills processes")
	}
	t.Parallel()
	const runs, kills = 3, 20
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	bin := buildBinaries(t)
	dbURL := freshDatabase(t)
	simAddr := freeAddr(t)
	start(t, ctx, nil, filepath.Join(bin, "rtgs"), "vendorsim", "--addr", simAddr)
	simURL := "http://" + simAddr
	waitFor(t, ctx, "simulator", func() bool { return get(t, simURL+"/_admin/counters", "").status == 200 })
	env := []string{
		"DATABASE_URL=" + dbURL, "WORKFLOW_WEBHOOK_HOSTS=" + simAddr,
		"WORKER_FETCH_POLL_INTERVAL=100ms", "WORKER_FETCH_COOLDOWN=20ms",
		"WORKER_JOB_TIMEOUT=2s", "WORKER_RESCUE_STUCK_JOBS_AFTER=3s", "WORKER_QUEUES=workflow=10,maintenance=1",
		"WORKER_SHUTDOWN_TIMEOUT=5s",
	}
	run(t, ctx, env, filepath.Join(bin, "rtgs"), "migrate", "up")

	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	ids := startCrashRuns(t, ctx, pool, runs, simURL+"/_sink/crash?delay_ms=20")

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for i := range kills {
		cmd := exec.Command(filepath.Join(bin, "worker"))
		cmd.Env = append(os.Environ(), append(env, "WORKER_ADDR="+freeAddr(t))...)
		var logs strings.Builder
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			t.Fatalf("worker %d exited by itself (%v) before its kill:\n%s", i, err, logs.String())
		case <-time.After(time.Duration(300+rng.IntN(1200)) * time.Millisecond):
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		<-exited
	}
	start(t, ctx, append(env, "WORKER_ADDR="+freeAddr(t)), filepath.Join(bin, "worker"))

	runsStore := store.NewWorkflowRuns(pool)
	waitFor(t, ctx, "every run finished", func() bool {
		for _, id := range ids {
			if r, err := runsStore.Get(ctx, id, false); err != nil || r.Status == store.RunRunning {
				return false
			}
		}
		return true
	})
	for _, id := range ids {
		r, err := runsStore.Get(ctx, id, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != store.RunCompleted {
			t.Errorf("run %s: %s %q, want completed", id, r.Status, r.Error)
			continue
		}
		steps, err := runsStore.Steps(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		completed := 0
		for _, s := range steps {
			if s.Status == store.StepCompleted {
				completed++
			}
			want := fmt.Sprintf("%s/%s", id, s.StepID)
			if s.Item >= 0 {
				want = fmt.Sprintf("%s/each/%d", id, s.Item)
			}
			var out struct {
				Body struct{ ID string } `json:"body"`
			}
			if s.StepID != "each" || s.Item >= 0 {
				if err := json.Unmarshal(s.Output, &out); err != nil || out.Body.ID != want {
					t.Errorf("run %s step %s item %d output %s, want the sink's answer for %s", id, s.StepID, s.Item, s.Output, want)
				}
			}
		}
		if len(steps) != 120 || completed != 120 {
			t.Errorf("run %s: %d step rows, %d completed; want 120 (20 steps and 100 items) each", id, len(steps), completed)
		}
	}
	var counters struct {
		DuplicateWrites map[string]map[string]int `json:"duplicate_writes"`
		Calls           map[string]int            `json:"calls"`
	}
	if err := json.Unmarshal([]byte(get(t, simURL+"/_admin/counters", "").body), &counters); err != nil {
		t.Fatal(err)
	}
	if n := counters.DuplicateWrites["sink"]["crash"]; n != 0 {
		t.Errorf("the sink saw %d duplicate writes, want 0", n)
	}
	t.Logf("%d runs of %d steps and items survived %d kills; sink calls %d (replays included)",
		runs, 120, kills, counters.Calls["sink POST /_sink/crash"])
}

// startCrashRuns stores the crash workflow and starts n runs of it.
func startCrashRuns(t *testing.T, ctx context.Context, pool *pgxpool.Pool, n int, sink string) []uuid.UUID {
	t.Helper()
	cat, err := actions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := engine.Register(ctx, pool, "crash-test.yaml", []byte(crashWorkflow()), store.OriginAPI, cat); err != nil {
		t.Fatal(err)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(pool, cat, nil, jobs.StepQueue{})
	var ids []uuid.UUID
	for range n {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			r, err := e.Start(jobs.WithClient(ctx, client), tx, engine.StartRequest{Name: "crash-test", Inputs: map[string]any{"sink": sink}})
			ids = append(ids, r.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}
