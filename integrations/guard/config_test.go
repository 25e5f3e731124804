package guard

import (
	"strings"
	"testing"
	"time"
)

func TestNewValidates(t *testing.T) {
	t.Parallel()
	ok := map[string]Limit{"default": {Rate: 20, Per: 2 * time.Second}}
	tests := []struct {
		name  string
		cfg   Config
		field string // named in the error
	}{
		{"no vendor", Config{Limits: ok}, "Config.Vendor"},
		{"no default bucket", Config{Vendor: "v", Limits: map[string]Limit{"search": {Rate: 1, Per: time.Second}}}, `"default"`},
		{"zero rate", Config{Vendor: "v", Limits: map[string]Limit{"default": {Per: time.Second}}}, `Limits["default"].Rate`},
		{"zero period", Config{Vendor: "v", Limits: map[string]Limit{"default": {Rate: 1}}}, `Limits["default"].Per`},
		{"negative daily", Config{Vendor: "v", Limits: map[string]Limit{"default": {Rate: 1, Per: time.Second, Daily: -1}}}, `Limits["default"].Daily`},
		{"share over one", Config{Vendor: "v", Limits: ok, FallbackShare: 1.5}, "FallbackShare"},
		{"negative wait", Config{Vendor: "v", Limits: ok, MaxWait: -time.Second}, "MaxWait"},
		{"negative threshold", Config{Vendor: "v", Limits: ok, Breaker: BreakerSettings{FailureThreshold: -1}}, "Breaker.FailureThreshold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("New = %v, want an error naming %s", err, tt.field)
			}
		})
	}
	g, err := New(Config{Vendor: "v", Limits: ok})
	if err != nil {
		t.Fatal(err)
	}
	if g.cfg.MaxWait != DefaultMaxWait || g.cfg.FallbackShare != DefaultFallbackShare || g.cfg.Breaker.OpenFor != DefaultOpenFor {
		t.Errorf("defaults not applied: %+v", g.cfg)
	}
}
