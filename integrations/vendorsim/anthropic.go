package vendorsim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// AnthropicVersion is the anthropic-version the fake accepts besides
// anthropicOldVersion; the official SDK sends it.
const AnthropicVersion = "2023-06-01"

// anthropicOldVersion is the only other version Anthropic still serves.
const anthropicOldVersion = "2023-01-01"

// Anthropic is the fake Anthropic Messages API: x-api-key auth with the
// anthropic-version header required, POST /v1/messages validated the way
// Anthropic validates it, one "default" bucket of 50 requests per minute
// (sliding; Anthropic's token bucket refills continuously, which a sliding
// window approximates) announced with anthropic-ratelimit-requests-*
// headers, and answers derived from the prompt (see AnthropicReply). Token
// limits (ITPM, OTPM) are not simulated.
type Anthropic struct {
	apiKey string

	mu                 sync.Mutex
	spendLimitReached  bool
	overloadRetryAfter time.Duration
}

// NewAnthropic returns a fake Anthropic accepting apiKey.
func NewAnthropic(apiKey string) *Anthropic {
	return &Anthropic{apiKey: apiKey}
}

// SetSpendLimitReached makes every authenticated call answer the 429 of an
// organisation whose monthly spend limit is used up: error.details.error_code
// "enforced_spend_limit_reached" and no retry-after, which clients must not
// retry until the month resets.
func (a *Anthropic) SetSpendLimitReached(on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.spendLimitReached = on
}

// SetOverloadRetryAfter makes the 529 overloaded_error (served for outages)
// carry retry-after: d, rounded up to whole seconds; zero, the default,
// leaves it out. Anthropic sends it on some 529s and not others, so clients
// must handle both forms.
func (a *Anthropic) SetOverloadRetryAfter(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.overloadRetryAfter = d
}

// Reset implements Resetter: the spend limit and overload knobs return to
// their defaults.
func (a *Anthropic) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.spendLimitReached, a.overloadRetryAfter = false, 0
}

// Name implements Vendor.
func (a *Anthropic) Name() string { return "anthropic" }

// Authenticate implements Vendor: the x-api-key header. Anthropic's
// OAuth bearer tokens are not for API keys, so they are not accepted.
func (a *Anthropic) Authenticate(r *http.Request) bool {
	return r.Header.Get("x-api-key") == a.apiKey
}

// Unauthorized implements Vendor with Anthropic's 401 authentication_error.
func (a *Anthropic) Unauthorized(w http.ResponseWriter, r *http.Request) {
	msg := "invalid x-api-key"
	if r.Header.Get("x-api-key") == "" {
		msg = "x-api-key header is required"
	}
	a.writeError(w, http.StatusUnauthorized, "authentication_error", msg, false)
}

// Limits implements Vendor: 50 requests per minute, the lowest tier's RPM.
func (a *Anthropic) Limits() map[string][]Limit {
	return map[string][]Limit{"default": {{Rate: 50, Per: time.Minute, Window: Sliding}}}
}

// RateHeaders implements Vendor: anthropic-ratelimit-requests-limit,
// -remaining and -reset (RFC 3339) on every answer.
func (a *Anthropic) RateHeaders(w http.ResponseWriter, bucket string, st LimitState) {
	h := w.Header()
	h.Set("anthropic-ratelimit-requests-limit", strconv.Itoa(st.Limit.Rate))
	h.Set("anthropic-ratelimit-requests-remaining", strconv.Itoa(max(st.Remaining, 0)))
	h.Set("anthropic-ratelimit-requests-reset", st.Reset.UTC().Format(time.RFC3339))
}

// TooManyRequests implements Vendor: 429 rate_limit_error with retry-after
// in whole seconds (at least one) and the rate headers.
func (a *Anthropic) TooManyRequests(w http.ResponseWriter, bucket string, st LimitState, retryAfter time.Duration) {
	a.RateHeaders(w, bucket, st)
	w.Header().Set("retry-after", strconv.Itoa(aiSeconds(retryAfter)))
	msg := fmt.Sprintf("This request would exceed the rate limit for your organization of %d requests per %s. "+
		"For details, refer to: https://docs.claude.com/en/api/rate-limits. "+
		"You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.",
		st.Limit.Rate, st.Limit.Per)
	a.writeError(w, http.StatusTooManyRequests, "rate_limit_error", msg, true)
}

// ServerError implements Vendor. An outage (503 from the simulator) is
// Anthropic's 529 overloaded_error, which is how Anthropic reports being out
// of capacity; 504 is timeout_error and every other status api_error.
func (a *Anthropic) ServerError(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusServiceUnavailable, 529:
		a.mu.Lock()
		ra := a.overloadRetryAfter
		a.mu.Unlock()
		if ra > 0 {
			w.Header().Set("retry-after", strconv.Itoa(aiSeconds(ra)))
		}
		a.writeError(w, 529, "overloaded_error", "Overloaded", true)
	case http.StatusGatewayTimeout:
		a.writeError(w, status, "timeout_error", "Request timed out", true)
	default:
		a.writeError(w, status, "api_error", "Internal server error", true)
	}
}

// writeError writes Anthropic's error envelope with its request-id header
// and x-should-retry, which Anthropic sets so its SDKs know what to retry.
func (a *Anthropic) writeError(w http.ResponseWriter, status int, typ, msg string, retry bool) {
	a.writeErrorDetails(w, status, typ, msg, retry, nil)
}

func (a *Anthropic) writeErrorDetails(w http.ResponseWriter, status int, typ, msg string, retry bool, details map[string]any) {
	id := anthropicID("req_")
	w.Header().Set("request-id", id)
	w.Header().Set("x-should-retry", strconv.FormatBool(retry))
	e := map[string]any{"type": typ, "message": msg}
	if details != nil {
		e["details"] = details
	}
	anthropicWriteJSON(w, status, map[string]any{"type": "error", "error": e, "request_id": id})
}

// spendLimitHit answers the spend-limit 429 when that knob is on.
func (a *Anthropic) spendLimitHit(w http.ResponseWriter) bool {
	a.mu.Lock()
	on := a.spendLimitReached
	a.mu.Unlock()
	if !on {
		return false
	}
	a.writeErrorDetails(w, http.StatusTooManyRequests, "rate_limit_error",
		"You have reached your specified workspace API usage limits. You will regain access on the first day of next month.",
		false, map[string]any{"error_code": "enforced_spend_limit_reached"})
	return true
}

func anthropicWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// anthropicID is a random id in Anthropic's style ("msg_…", "req_…"): ids
// are unique per call, only the answers are deterministic.
func anthropicID(prefix string) string {
	return fmt.Sprintf("%s%016x%08x", prefix, rand.Uint64(), rand.Uint32())
}

// aiSeconds is d in whole seconds, rounded up, at least one: a zero
// retry-after would tell clients to hammer the fake.
func aiSeconds(d time.Duration) int {
	return max(int(math.Ceil(d.Seconds())), 1)
}

var (
	_ Vendor   = (*Anthropic)(nil)
	_ Resetter = (*Anthropic)(nil)
)
