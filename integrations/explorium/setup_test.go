package explorium

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

const testKey = "test-explorium-key"

// testBundle is one client talking to its own simulator.
type testBundle struct {
	sim    *vendorsim.Sim
	fake   *vendorsim.Explorium
	srv    *httptest.Server
	client *Client
}

// setup starts a simulator serving only Explorium, with knobs when given,
// and a client pointed at it.
func setup(t *testing.T, knobs ...vendorsim.Knobs) *testBundle {
	t.Helper()
	fake := vendorsim.NewExplorium(testKey)
	opts := vendorsim.Options{}
	if len(knobs) > 0 {
		opts.Knobs = map[string]vendorsim.Knobs{"explorium": knobs[0]}
	}
	sim := vendorsim.New(opts, fake)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return &testBundle{sim: sim, fake: fake, srv: srv, client: newTestClient(t, srv.URL+"/explorium")}
}

func newTestClient(t *testing.T, baseURL string, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: baseURL, APIKey: testKey}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// calls is how many calls the simulator saw on Explorium route pattern.
func (b *testBundle) calls(pattern string) int64 {
	return b.sim.Counters().Calls["explorium "+pattern]
}

// misbehaving serves h for every path, standing in for a broken Explorium.
func misbehaving(t *testing.T, h http.HandlerFunc, mod ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return newTestClient(t, srv.URL, mod...)
}

func asTransient(t *testing.T, err error) *guard.TransientError {
	t.Helper()
	var te *guard.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v (%T), want *guard.TransientError", err, err)
	}
	return te
}

func asAPIError(t *testing.T, err error) *guard.APIError {
	t.Helper()
	var ae *guard.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *guard.APIError", err, err)
	}
	return ae
}

func asRateLimit(t *testing.T, err error) *guard.RateLimitError {
	t.Helper()
	var re *guard.RateLimitError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v (%T), want *guard.RateLimitError", err, err)
	}
	return re
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}
