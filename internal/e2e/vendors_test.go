package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/internal/dbtest"
)

// Three worker processes share one vendor limit through Redis: a fixed
// number of vendor calls, made as jobs spread over the three, all succeed and
// the simulator, enforcing the same limit, serves not one 429.
func TestWorkersShareVendorLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries and starts processes")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Our limit sits a little under the vendor's so that scheduling jitter on
	// a loaded test machine cannot turn into a 429; three processes limiting
	// themselves separately would still make 3×8 calls a second against 10.
	const calls, limit, vendorLimit = 40, 8, 10

	bin := buildBinaries(t)
	dbURL := freshDatabase(t)
	simAddr, apiAddr := freeAddr(t), freeAddr(t)
	start(t, ctx, nil, filepath.Join(bin, "rtgs"), "vendorsim", "--addr", simAddr)
	simURL := "http://" + simAddr
	waitFor(t, ctx, "simulator", func() bool { return get(t, simURL+"/_admin/counters", "").status == 200 })
	knobs := fmt.Sprintf(`{"limits":{"default":[{"rate":%d,"per_ms":1000,"window":"sliding"}]}}`, vendorLimit)
	if r := call(t, http.MethodPut, simURL+"/_admin/knobs/lemlist", "", knobs); r.status != 200 {
		t.Fatalf("set knobs = %d %s", r.status, r.body)
	}

	env := []string{
		"DATABASE_URL=" + dbURL, "REDIS_URL=" + dbtest.RedisURL(), "VENDORSIM_URL=" + simURL,
		"VENDOR_REDIS_PREFIX=e2e:" + filepath.Base(dbURL) + ":", fmt.Sprintf("LEMLIST_RATE_LIMIT=%d/1s", limit),
		"WORKER_FETCH_POLL_INTERVAL=100ms",
	}
	run(t, ctx, env, filepath.Join(bin, "rtgs"), "migrate", "up")
	key := strings.TrimSpace(run(t, ctx, env, filepath.Join(bin, "rtgs"), "apikey", "create", "--name", "e2e", "--scopes", "admin", "--quiet"))
	start(t, ctx, append(env, "API_ADDR="+apiAddr), filepath.Join(bin, "api"))
	for range 3 {
		start(t, ctx, append(env, "WORKER_ADDR="+freeAddr(t), "WORKER_QUEUES=outreach=20"), filepath.Join(bin, "worker"))
	}
	base := "http://" + apiAddr
	waitFor(t, ctx, "api ready", func() bool { return get(t, base+"/readyz", "").status == 200 })

	for range calls {
		if r := post(t, base+"/api/v1/vendors/lemlist/probe", key); r.status != http.StatusAccepted {
			t.Fatalf("probe = %d %s", r.status, r.body)
		}
	}
	waitFor(t, ctx, "every probe completed", func() bool {
		r := get(t, base+"/api/v1/jobs?kind=vendor_probe&state=completed&limit=200", key)
		return strings.Count(r.body, `"kind":"vendor_probe"`) == calls
	})

	var counters struct {
		Calls       map[string]int `json:"calls"`
		RateLimited map[string]int `json:"rate_limited"`
	}
	if err := json.Unmarshal([]byte(get(t, simURL+"/_admin/counters", "").body), &counters); err != nil {
		t.Fatal(err)
	}
	if got := counters.Calls["lemlist GET /campaigns"]; got != calls {
		t.Errorf("simulator saw %d calls, want %d", got, calls)
	}
	if n := counters.RateLimited["lemlist"]; n != 0 {
		t.Errorf("simulator served %d 429s, want 0", n)
	}
}
