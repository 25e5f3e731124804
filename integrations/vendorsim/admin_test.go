package vendorsim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func (b simBundle) admin(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, b.srv.URL+path, strings.NewReader(body))
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func TestAdminKnobsValidation(t *testing.T) {
	t.Parallel()
	b := setupSim(t, map[string][]Limit{"default": {{Rate: 10, Per: time.Second}}}, nil)
	tests := []struct {
		name, vendor, body string
		status             int
		field              string
	}{
		{"ok", "tv", `{"latency_min_ms":1,"latency_max_ms":2,"error_rate":0.5}`, 200, ""},
		{"unknown vendor", "nope", `{}`, 404, "unknown vendor"},
		{"error rate", "tv", `{"error_rate":2}`, 400, "error_rate"},
		{"negative latency", "tv", `{"latency_min_ms":-1}`, 400, "latency_min_ms"},
		{"misspelt knob", "tv", `{"latency_mni_ms":1}`, 400, "latency_mni_ms"},
		{"wrong type", "tv", `{"outage":"yes"}`, 400, "outage"},
		{"bad window", "tv", `{"limits":{"default":[{"rate":1,"per_ms":1000,"window":"hourly"}]}}`, 400, "limits.default[0].window"},
		{"zero rate", "tv", `{"limits":{"default":[{"rate":0,"per_ms":1000}]}}`, 400, "limits.default[0].rate"},
		{"unknown bucket", "tv", `{"limits":{"dflt":[{"rate":1,"per_ms":1000}]}}`, 400, "limits.dflt"},
		{"error status", "tv", `{"error_rate":1,"error_status":404}`, 400, "error_status"},
		{"not json", "tv", `{`, 400, "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := b.admin(t, "PUT", "/_admin/knobs/"+tt.vendor, tt.body)
			if status != tt.status || !strings.Contains(body, tt.field) {
				t.Errorf("PUT %s: %d %s, want %d naming %q", tt.body, status, body, tt.status, tt.field)
			}
		})
	}
}

func TestAdminKnobsRoundTripAndLimits(t *testing.T) {
	t.Parallel()
	b := setupSim(t, map[string][]Limit{"default": {{Rate: 100, Per: time.Second}}, "search": {{Rate: 5, Per: time.Second}}}, nil)
	status, body := b.admin(t, "GET", "/_admin/knobs", "")
	var all map[string]Knobs
	if err := json.Unmarshal([]byte(body), &all); status != 200 || err != nil {
		t.Fatalf("GET knobs: %d %s %v", status, body, err)
	}
	if got := all["tv"].Limits["search"]; len(got) != 1 || got[0].Rate != 5 {
		t.Errorf("effective search limits %+v, want the vendor default 5/s", got)
	}
	// Tighten default to 1 per minute at run time; search keeps its default.
	if status, body := b.admin(t, "PUT", "/_admin/knobs/tv", `{"limits":{"default":[{"rate":1,"per_ms":60000,"window":"fixed"}]}}`); status != 200 {
		t.Fatalf("PUT: %d %s", status, body)
	}
	for i, want := range []int{200, 429} {
		if got, _, _ := b.call(t, "POST", "/tv/items/x"); got != want {
			t.Errorf("call %d: %d, want %d", i, got, want)
		}
	}
	if got, _, _ := b.call(t, "GET", "/tv/search"); got != 200 {
		t.Errorf("search: %d, want 200", got)
	}
	// An empty list lifts the bucket's limits.
	b.admin(t, "PUT", "/_admin/knobs/tv", `{"limits":{"default":[]}}`)
	if got, _, _ := b.call(t, "POST", "/tv/items/y"); got != 200 {
		t.Errorf("unlimited: %d, want 200", got)
	}
	status, body = b.admin(t, "GET", "/_admin/counters", "")
	var c Counters
	if err := json.Unmarshal([]byte(body), &c); status != 200 || err != nil || c.RateLimited["tv"] != 1 || c.Calls["tv POST /items/{key}"] != 3 {
		t.Errorf("counters: %d %s", status, body)
	}
	if status, _ := b.admin(t, "POST", "/_admin/reset", ""); status != 204 {
		t.Errorf("reset: %d", status)
	}
	if c := b.sim.Counters(); len(c.Calls) != 0 {
		t.Errorf("counters after reset: %+v", c)
	}
}

