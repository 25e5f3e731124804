package main

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/internal/dbtest"
)

// env is a Lookup over a fixed set of variables.
func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunRejectsBadConfigWithEveryProblem(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	err := run(context.Background(), env(map[string]string{
		"WORKER_QUEUES":         "nope=1",
		"WORKER_FETCH_COOLDOWN": "soon",
	}), &out)
	cfgErr, ok := errors.AsType[*configError](err)
	if !ok {
		t.Fatalf("run error = %v, want a configError", err)
	}
	for _, want := range []string{"WORKER_QUEUES", "WORKER_FETCH_COOLDOWN"} {
		if !strings.Contains(cfgErr.err.Error(), want) {
			t.Errorf("config error %q does not name %s", cfgErr.err, want)
		}
	}
}

func TestRunStartsAndStops(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	u, err := url.Parse(dbtest.DatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", dbtest.Schema(pool)) // the migrated test schema
	u.RawQuery = q.Encode()

	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, env(map[string]string{
			"DATABASE_URL":  u.String(),
			"WORKER_ADDR":   "127.0.0.1:0",
			"WORKER_QUEUES": "maintenance",
		}), &out)
	}()

	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), `"msg":"worker started"`) {
		select {
		case err := <-done:
			t.Fatalf("run returned before starting: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker did not start:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run returned %v after cancel, want nil", err)
	}
	logs := out.String()
	if !strings.Contains(logs, `"config":{`) || !strings.Contains(logs, `"msg":"worker stopped"`) {
		t.Errorf("logs lack the config or the stop line:\n%s", logs)
	}
}
