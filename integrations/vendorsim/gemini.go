package vendorsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Gemini quota ids, as Google names the limits in a 429's QuotaFailure.
const (
	GeminiQuotaPerMinute = "GenerateRequestsPerMinutePerProjectPerModel"
	GeminiQuotaPerDay    = "GenerateRequestsPerDayPerProjectPerModel"
)

// Gemini is the fake Gemini API (generateContent): the key in the
// x-goog-api-key header or the ?key= query parameter, errors in Google's
// {"error":{"code","message","status","details"}} shape, one "default"
// bucket with the Tier 1 gemini-2.5-flash limits (1,000 requests per minute,
// sliding, and 10,000 per day, fixed), 429 RESOURCE_EXHAUSTED with a
// QuotaFailure naming the quota and a RetryInfo retryDelay, 503 UNAVAILABLE
// for outages, and answers derived from the prompt (see GeminiReply).
//
// The simulator's day windows reset at midnight UTC; Google's reset at
// midnight Pacific. Gemini sends no rate-limit headers, and neither does
// the fake. Token-per-minute limits are not simulated.
type Gemini struct {
	apiKey string

	mu            sync.Mutex
	omitRetryInfo bool
}

// NewGemini returns a fake Gemini accepting apiKey.
func NewGemini(apiKey string) *Gemini {
	return &Gemini{apiKey: apiKey}
}

// SetRetryInfo chooses whether 429s carry the RetryInfo detail (the
// default). Google does not guarantee it, so clients must cope without.
func (g *Gemini) SetRetryInfo(include bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.omitRetryInfo = !include
}

// Reset implements Resetter: 429s carry RetryInfo again.
func (g *Gemini) Reset() { g.SetRetryInfo(true) }

// Name implements Vendor.
func (g *Gemini) Name() string { return "gemini" }

// geminiKey is the key a request carries: the header first, then ?key=.
func geminiKey(r *http.Request) string {
	if k := r.Header.Get("x-goog-api-key"); k != "" {
		return k
	}
	return r.URL.Query().Get("key")
}

// Authenticate implements Vendor.
func (g *Gemini) Authenticate(r *http.Request) bool {
	return geminiKey(r) == g.apiKey
}

// Unauthorized implements Vendor the way Google answers: 403
// PERMISSION_DENIED without a key, 400 INVALID_ARGUMENT with reason
// API_KEY_INVALID for a wrong one.
func (g *Gemini) Unauthorized(w http.ResponseWriter, r *http.Request) {
	if geminiKey(r) == "" {
		geminiError(w, http.StatusForbidden, "PERMISSION_DENIED",
			"Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
			map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "CONSUMER_INVALID", "domain": "googleapis.com",
				"metadata": map[string]any{"service": "generativelanguage.googleapis.com"}})
		return
	}
	msg := "API key not valid. Please pass a valid API key."
	geminiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", msg,
		map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com",
			"metadata": map[string]any{"service": "generativelanguage.googleapis.com"}},
		map[string]any{"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": msg})
}

// Limits implements Vendor.
func (g *Gemini) Limits() map[string][]Limit {
	return map[string][]Limit{"default": {
		{Rate: 1000, Per: time.Minute, Window: Sliding},
		{Rate: 10000, Per: 24 * time.Hour, Window: Fixed},
	}}
}

// RateHeaders implements Vendor: Gemini sends none.
func (g *Gemini) RateHeaders(w http.ResponseWriter, bucket string, st LimitState) {}

// TooManyRequests implements Vendor: 429 RESOURCE_EXHAUSTED whose
// QuotaFailure names the per-day quota when a day-long limit was broken and
// the per-minute one otherwise, with RetryInfo's retryDelay ("34s") unless
// SetRetryInfo turned it off. No Retry-After header, as Google sends none.
func (g *Gemini) TooManyRequests(w http.ResponseWriter, bucket string, st LimitState, retryAfter time.Duration) {
	lim := st.Limit
	if st.Exceeded != nil {
		lim = *st.Exceeded
	}
	quota := GeminiQuotaPerMinute
	if lim.Per >= 24*time.Hour {
		quota = GeminiQuotaPerDay
	}
	secs := aiSeconds(retryAfter)
	msg := fmt.Sprintf("You exceeded your current quota, please check your plan and billing details. "+
		"For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n"+
		"* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_requests, limit: %d\n"+
		"Please retry in %ds.", lim.Rate, secs)
	details := []map[string]any{
		{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []map[string]any{{
			"quotaMetric":     "generativelanguage.googleapis.com/generate_content_requests",
			"quotaId":         quota,
			"quotaDimensions": map[string]any{"location": "global"},
			"quotaValue":      strconv.Itoa(lim.Rate),
		}}},
		{"@type": "type.googleapis.com/google.rpc.Help", "links": []map[string]any{{
			"description": "Learn more about Gemini API quotas",
			"url":         "https://ai.google.dev/gemini-api/docs/rate-limits",
		}}},
	}
	g.mu.Lock()
	withRetry := !g.omitRetryInfo
	g.mu.Unlock()
	if withRetry {
		details = append(details, map[string]any{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": fmt.Sprintf("%ds", secs)})
	}
	geminiError(w, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", msg, details...)
}

// ServerError implements Vendor: an outage (503) is UNAVAILABLE "model is
// overloaded", 504 DEADLINE_EXCEEDED, anything else INTERNAL.
func (g *Gemini) ServerError(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusServiceUnavailable:
		geminiError(w, status, "UNAVAILABLE", "The model is overloaded. Please try again later.")
	case http.StatusGatewayTimeout:
		geminiError(w, status, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.")
	default:
		geminiError(w, status, "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting")
	}
}

// geminiError writes Google's error envelope.
func geminiError(w http.ResponseWriter, code int, status, msg string, details ...map[string]any) {
	e := map[string]any{"code": code, "message": msg, "status": status}
	if len(details) > 0 {
		e["details"] = details
	}
	geminiWriteJSON(w, code, map[string]any{"error": e})
}

func geminiWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var (
	_ Vendor   = (*Gemini)(nil)
	_ Resetter = (*Gemini)(nil)
)
