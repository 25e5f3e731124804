package obs

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// HTTPMetrics records request rate, errors and latency for the HTTP API:
// http_requests_total{method,route,status},
// http_request_duration_seconds{method,route} and http_requests_in_flight.
type HTTPMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewHTTPMetrics registers the HTTP metrics with reg; it panics if they are
// already registered there, as registering twice is a wiring bug.
func NewHTTPMetrics(reg prometheus.Registerer) *HTTPMetrics {
	m := &HTTPMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds",
			Help: "Time to serve an HTTP request, by method and route pattern.",
			// From a cached read to a slow vendor call behind a 10s
			// deadline.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight)
	return m
}

// Observe counts one served request and its duration. route must be the
// route pattern ("/api/v1/contacts/:id"), never the path, or every id
// becomes a series. A method outside the standard set is counted as OTHER,
// so clients cannot invent series either.
func (m *HTTPMetrics) Observe(method, route string, status int, d time.Duration) {
	method = normalizeMethod(method)
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// InFlight counts a request as in flight and returns the func that ends it;
// call that exactly once, typically deferred.
func (m *HTTPMetrics) InFlight() func() {
	m.inFlight.Inc()
	return m.inFlight.Dec
}

// normalizeMethod returns the standard method constant equal to method, or
// "OTHER". Returning the constant also matters because Fiber's method string
// aliases a request buffer that is reused, and Prometheus keeps label values
// of new series.
func normalizeMethod(method string) string {
	switch method {
	case http.MethodGet:
		return http.MethodGet
	case http.MethodHead:
		return http.MethodHead
	case http.MethodPost:
		return http.MethodPost
	case http.MethodPut:
		return http.MethodPut
	case http.MethodPatch:
		return http.MethodPatch
	case http.MethodDelete:
		return http.MethodDelete
	case http.MethodOptions:
		return http.MethodOptions
	case http.MethodConnect:
		return http.MethodConnect
	case http.MethodTrace:
		return http.MethodTrace
	}
	return "OTHER"
}
