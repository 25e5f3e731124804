package vendorsim

import (
	"net/http"
	"strings"
	"testing"
)

func TestSink(t *testing.T) {
	t.Parallel()
	b := setupSim(t, nil, nil)
	post := func(key, body string) int {
		req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/_sink/steps", strings.NewReader(body))
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := b.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	steps := []struct {
		key, body string
		status    int
		dups      int64
	}{
		{"k1", `{"id":"a"}`, 200, 0},
		{"k1", `{"id":"a"}`, 200, 0}, // a replay: written once
		{"k2", `{"id":"b"}`, 200, 0},
		{"k3", `{"id":"a"}`, 200, 1}, // a again under another key: a duplicate write
		{"", `{"id":"b"}`, 200, 2},   // and without a key
		{"k4", `{"nope":1}`, 400, 2},
		{"k5", `not json`, 400, 2},
	}
	for i, s := range steps {
		if got := post(s.key, s.body); got != s.status {
			t.Errorf("step %d: status %d, want %d", i, got, s.status)
		}
		if got := b.sim.Counters().DuplicateWrites[sinkVendor]["steps"]; got != s.dups {
			t.Errorf("step %d: %d duplicate writes, want %d", i, got, s.dups)
		}
	}
	if got := b.sim.Counters().Calls["sink POST /_sink/steps"]; got != int64(len(steps)) {
		t.Errorf("%d calls counted, want %d", got, len(steps))
	}
}
