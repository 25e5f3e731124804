package gemini

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

func ptr[T any](v T) *T { return &v }

func TestCompleteAgainstSimulator(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    Config
		req    Request
		text   string
		stop   string
		model  string
		output int
	}{
		{"prompt only", Config{}, Request{Prompt: "Summarise Acme in one line."},
			vendorsim.GeminiReply("", "Summarise Acme in one line."), StopFinished, DefaultModel, 0},
		{"system, temperature, model override", Config{}, Request{Model: "gemini-2.5-pro", System: "You are a sales researcher.", Prompt: "Summarise Acme", Temperature: ptr(0.4)},
			vendorsim.GeminiReply("You are a sales researcher.", "Summarise Acme"), StopFinished, "gemini-2.5-pro", 0},
		{"conversation", Config{}, Request{System: "Be brief.", History: []Turn{{RoleUser, "first"}, {RoleModel, "ok"}}, Prompt: "second"},
			vendorsim.GeminiReply("Be brief.", "second"), StopFinished, DefaultModel, 0},
		{"max tokens", Config{}, Request{Prompt: "hello there", MaxTokens: 2},
			vendorsim.GeminiReply("", "hello there")[:8], StopMaxTokens, DefaultModel, 2},
		{"stop sequence", Config{}, Request{Prompt: "hello", StopSequences: []string{"Re:"}},
			strings.SplitN(vendorsim.GeminiReply("", "hello"), "Re:", 2)[0], StopFinished, DefaultModel, 0},
		{"API version v1", Config{APIVersion: "v1"}, Request{Prompt: "hello"},
			vendorsim.GeminiReply("", "hello"), StopFinished, DefaultModel, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.cfg)
			got, err := b.client.Complete(t.Context(), tt.req)
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if got.Text != tt.text || got.StopReason != tt.stop || got.Model != tt.model {
				t.Errorf("got %q %s %s, want %q %s %s", got.Text, got.StopReason, got.Model, tt.text, tt.stop, tt.model)
			}
			if got.ID == "" || got.InputTokens < 1 || (tt.output > 0 && got.OutputTokens != tt.output) {
				t.Errorf("id %q, usage %d/%d", got.ID, got.InputTokens, got.OutputTokens)
			}
			if n := b.calls(); n != 1 {
				t.Errorf("fake saw %d calls, want 1", n)
			}
		})
	}
}

// TestCompleteErrors drives every failure the fake can produce and checks
// both the typed error and that the SDK made exactly one call.
func TestCompleteErrors(t *testing.T) {
	t.Parallel()
	oneRPM := vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {{Rate: 1, Per: time.Minute}}}}
	oneRPD := vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {{Rate: 1, Per: 24 * time.Hour, Window: vendorsim.Fixed}}}}
	spend := func(k vendorsim.Knobs) func(*testing.T, testBundle) {
		return func(t *testing.T, b testBundle) {
			b.knobs(t, k)
			if _, err := b.client.Complete(t.Context(), Request{Prompt: "first"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name    string
		cfg     Config
		prepare func(t *testing.T, b testBundle)
		req     Request
		check   func(t *testing.T, err error)
		calls   int64
	}{
		{"wrong key", Config{APIKey: "wrong"}, nil, Request{Prompt: "hi"}, wantAPIError(400, "INVALID_ARGUMENT", "API_KEY_INVALID"), 1},
		{"unknown model", Config{Model: "gpt-4"}, nil, Request{Prompt: "hi"}, wantAPIError(404, "NOT_FOUND", "models/gpt-4"), 1},
		{"blocked prompt", Config{}, nil, Request{Prompt: "please " + vendorsim.GeminiBlockMarker}, wantAPIError(200, CodePromptBlocked, "SAFETY"), 1},
		{"per-minute quota", Config{}, spend(oneRPM), Request{Prompt: "hi"}, func(t *testing.T, err error) {
			var rl *guard.RateLimitError
			if !errors.As(err, &rl) || rl.RetryAfter < 50*time.Second || rl.RetryAfter > time.Minute || rl.Policy != vendorsim.GeminiQuotaPerMinute {
				t.Fatalf("err = %#v, want a RateLimitError of about a minute for the per-minute quota", err)
			}
		}, 2},
		{"per-minute quota without RetryInfo", Config{}, func(t *testing.T, b testBundle) {
			spend(oneRPM)(t, b)
			b.fake.SetRetryInfo(false)
		}, Request{Prompt: "hi"}, func(t *testing.T, err error) {
			var rl *guard.RateLimitError
			if !errors.As(err, &rl) || rl.RetryAfter != defaultRetryAfter {
				t.Fatalf("err = %#v, want the default wait", err)
			}
		}, 2},
		{"per-day quota", Config{}, spend(oneRPD), Request{Prompt: "hi"}, func(t *testing.T, err error) {
			var rl *guard.RateLimitError
			want := time.Until(nextPacificMidnight(time.Now()))
			if !errors.As(err, &rl) || rl.Policy != vendorsim.GeminiQuotaPerDay || rl.RetryAfter < want-time.Minute || rl.RetryAfter > want+time.Minute {
				t.Fatalf("err = %#v, want a RateLimitError until midnight Pacific (%s)", err, want)
			}
		}, 2},
		{"overloaded", Config{}, func(t *testing.T, b testBundle) { b.knobs(t, vendorsim.Knobs{Outage: true}) },
			Request{Prompt: "hi"}, wantTransient(503), 1},
		{"server error", Config{}, func(t *testing.T, b testBundle) { b.knobs(t, vendorsim.Knobs{ErrorRate: 1}) },
			Request{Prompt: "hi"}, wantTransient(500), 1},
		{"timeout", Config{Timeout: 100 * time.Millisecond}, func(t *testing.T, b testBundle) {
			b.knobs(t, vendorsim.Knobs{LatencyMin: 2 * time.Second})
		}, Request{Prompt: "hi"}, wantTransient(0), 1},
		{"empty prompt, no call", Config{}, nil, Request{Prompt: ""}, wantAPIError(0, CodeInvalidRequest, "Prompt"), 0},
		{"bad temperature, no call", Config{}, nil, Request{Prompt: "x", Temperature: ptr(2.5)}, wantAPIError(0, CodeInvalidRequest, "Temperature"), 0},
		{"bad role, no call", Config{}, nil, Request{Prompt: "x", History: []Turn{{"assistant", "x"}}}, wantAPIError(0, CodeInvalidRequest, "Role"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.cfg)
			if tt.prepare != nil {
				tt.prepare(t, b)
			}
			_, err := b.client.Complete(t.Context(), tt.req)
			tt.check(t, err)
			if got := b.calls(); got != tt.calls {
				t.Errorf("fake saw %d calls, want %d (SDK retries must be off)", got, tt.calls)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error %q leaks the key", err)
			}
		})
	}
}

func wantAPIError(status int, code, msg string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var ae *guard.APIError
		if !errors.As(err, &ae) || ae.Status != status || ae.Code != code || !strings.Contains(ae.Message, msg) || ae.Vendor != Vendor {
			t.Fatalf("err = %#v (%v), want APIError %d %s containing %q", err, err, status, code, msg)
		}
	}
}

func wantTransient(status int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var te *guard.TransientError
		if !errors.As(err, &te) || te.Status != status || te.Vendor != Vendor {
			t.Fatalf("err = %#v (%v), want TransientError with status %d", err, err, status)
		}
	}
}
