package vendorsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ApolloPlan selects the rate limits of the fake Apollo account, from
// Apollo's rate-limit table of current plans.
type ApolloPlan int

// Apollo's plans.
const (
	// ApolloBasic (and Organization): enrichment 1,000/min; other APIs
	// 200/min and 400/hour. The default.
	ApolloBasic ApolloPlan = iota
	// ApolloFree: enrichment 50/min, 200/hour, 600/day; other APIs 50/min
	// and 200/hour.
	ApolloFree
	// ApolloProfessional: enrichment 1,000/min; other APIs 200/min and
	// 600/hour.
	ApolloProfessional
)

// Apollo is the fake Apollo.io API (/api/v1): x-api-key auth answered
// with Apollo's text/plain 401, endpoint-scoped keys answered with 403
// API_INACCESSIBLE, bulk caps of 10, the 50,000-result search display limit,
// per-minute/hour/day fixed windows per bucket with Apollo's x-* headers and
// {"message"} 429, and deterministic people and companies derived from the
// inputs.
type Apollo struct {
	apiKey string
	plan   ApolloPlan

	mu      sync.Mutex
	denied  map[string]bool // endpoint paths the key may not call
	credits int64
}

// NewApollo returns a fake Apollo account on the Basic plan accepting apiKey.
func NewApollo(apiKey string) *Apollo {
	return &Apollo{apiKey: apiKey, denied: map[string]bool{}}
}

// WithPlan sets the account's plan, which decides Limits; call it before
// the vendor is mounted.
func (a *Apollo) WithPlan(p ApolloPlan) *Apollo {
	a.plan = p
	return a
}

// Deny makes the key unauthorized for one endpoint path (such as
// "/mixed_people/api_search"), as an endpoint-scoped Apollo key is: calls
// get 403 API_INACCESSIBLE.
func (a *Apollo) Deny(path string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.denied[path] = true
}

// CreditsConsumed returns the credits the account has spent.
func (a *Apollo) CreditsConsumed() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.credits
}

// Reset implements Resetter: the credits spent start again from zero.
// Denied endpoints are the key's configuration and stay.
func (a *Apollo) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.credits = 0
}

func (a *Apollo) spend(n int64) {
	a.mu.Lock()
	a.credits += n
	a.mu.Unlock()
}

// Name implements Vendor.
func (a *Apollo) Name() string { return "apollo" }

// Authenticate implements Vendor: the x-api-key header.
func (a *Apollo) Authenticate(r *http.Request) bool {
	return r.Header.Get("X-Api-Key") == a.apiKey
}

// Unauthorized implements Vendor with Apollo's text/plain 401.
func (a *Apollo) Unauthorized(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprint(w, "Invalid API key. See https://docs.apollo.io/docs/create-api-key for how to create an API key and https://docs.apollo.io/reference/authentication for how to use it.")
}

// Limits implements Vendor with the plan's fixed windows.
func (a *Apollo) Limits() map[string][]Limit {
	fixed := func(rate int, per time.Duration) Limit { return Limit{Rate: rate, Per: per, Window: Fixed} }
	switch a.plan {
	case ApolloFree:
		return map[string][]Limit{
			"enrichment": {fixed(50, time.Minute), fixed(200, time.Hour), fixed(600, 24*time.Hour)},
			"default":    {fixed(50, time.Minute), fixed(200, time.Hour)},
		}
	case ApolloProfessional:
		return map[string][]Limit{
			"enrichment": {fixed(1000, time.Minute)},
			"default":    {fixed(200, time.Minute), fixed(600, time.Hour)},
		}
	default:
		return map[string][]Limit{
			"enrichment": {fixed(1000, time.Minute)},
			"default":    {fixed(200, time.Minute), fixed(400, time.Hour)},
		}
	}
}

// apoWindow names a limit's window the way Apollo's headers do.
func apoWindow(per time.Duration) string {
	switch {
	case per >= 24*time.Hour:
		return "daily"
	case per >= time.Hour:
		return "hourly"
	}
	return "minute"
}

// RateHeaders implements Vendor: x-rate-limit-<window>, x-<window>-usage
// and x-<window>-requests-left for every window of the bucket.
func (a *Apollo) RateHeaders(w http.ResponseWriter, bucket string, st LimitState) {
	if len(st.All) == 0 {
		if st.Limit.Rate > 0 { // an unlimited bucket (a knob) has no windows to report
			apoSetWindow(w.Header(), st.Limit, st.Remaining)
		}
		return
	}
	for _, u := range st.All {
		apoSetWindow(w.Header(), u.Limit, u.Remaining)
	}
}

func apoSetWindow(h http.Header, l Limit, remaining int) {
	win := apoWindow(l.Per)
	remaining = max(remaining, 0)
	h.Set("x-rate-limit-"+win, strconv.Itoa(l.Rate))
	h.Set("x-"+win+"-usage", strconv.Itoa(max(l.Rate-remaining, 0)))
	h.Set("x-"+win+"-requests-left", strconv.Itoa(remaining))
}

// apoBucketPath is the endpoint a 429 message names. The Vendor interface
// does not hand TooManyRequests the request, so it names the bucket's main
// endpoint rather than the one called.
var apoBucketPath = map[string]string{"enrichment": "api/v1/people/match", "default": "api/v1/mixed_people/api_search"}

// TooManyRequests implements Vendor: no Retry-After (Apollo sends none),
// the exhausted window's headers at zero, and Apollo's {"message"} body.
func (a *Apollo) TooManyRequests(w http.ResponseWriter, bucket string, st LimitState, retryAfter time.Duration) {
	a.RateHeaders(w, bucket, st)
	l := st.Limit
	if st.Exceeded != nil {
		l = *st.Exceeded
	}
	apoSetWindow(w.Header(), l, 0) // the window that refused is spent, whatever the count says
	per := map[string]string{"daily": "day", "hourly": "hour", "minute": "minute"}[apoWindow(l.Per)]
	apoWriteJSON(w, http.StatusTooManyRequests, map[string]any{"message": fmt.Sprintf(
		"The maximum number of api calls allowed for %s is %d times per %s. Please upgrade your plan from https://app.apollo.io/#/settings/plans/upgrade.",
		apoBucketPath[bucket], l.Rate, per)})
}

// ServerError implements Vendor: a JSON 500 from the application, and the
// HTML page of Apollo's edge proxy for 502, 503 and 504.
func (a *Apollo) ServerError(w http.ResponseWriter, status int) {
	if status == http.StatusInternalServerError {
		apoWriteJSON(w, status, map[string]any{"error": "Something went wrong. Please try again later."})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><center><h1>%d %s</h1></center></body></html>\n",
		status, http.StatusText(status), status, http.StatusText(status))
}

// apoInvalid writes Apollo's 422.
func apoInvalid(w http.ResponseWriter, msg string) {
	apoWriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": msg})
}

func apoWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var (
	_ Vendor   = (*Apollo)(nil)
	_ Resetter = (*Apollo)(nil)
)
