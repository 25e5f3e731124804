package vendorsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// HubSpot fakes HubSpot's CRM API (VENDORS.md section 1) for a private app:
// contacts and companies (batch upsert, create, update, read, single
// create, search), the GDPR delete of a contact, and v4 default
// associations, under both path families (/crm/v3/objects/... with
// /crm/v4/associations/..., and the date-versioned /crm/objects/2026-03/...
// with /crm/associations/2026-03/...).
//
// Choices where HubSpot's documentation is silent or sources disagree:
//   - Batch create with a duplicate email answers 207: the duplicates as
//     CONFLICT errors ("Contact already exists. Existing ID: N"), the rest
//     created. A single create of a duplicate answers 409.
//   - 429s carry the X-HubSpot-RateLimit-* headers but never Retry-After,
//     since HubSpot does not promise one: clients must fall back on the
//     interval header (ten-secondly) or the daily reset.
//   - Calls refused (401, 429, injected 5xx) consume no quota.
//   - Association endpoints count in the "default" bucket although HubSpot
//     exempts them from the ten-secondly limit: stricter, never looser.
//   - Search calls count only in the "search" bucket (5 per second), not
//     against the daily quota, and their answers carry no rate headers.
//   - The daily quota resets at midnight UTC (HubSpot uses the account's
//     time zone, which a fake does not have).
//   - Batch errors carry context.ids for id-keyed operations and
//     context.objectWriteTraceId when the input had one, so a client can
//     map each error to its input.
type HubSpot struct {
	token    string
	versions []string
	router   *Router
	seq      atomic.Uint64 // correlation ids

	mu      sync.Mutex
	objects map[string]*hsStore // "contacts", "companies"
	assoc   map[string]map[string]bool
}

// NewHubSpot is a HubSpot fake accepting the private-app token.
func NewHubSpot(token string) *HubSpot {
	h := &HubSpot{token: token, versions: []string{"2026-03"}}
	h.Reset()
	return h
}

// Name is "hubspot".
func (h *HubSpot) Name() string { return "hubspot" }

// Reset forgets every stored object and association.
func (h *HubSpot) Reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.objects = map[string]*hsStore{
		"contacts":  newHSStore("contacts", 100000, hsContactProps, "email"),
		"companies": newHSStore("companies", 9000000, hsCompanyProps, "external_company_id"),
	}
	h.assoc = make(map[string]map[string]bool)
}

// Authenticate wants "Authorization: Bearer <token>"; the legacy hapikey
// query parameter is gone since 2022.
func (h *HubSpot) Authenticate(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && tok != "" && tok == h.token
}

// Unauthorized writes HubSpot's 401.
func (h *HubSpot) Unauthorized(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, http.StatusUnauthorized, hsError{
		Category: "INVALID_AUTHENTICATION",
		Message:  "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
	})
}

// Limits are the Free/Starter private-app limits: 100 calls per rolling
// ten seconds and 250,000 per day; search has its own 5 per second.
func (h *HubSpot) Limits() map[string][]Limit {
	return map[string][]Limit{
		"default": {{Rate: 100, Per: 10 * time.Second, Window: Sliding}, {Rate: 250000, Per: 24 * time.Hour, Window: Fixed}},
		"search":  {{Rate: 5, Per: time.Second, Window: Sliding}},
	}
}

// RateHeaders sets X-HubSpot-RateLimit-* on non-search answers: the
// shortest limit as Max/Remaining/Interval-Milliseconds, a limit of a day
// or more as Daily/Daily-Remaining.
func (h *HubSpot) RateHeaders(w http.ResponseWriter, bucket string, st LimitState) {
	if bucket == "search" {
		return
	}
	hd := w.Header()
	for _, u := range st.All {
		if u.Limit.Per >= 24*time.Hour {
			hd.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(u.Limit.Rate))
			hd.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(u.Remaining))
			continue
		}
		if hd.Get("X-HubSpot-RateLimit-Max") == "" {
			hd.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(u.Limit.Rate))
			hd.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(u.Remaining))
			hd.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.FormatInt(u.Limit.Per.Milliseconds(), 10))
		}
	}
}

// TooManyRequests writes HubSpot's 429 with its policyName.
func (h *HubSpot) TooManyRequests(w http.ResponseWriter, bucket string, st LimitState, retryAfter time.Duration) {
	policy, what := "TEN_SECONDLY_ROLLING", "ten_secondly_rolling"
	switch {
	case st.Exceeded != nil && st.Exceeded.Per >= 24*time.Hour:
		policy, what = "DAILY", "daily"
	case bucket == "search":
		policy, what = "SECONDLY", "secondly"
	}
	h.RateHeaders(w, bucket, st)
	id := h.correlationID()
	h.writeJSON(w, http.StatusTooManyRequests, map[string]string{
		"status": "error", "message": "You have reached your " + what + " limit.",
		"errorType": "RATE_LIMIT", "correlationId": id, "policyName": policy, "requestId": id,
	})
}

// ServerError writes HubSpot's error shape with a 5xx status.
func (h *HubSpot) ServerError(w http.ResponseWriter, status int) {
	cat := "INTERNAL_ERROR"
	if status == http.StatusServiceUnavailable {
		cat = "SERVICE_UNAVAILABLE"
	}
	h.writeError(w, status, hsError{Category: cat, Message: http.StatusText(status)})
}

// hsError is HubSpot's StandardError / Error schema.
type hsError struct {
	Status        string              `json:"status"`
	Category      string              `json:"category"`
	SubCategory   string              `json:"subCategory,omitempty"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId,omitempty"`
	Context       map[string][]string `json:"context,omitempty"`
	Errors        []hsErrorDetail     `json:"errors,omitempty"`
}

type hsErrorDetail struct {
	Message     string              `json:"message"`
	Code        string              `json:"code,omitempty"`
	In          string              `json:"in,omitempty"`
	SubCategory string              `json:"subCategory,omitempty"`
	Context     map[string][]string `json:"context,omitempty"`
}

func (h *HubSpot) writeError(w http.ResponseWriter, status int, e hsError) {
	e.Status = "error"
	e.CorrelationID = h.correlationID()
	h.writeJSON(w, status, e)
}

func (h *HubSpot) validation(w http.ResponseWriter, format string, args ...any) {
	h.writeError(w, http.StatusBadRequest, hsError{Category: "VALIDATION_ERROR", Message: fmt.Sprintf(format, args...)})
}

func (h *HubSpot) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// correlationID is a UUID-shaped id, deterministic in call order.
func (h *HubSpot) correlationID() string {
	n := Hash("hubspot-correlation", strconv.FormatUint(h.seq.Add(1), 10))
	m := Hash(strconv.FormatUint(n, 16))
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", uint32(n>>32), uint16(n>>16), uint16(n)&0xfff, uint16(m>>48)&0xfff, m&0xffffffffffff)
}
