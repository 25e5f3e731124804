package vendors_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/vendors"
)

func loadVendors(t *testing.T, env map[string]string) config.Vendors {
	t.Helper()
	cfg, _, err := config.LoadWorker(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Vendors
}

func TestNoKeysNoVendors(t *testing.T) {
	t.Parallel()
	set, err := vendors.New(loadVendors(t, nil), vendors.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Configured(); len(got) != 0 {
		t.Fatalf("configured %v without keys", got)
	}
	if _, err := set.Probe(context.Background(), vendors.Lemlist); !errors.Is(err, vendors.ErrNotConfigured) {
		t.Fatalf("probe of an unconfigured vendor = %v", err)
	}
}

// With a simulator every vendor is reachable, and a probe of each goes
// through its client, its guard and the simulator's fake.
func TestSimulatorServesEveryVendor(t *testing.T) {
	t.Parallel()
	sim := vendorsim.Default(vendorsim.Options{})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	set, err := vendors.New(loadVendors(t, map[string]string{"VENDORSIM_URL": srv.URL}), vendors.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range set.Configured() {
		if _, err := set.Probe(context.Background(), v); err != nil {
			t.Errorf("probe %s: %v", v, err)
		}
	}
	if !slices.Contains(set.Configured(), vendors.HubSpot) || len(sim.Counters().Calls) < len(set.Configured()) {
		t.Fatalf("configured %v, simulator calls %v", set.Configured(), sim.Counters().Calls)
	}
}

func TestMisconfiguredVendorNamesTheSetting(t *testing.T) {
	t.Parallel()
	_, _, err := config.LoadWorker(func(k string) (string, bool) {
		if k == "LEMLIST_BASE_URL" {
			return "ftp://lemlist", true
		}
		return "", false
	})
	if err == nil || !strings.Contains(err.Error(), "LEMLIST_BASE_URL") {
		t.Fatalf("err = %v, want it to name LEMLIST_BASE_URL", err)
	}
}
