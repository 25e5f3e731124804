package vendorsim

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// testVendor is the smallest Vendor: a key header, one bucket with the
// limits it is given, plain-text answers that say which path was taken.
type testVendor struct {
	limits map[string][]Limit
}

func (v *testVendor) Name() string                      { return "tv" }
func (v *testVendor) Authenticate(r *http.Request) bool { return r.Header.Get("X-Key") == "k" }
func (v *testVendor) Unauthorized(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "bad key", http.StatusUnauthorized)
}
func (v *testVendor) Limits() map[string][]Limit { return v.limits }
func (v *testVendor) RateHeaders(w http.ResponseWriter, bucket string, st LimitState) {
	w.Header().Set("X-Remaining", strconv.Itoa(st.Remaining))
	w.Header().Set("X-Limits", strconv.Itoa(len(st.All)))
}
func (v *testVendor) TooManyRequests(w http.ResponseWriter, bucket string, st LimitState, retryAfter time.Duration) {
	w.Header().Set("X-Retry-Ms", strconv.FormatInt(retryAfter.Milliseconds(), 10))
	w.Header().Set("X-Exceeded-Per", st.Exceeded.Per.String())
	http.Error(w, "slow down", http.StatusTooManyRequests)
}
func (v *testVendor) ServerError(w http.ResponseWriter, status int) {
	http.Error(w, "boom", status)
}
func (v *testVendor) Routes(r *Router) {
	r.Handle("POST /items/{key}", "default", func(w http.ResponseWriter, req *http.Request) {
		if r.Write("item", req.PathValue("key")) {
			io.WriteString(w, "dup")
			return
		}
		io.WriteString(w, "ok")
	})
	r.Handle("GET /search", "search", func(w http.ResponseWriter, req *http.Request) { io.WriteString(w, "ok") })
}

// clock is a settable clock for the rate windows.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type simBundle struct {
	sim   *Sim
	srv   *httptest.Server
	clock *clock
}

func setupSim(t *testing.T, limits map[string][]Limit, knobs map[string]Knobs) simBundle {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	sim := New(Options{Seed: 1, Now: c.Now, Knobs: knobs}, &testVendor{limits: limits})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return simBundle{sim: sim, srv: srv, clock: c}
}

// call makes one request and returns status and body.
func (b simBundle) call(t *testing.T, method, path string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, b.srv.URL+path, nil)
	req.Header.Set("X-Key", "k")
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

func TestSlidingWindow(t *testing.T) {
	t.Parallel()
	b := setupSim(t, map[string][]Limit{"default": {{Rate: 3, Per: 10 * time.Second, Window: Sliding}}}, nil)
	steps := []struct {
		advance time.Duration
		want    int
	}{
		{0, 200}, {4 * time.Second, 200}, {0, 200}, // t=0, 4, 4: window full
		{time.Second, 429},      // t=5: refused, consumes nothing
		{5 * time.Second, 200},  // t=10: the call of t=0 has left
		{0, 429},                // t=10: full again (4, 4, 10)
		{4 * time.Second, 200},  // t=14: both calls of t=4 left
		{0, 200},                // (10, 14, 14)
		{0, 429},                // full
		{20 * time.Second, 200}, // all gone
	}
	for i, s := range steps {
		b.clock.Add(s.advance)
		got, _, hd := b.call(t, "POST", fmt.Sprintf("/tv/items/k%d", i))
		if got != s.want {
			t.Fatalf("step %d: status %d, want %d", i, got, s.want)
		}
		if got == 429 && hd.Get("X-Retry-Ms") == "0" {
			t.Errorf("step %d: 429 without a wait", i)
		}
	}
	if n := b.sim.Counters().RateLimited["tv"]; n != 3 {
		t.Errorf("rate_limited = %d, want 3", n)
	}
}

func TestSlidingRetryAfter(t *testing.T) {
	t.Parallel()
	b := setupSim(t, map[string][]Limit{"default": {{Rate: 2, Per: 10 * time.Second}}}, nil)
	b.call(t, "POST", "/tv/items/a")
	b.clock.Add(3 * time.Second)
	b.call(t, "POST", "/tv/items/b")
	b.clock.Add(time.Second)
	_, _, hd := b.call(t, "POST", "/tv/items/c")
	if got := hd.Get("X-Retry-Ms"); got != "6000" { // first call leaves at t=10, now t=4
		t.Errorf("retry after %s ms, want 6000", got)
	}
}

