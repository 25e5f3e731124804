package vendorsim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ExploriumRateLimitBody selects which of the two documented 429 bodies the
// fake Explorium writes; the client must parse both.
type ExploriumRateLimitBody int

// The two 429 bodies Explorium documents.
const (
	// ExploriumRateLimitError is the rate-limit page's
	// {"error":"rate_limit_exceeded","message":…,"retry_after":60}.
	ExploriumRateLimitError ExploriumRateLimitBody = iota
	// ExploriumRateLimitCode is the error-handling page's
	// {"code":429,"message":…,"retry_after":60}.
	ExploriumRateLimitCode
)

// DefaultExploriumCredits is the balance a new fake Explorium account has.
const DefaultExploriumCredits = 1_000_000

// Explorium is the fake Explorium AgentSource API (v1): api_key header
// auth (a bearer token is also accepted, as one docs page shows it), 50-item
// batches validated FastAPI-style, one 200-per-minute sliding bucket with
// X-RateLimit-* headers, a per-key credit balance answered with 403 when
// spent, and deterministic data derived from the inputs.
type Explorium struct {
	apiKey string

	mu         sync.Mutex
	allocated  int64
	remaining  int64
	body429    ExploriumRateLimitBody
	businesses map[string]string             // business id → domain seen at match
	prospects  map[string]*explProspectInput // prospect id → input seen at match
}

// NewExplorium returns a fake Explorium accepting apiKey, with
// DefaultExploriumCredits credits.
func NewExplorium(apiKey string) *Explorium {
	return &Explorium{
		apiKey:     apiKey,
		allocated:  DefaultExploriumCredits,
		remaining:  DefaultExploriumCredits,
		businesses: map[string]string{},
		prospects:  map[string]*explProspectInput{},
	}
}

// SetCredits sets the key's remaining credits (and allocation), so tests can
// drive the account into Explorium's 403 "insufficient credits".
func (e *Explorium) SetCredits(remaining int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.remaining = remaining
	e.allocated = max(e.allocated, remaining)
}

// Reset implements Resetter: the balance returns to
// DefaultExploriumCredits and the ids seen at match are forgotten (their
// records stay derivable from the ids alone).
func (e *Explorium) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.allocated, e.remaining = DefaultExploriumCredits, DefaultExploriumCredits
	e.businesses = map[string]string{}
	e.prospects = map[string]*explProspectInput{}
}

// Credits returns the key's remaining credits.
func (e *Explorium) Credits() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.remaining
}

// SetRateLimitBody chooses the 429 body form.
func (e *Explorium) SetRateLimitBody(form ExploriumRateLimitBody) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.body429 = form
}

// Name implements Vendor.
func (e *Explorium) Name() string { return "explorium" }

// Authenticate implements Vendor: the api_key header (any case, as header
// names are), or Authorization: Bearer.
func (e *Explorium) Authenticate(r *http.Request) bool {
	if k := r.Header.Get("api_key"); k != "" {
		return k == e.apiKey
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && tok == e.apiKey
}

// Unauthorized implements Vendor with Explorium's generic error body.
func (e *Explorium) Unauthorized(w http.ResponseWriter, r *http.Request) {
	msg := "API key is invalid. Please set a valid API key in the api_key header."
	if r.Header.Get("api_key") == "" && r.Header.Get("Authorization") == "" {
		msg = "API key is missing. Please set it in the api_key header."
	}
	e.writeError(w, http.StatusUnauthorized, msg)
}

// Limits implements Vendor: 200 requests per minute per key, sliding, shared
// by every endpoint.
func (e *Explorium) Limits() map[string][]Limit {
	return map[string][]Limit{"default": {{Rate: 200, Per: time.Minute, Window: Sliding}}}
}

// RateHeaders implements Vendor: X-RateLimit-Limit, -Remaining and -Reset
// (unix seconds) on every answer.
func (e *Explorium) RateHeaders(w http.ResponseWriter, bucket string, st LimitState) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(st.Limit.Rate))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(st.Remaining, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(st.Reset.Unix(), 10))
}

// TooManyRequests implements Vendor: Retry-After in whole seconds and the
// configured one of the two documented bodies.
func (e *Explorium) TooManyRequests(w http.ResponseWriter, bucket string, st LimitState, retryAfter time.Duration) {
	e.RateHeaders(w, bucket, st)
	secs := max(int(math.Ceil(retryAfter.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	msg := fmt.Sprintf("API rate limit exceeded. Please retry after %d seconds.", secs)
	e.mu.Lock()
	form := e.body429
	e.mu.Unlock()
	body := map[string]any{"error": "rate_limit_exceeded", "message": msg, "retry_after": secs}
	if form == ExploriumRateLimitCode {
		body = map[string]any{"code": http.StatusTooManyRequests, "message": msg, "retry_after": secs}
	}
	explWriteJSON(w, http.StatusTooManyRequests, body)
}

// ServerError implements Vendor with the generic error body.
func (e *Explorium) ServerError(w http.ResponseWriter, status int) {
	msg := "An internal server error occurred"
	if status == http.StatusServiceUnavailable {
		msg = "Service temporarily unavailable"
	}
	e.writeError(w, status, msg)
}

// writeError writes Explorium's generic {"details","correlation_id"}.
func (e *Explorium) writeError(w http.ResponseWriter, status int, details string) {
	explWriteJSON(w, status, map[string]any{"details": details, "correlation_id": explCorrelationID()})
}

// explInvalid is one FastAPI validation item, written in the pydantic v1
// style Explorium's error page shows.
type explInvalid struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// write422 writes FastAPI's {"detail":[…]}.
func (e *Explorium) write422(w http.ResponseWriter, items ...explInvalid) {
	explWriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": items})
}

// explMaxRemembered bounds the ids the fake remembers inputs for. Past it
// new ids are not remembered: their records are then derived from the id
// alone (a synthetic name and domain), which keeps memory bounded in long
// benchmarks.
const explMaxRemembered = 1 << 18

func (e *Explorium) rememberBusiness(id, domain string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.businesses) < explMaxRemembered {
		e.businesses[id] = domain
	}
}

func (e *Explorium) rememberProspect(id string, in *explProspectInput) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.prospects) < explMaxRemembered {
		e.prospects[id] = in
	}
}

// spend takes cost credits or reports, without taking any, that the balance
// is short; the caller then answers 403.
func (e *Explorium) spend(cost int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if cost > e.remaining {
		return false
	}
	e.remaining -= cost
	return true
}

// ok writes a 200 with the response context, adding credit_usage when the
// request opted in with `credit-usage: true`.
func (e *Explorium) ok(w http.ResponseWriter, r *http.Request, body map[string]any, status string, results int, credits int64) {
	body["response_context"] = map[string]any{"correlation_id": explCorrelationID(), "request_status": status, "time_took_in_seconds": 0.01}
	if strings.EqualFold(r.Header.Get("credit-usage"), "true") {
		body["credit_usage"] = map[string]any{"total_results": results, "total_credits": credits}
	}
	explWriteJSON(w, http.StatusOK, body)
}

// charge spends cost and writes the 403 when the balance is short.
func (e *Explorium) charge(w http.ResponseWriter, cost int64) bool {
	if e.spend(cost) {
		return true
	}
	e.writeError(w, http.StatusForbidden, "You have insufficient credits to perform this operation. Please purchase additional credits.")
	return false
}

func explWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func explCorrelationID() string {
	return fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64())
}

var (
	_ Vendor   = (*Explorium)(nil)
	_ Resetter = (*Explorium)(nil)
)
