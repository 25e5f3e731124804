package obs

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestHTTPMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewHTTPMetrics(reg)

	done := m.InFlight()
	if got, want := testutil.ToFloat64(m.inFlight), 1.0; got != want {
		t.Errorf("in flight during request = %v, want %v", got, want)
	}
	// Durations of whole binary fractions of a second, so the sums compare
	// exactly.
	m.Observe("GET", "/api/v1/contacts/:id", 200, time.Second/256)
	m.Observe("GET", "/api/v1/contacts/:id", 200, time.Second/32)
	m.Observe("GET", "/api/v1/contacts/:id", 404, time.Second/512)
	m.Observe("BREW", "", 405, time.Second/512)
	done()
	if got, want := testutil.ToFloat64(m.inFlight), 0.0; got != want {
		t.Errorf("in flight after request = %v, want %v", got, want)
	}

	counts := []struct {
		method, route, status string
		want                  float64
	}{
		{"GET", "/api/v1/contacts/:id", "200", 2},
		{"GET", "/api/v1/contacts/:id", "404", 1},
		{"OTHER", "unmatched", "405", 1},
	}
	for _, c := range counts {
		if got := testutil.ToFloat64(m.requests.WithLabelValues(c.method, c.route, c.status)); got != c.want {
			t.Errorf("http_requests_total{%s,%s,%s} = %v, want %v", c.method, c.route, c.status, got, c.want)
		}
	}

	const want = `
# HELP http_request_duration_seconds Time to serve an HTTP request, by method and route pattern.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="0.001"} 0
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="0.0025"} 1
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="0.005"} 2
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="0.01"} 2
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="0.025"} 2
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="0.05"} 3
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="0.1"} 3
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="0.25"} 3
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="0.5"} 3
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="1"} 3
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="2.5"} 3
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="5"} 3
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="10"} 3
http_request_duration_seconds_bucket{method="GET",route="/api/v1/contacts/:id",le="+Inf"} 3
http_request_duration_seconds_sum{method="GET",route="/api/v1/contacts/:id"} 0.037109375
http_request_duration_seconds_count{method="GET",route="/api/v1/contacts/:id"} 3
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="0.001"} 0
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="0.0025"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="0.005"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="0.01"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="0.025"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="0.05"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="0.1"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="0.25"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="0.5"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="1"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="2.5"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="5"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="10"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="+Inf"} 1
http_request_duration_seconds_sum{method="OTHER",route="unmatched"} 0.001953125
http_request_duration_seconds_count{method="OTHER",route="unmatched"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "http_request_duration_seconds"); err != nil {
		t.Error(err)
	}

	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint %s: %s", p.Metric, p.Text)
	}
}

func TestNewHTTPMetricsRegistersOnce(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	NewHTTPMetrics(reg)
	defer func() {
		if recover() == nil {
			t.Error("second NewHTTPMetrics on one registry did not panic")
		}
	}()
	NewHTTPMetrics(reg)
}
