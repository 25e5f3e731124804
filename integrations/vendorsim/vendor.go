// Package vendorsim is a faithful local fake of every vendor the platform
// calls: the same paths, auth checks, bodies, batch caps and validation, the
// vendors' own rate limits with their own 429 bodies and headers, and knobs
// for latency, error rate and outages. Tests, benchmarks and `rtgs dev` talk
// to it. Each vendor is mounted under its own path prefix (/hubspot,
// /lemlist, /explorium, /apollo, /anthropic, /gemini) on one listener.
package vendorsim

import (
	"net/http"
	"time"
)

// Window is how a vendor counts calls against a limit.
type Window int

// Windows the vendors use.
const (
	Sliding Window = iota // rolling window: HubSpot's ten-secondly, lemlist, Explorium
	Fixed                 // calendar-aligned window: Apollo's minute/hour/day, daily quotas
)

// Limit is one of a bucket's limits: at most Rate calls per Per.
type Limit struct {
	Rate   int
	Per    time.Duration
	Window Window
}

// LimitState is where a bucket stands after counting the current call, for
// the vendor's rate headers.
type LimitState struct {
	Limit     Limit        // the tightest limit of the bucket
	Remaining int          // calls left in its window
	Reset     time.Time    // when the window frees up
	Exceeded  *Limit       // the limit this call broke, nil when within limits
	All       []LimitUsage // every limit of the bucket, in the vendor's order (daily quotas beside bursts)
}

// LimitUsage is one limit of a bucket and where its window stands.
type LimitUsage struct {
	Limit     Limit
	Remaining int       // calls left in its window
	Reset     time.Time // when its window frees up
}

// Resetter is implemented by fakes that keep data (stored contacts, leads):
// the simulator's reset clears it along with counters and windows.
type Resetter interface {
	Reset()
}

// Vendor is one fake vendor. The simulator calls its methods around every
// request routed to it: Authenticate first, then the rate limits of the
// route's bucket, then the handler.
type Vendor interface {
	// Name is the vendor's name and path prefix: "hubspot" serves /hubspot/...
	Name() string
	// Authenticate checks the request's credentials the vendor's way.
	Authenticate(r *http.Request) bool
	// Unauthorized writes the vendor's own answer to missing or wrong credentials.
	Unauthorized(w http.ResponseWriter, r *http.Request)
	// Limits are the vendor's default limits per bucket (knobs may override them).
	Limits() map[string][]Limit
	// RateHeaders sets the vendor's rate headers on every answer of bucket.
	RateHeaders(w http.ResponseWriter, bucket string, st LimitState)
	// TooManyRequests writes the vendor's own 429 (headers and body).
	TooManyRequests(w http.ResponseWriter, bucket string, st LimitState, retryAfter time.Duration)
	// ServerError writes the vendor's own 5xx body for injected errors and outages.
	ServerError(w http.ResponseWriter, status int)
	// Routes registers the vendor's endpoints.
	Routes(r *Router)
}

// Router registers one vendor's endpoints. Patterns are net/http ServeMux
// patterns relative to the vendor's prefix, e.g.
// "POST /crm/v3/objects/contacts/batch/upsert".
type Router struct {
	sim    *Sim
	vendor Vendor
	mux    *http.ServeMux
}

// Handle serves pattern, counting its calls against bucket.
func (r *Router) Handle(pattern, bucket string, h http.HandlerFunc) {
	r.sim.handle(r.vendor, r.mux, pattern, bucket, h)
}

// Write records a state-changing write identified by kind and key (such as
// "lead" and campaign+email) and reports whether the same write was seen
// before; repeats are counted as duplicates in the admin counters.
func (r *Router) Write(kind, key string) (duplicate bool) {
	return r.sim.recordWrite(r.vendor.Name(), kind, key)
}