func TestOutageAndErrorRate(t *testing.T) {
	t.Parallel()
	b := setupSim(t, map[string][]Limit{"default": {{Rate: 1, Per: time.Hour}}}, map[string]Knobs{"tv": {Outage: true}})
	if got, body, _ := b.call(t, "POST", "/tv/items/a"); got != 503 || !strings.Contains(body, "boom") {
		t.Errorf("outage: %d %q, want the vendor's 503", got, body)
	}
	b.sim.SetKnobs("tv", Knobs{ErrorRate: 1, ErrorStatus: 529})
	if got, _, _ := b.call(t, "POST", "/tv/items/a"); got != 529 {
		t.Errorf("error rate 1: %d, want 529", got)
	}
	b.sim.SetKnobs("tv", Knobs{ErrorRate: 0.5})
	fails := 0
	for range 200 {
		if got, _, _ := b.call(t, "POST", "/tv/items/b"); got == 500 {
			fails++
		}
	}
	if fails < 70 || fails > 130 {
		t.Errorf("error rate 0.5: %d of 200 failed", fails)
	}
	c := b.sim.Counters()
	if c.ErrorsInjected["tv"] != int64(2+fails) || c.RateLimited["tv"] != int64(200-fails-1) {
		t.Errorf("errors injected %d, 429s %d; injected errors must not consume quota", c.ErrorsInjected["tv"], c.RateLimited["tv"])
	}
}

func TestErrorInjectionIsDeterministic(t *testing.T) {
	t.Parallel()
	run := func() string {
		b := setupSim(t, nil, map[string]Knobs{"tv": {ErrorRate: 0.3}})
		var s strings.Builder
		for range 40 {
			got, _, _ := b.call(t, "POST", "/tv/items/z")
			s.WriteByte(byte('0' + got/100))
		}
		return s.String()
	}
	if a, b := run(), run(); a != b {
		t.Errorf("same seed, different errors:\n%s\n%s", a, b)
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	b := setupSim(t, nil, map[string]Knobs{"tv": {LatencyMin: 40 * time.Millisecond, LatencyMax: 60 * time.Millisecond}})
	start := time.Now()
	b.call(t, "POST", "/tv/items/a")
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("call took %s, want at least 40ms", d)
	}
	// A client that gives up is not kept waiting.
	b.sim.SetKnobs("tv", Knobs{LatencyMin: 5 * time.Second})
	client := &http.Client{Timeout: 50 * time.Millisecond}
	req, _ := http.NewRequest("POST", b.srv.URL+"/tv/items/b", nil)
	start = time.Now()
	if _, err := client.Do(req); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("slow call: err %v after %s, want a client timeout", err, time.Since(start))
	}
}

func TestLatencyDistribution(t *testing.T) {
	t.Parallel()
	k := Knobs{LatencyMin: 10 * time.Millisecond, LatencyMax: 20 * time.Millisecond, TailRate: 0.01, TailLatency: time.Second}
	sim := New(Options{Seed: 7}, &testVendor{})
	tail := 0
	for range 10000 {
		d := k.latency(sim.rng)
		switch {
		case d == time.Second:
			tail++
		case d < 10*time.Millisecond || d > 20*time.Millisecond:
			t.Fatalf("latency %s outside [10ms, 20ms]", d)
		}
	}
	if tail < 50 || tail > 150 {
		t.Errorf("tail calls %d of 10000, want about 100", tail)
	}
}

func TestHashAndNoMatch(t *testing.T) {
	t.Parallel()
	if Hash("Jane@Acme.com ") != Hash("jane@acme.com") {
		t.Error("Hash must ignore case and surrounding space")
	}
	if Hash("a", "bc") == Hash("ab", "c") {
		t.Error("Hash must separate parts")
	}
	if Seeded("x").Int64() != Seeded("x").Int64() {
		t.Error("Seeded must be deterministic")
	}
	if !NoMatch("nomatch@acme.com") {
		t.Error(`keys containing "nomatch" never match`)
	}
	misses := 0
	for i := range 10000 {
		if NoMatch("user" + string(rune('a'+i%26)) + strings.Repeat("x", i%7) + string(rune(i)) + "@example.com") {
			misses++
		}
	}
	if misses < 1500 || misses > 2500 {
		t.Errorf("%d of 10000 keys miss, want about one in %d", misses, NoMatchOneIn)
	}
}