func TestFixedWindowIsCalendarAligned(t *testing.T) {
	t.Parallel()
	b := setupSim(t, map[string][]Limit{"default": {
		{Rate: 100, Per: time.Second, Window: Sliding},
		{Rate: 2, Per: time.Minute, Window: Fixed},
	}}, nil)
	b.clock.Add(50 * time.Second) // 12:00:50
	for i, want := range []int{200, 200, 429} {
		if got, _, _ := b.call(t, "POST", fmt.Sprintf("/tv/items/%d", i)); got != want {
			t.Fatalf("call %d: %d, want %d", i, got, want)
		}
	}
	_, _, hd := b.call(t, "POST", "/tv/items/x")
	if hd.Get("X-Retry-Ms") != "10000" || hd.Get("X-Exceeded-Per") != "1m0s" {
		t.Errorf("429 waits %s ms for %s, want 10000 for 1m0s", hd.Get("X-Retry-Ms"), hd.Get("X-Exceeded-Per"))
	}
	b.clock.Add(10 * time.Second) // 12:01:00, a new window, not 60 s after the first call
	if got, _, hd := b.call(t, "POST", "/tv/items/y"); got != 200 || hd.Get("X-Limits") != "2" || hd.Get("X-Remaining") != "1" {
		t.Errorf("new window: %d remaining %s of %s limits, want 200, 1, 2", got, hd.Get("X-Remaining"), hd.Get("X-Limits"))
	}
}

func TestBucketsAreSeparate(t *testing.T) {
	t.Parallel()
	b := setupSim(t, map[string][]Limit{
		"default": {{Rate: 1, Per: time.Minute}},
		"search":  {{Rate: 1, Per: time.Minute}},
	}, nil)
	for _, c := range []struct {
		method, path string
		want         int
	}{{"POST", "/tv/items/a", 200}, {"GET", "/tv/search", 200}, {"POST", "/tv/items/b", 429}, {"GET", "/tv/search", 429}} {
		if got, _, _ := b.call(t, c.method, c.path); got != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, got, c.want)
		}
	}
}

func TestUnauthorizedConsumesNoQuota(t *testing.T) {
	t.Parallel()
	b := setupSim(t, map[string][]Limit{"default": {{Rate: 1, Per: time.Minute}}}, nil)
	for range 3 {
		resp, err := http.Post(b.srv.URL+"/tv/items/a", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("no key: %d, want 401", resp.StatusCode)
		}
	}
	if got, _, _ := b.call(t, "POST", "/tv/items/a"); got != 200 {
		t.Errorf("first authenticated call: %d, want 200", got)
	}
	c := b.sim.Counters()
	if c.Unauthorized["tv"] != 3 || c.Calls["tv POST /items/{key}"] != 4 {
		t.Errorf("counters %+v, want 3 unauthorized of 4 calls", c)
	}
}

func TestDuplicateWritesAndReset(t *testing.T) {
	t.Parallel()
	b := setupSim(t, nil, nil)
	for i, want := range []string{"ok", "dup", "dup"} {
		if _, body, _ := b.call(t, "POST", "/tv/items/same"); body != want {
			t.Errorf("write %d: %q, want %q", i, body, want)
		}
	}
	b.call(t, "POST", "/tv/items/other")
	if got := b.sim.Counters().DuplicateWrites["tv"]["item"]; got != 2 {
		t.Errorf("duplicate writes = %d, want 2", got)
	}
	b.sim.Reset()
	if c := b.sim.Counters(); len(c.Calls) != 0 || len(c.DuplicateWrites) != 0 {
		t.Errorf("after reset: %+v", c)
	}
	if _, body, _ := b.call(t, "POST", "/tv/items/same"); body != "ok" {
		t.Errorf("after reset the write is new again, got %q", body)
	}
}

func TestConcurrentCallsNeverExceedTheLimit(t *testing.T) {
	t.Parallel()
	b := setupSim(t, map[string][]Limit{"default": {{Rate: 50, Per: time.Hour}}}, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				if s, _, _ := b.call(t, "POST", fmt.Sprintf("/tv/items/%d-%d", g, i)); s == 200 {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	c := b.sim.Counters()
	if ok != 50 || c.RateLimited["tv"] != 150 || c.Calls["tv POST /items/{key}"] != 200 {
		t.Errorf("admitted %d (want 50), 429s %d (want 150), calls %d (want 200)", ok, c.RateLimited["tv"], c.Calls["tv POST /items/{key}"])
	}
}

func TestDefaultMountsEveryVendor(t *testing.T) {
	t.Parallel()
	sim := Default(Options{})
	names := sim.Vendors()
	if len(names) != len(defaultVendors()) || names[0] != "hubspot" {
		t.Fatalf("vendors %v", names)
	}
	for _, name := range names {
		k, ok := sim.Knobs(name)
		if !ok || len(k.Limits) == 0 {
			t.Errorf("%s: knobs %+v, want its default limits", name, k)
		}
	}
}
