package gemini

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"google.golang.org/genai"

	"github.com/rtgs/sales-automation/integrations/guard"
)

func TestClassifyResponse(t *testing.T) {
	t.Parallel()
	// 20:00 UTC on 25 November is 12:00 PST: 12 hours to midnight Pacific.
	now := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	quota := func(id, delay string) string {
		b := `{"error":{"code":429,"message":"You exceeded your current quota","status":"RESOURCE_EXHAUSTED","details":[` +
			`{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"m","quotaId":"` + id + `"}]}`
		if delay != "" {
			b += `,{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"` + delay + `"}`
		}
		return b + `]}}`
	}
	tests := []struct {
		name    string
		status  int
		header  map[string]string
		body    string
		kind    string // "ok", "rate", "api", "transient"
		wait    time.Duration
		code    string
		message string
	}{
		{"200", 200, nil, `{}`, "ok", 0, "", ""},
		{"per-minute with retryDelay", 429, nil, quota("GenerateRequestsPerMinutePerProjectPerModel", "34s"), "rate", 34 * time.Second, "GenerateRequestsPerMinutePerProjectPerModel", ""},
		{"fractional retryDelay", 429, nil, quota("GenerateContentInputTokensPerModelPerMinute", "1.5s"), "rate", 1500 * time.Millisecond, "GenerateContentInputTokensPerModelPerMinute", ""},
		{"per-day ignores retryDelay", 429, nil, quota("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "20s"), "rate", 12 * time.Hour, "GenerateRequestsPerDayPerProjectPerModel-FreeTier", ""},
		{"no RetryInfo, Retry-After", 429, map[string]string{"Retry-After": "9"}, quota("GenerateRequestsPerMinutePerProjectPerModel", ""), "rate", 9 * time.Second, "GenerateRequestsPerMinutePerProjectPerModel", ""},
		{"bare 429", 429, nil, `{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}`, "rate", time.Minute, "RESOURCE_EXHAUSTED", ""},
		{"503", 503, nil, `{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}`, "transient", 0, "", ""},
		{"500", 500, nil, `{"error":{"code":500,"message":"x","status":"INTERNAL"}}`, "transient", 0, "", ""},
		{"504", 504, nil, `{"error":{"code":504,"message":"x","status":"DEADLINE_EXCEEDED"}}`, "transient", 0, "", ""},
		{"408", 408, nil, ``, "transient", 0, "", ""},
		{"bad key", 400, nil, `{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}`,
			"api", 0, "INVALID_ARGUMENT", "API key not valid. (reason API_KEY_INVALID)"},
		{"403", 403, nil, `{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}`, "api", 0, "PERMISSION_DENIED", "denied"},
		{"non-JSON 400", 400, nil, `bad request`, "api", 0, "", "bad request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			checkKind(t, classifyResponse(tt.status, h, []byte(tt.body), now), tt.kind, tt.status, tt.wait, tt.code, tt.message)
		})
	}
}

func checkKind(t *testing.T, err error, kind string, status int, wait time.Duration, code, message string) {
	t.Helper()
	var (
		rl *guard.RateLimitError
		ae *guard.APIError
		te *guard.TransientError
	)
	switch kind {
	case "ok":
		if err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
	case "rate":
		if !errors.As(err, &rl) || rl.RetryAfter != wait || rl.Policy != code || rl.Bucket != Bucket {
			t.Fatalf("err = %#v, want RateLimitError %s %s", err, wait, code)
		}
	case "api":
		if !errors.As(err, &ae) || ae.Status != status || ae.Code != code || ae.Message != message {
			t.Fatalf("err = %#v, want APIError %d %s %q", err, status, code, message)
		}
	case "transient":
		if !errors.As(err, &te) || te.Status != status {
			t.Fatalf("err = %#v, want TransientError %d", err, status)
		}
	}
}

// TestMapErrorFromSDK: the SDK's APIError (by value, as it returns it, or by
// pointer) maps like the raw answer, and the HTTP status line the SDK puts
// in Status for a non-JSON answer is not taken for a Google status.
func TestMapErrorFromSDK(t *testing.T) {
	t.Parallel()
	details := []map[string]any{{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}}
	tests := []struct {
		name string
		err  error
		kind string
		code string
	}{
		{"value 429", genai.APIError{Code: 429, Status: "RESOURCE_EXHAUSTED", Details: details}, "rate", "RESOURCE_EXHAUSTED"},
		{"pointer 429", &genai.APIError{Code: 429, Status: "RESOURCE_EXHAUSTED", Details: details}, "rate", "RESOURCE_EXHAUSTED"},
		{"HTTP status line", genai.APIError{Code: 418, Status: "418 I'm a teapot", Message: "teapot"}, "api", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := mapError(t.Context(), errors.Join(errors.New("doRequest"), tt.err))
			wait := time.Duration(0)
			if tt.kind == "rate" {
				wait = 7 * time.Second
			}
			msg := ""
			if tt.kind == "api" {
				msg = "teapot"
			}
			checkKind(t, err, tt.kind, 418, wait, tt.code, msg)
		})
	}
}
