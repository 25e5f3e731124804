package anthropic

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
	b := setup(t, Config{})
	tests := []struct {
		name   string
		req    Request
		text   string
		stop   string
		model  string
		output int
	}{
		{"prompt only", Request{Prompt: "Draft a 3-line intro to Jane at Acme."},
			vendorsim.AnthropicReply("", "Draft a 3-line intro to Jane at Acme."), StopEndTurn, DefaultModel, 0},
		{"system, temperature, model override", Request{Model: "claude-haiku-4-5", System: "You write cold emails.", Prompt: "Intro to Jane", Temperature: ptr(0.2)},
			vendorsim.AnthropicReply("You write cold emails.", "Intro to Jane"), StopEndTurn, "claude-haiku-4-5", 0},
		{"conversation", Request{System: "Be brief.", History: []Turn{{RoleUser, "first"}, {RoleAssistant, "ok"}}, Prompt: "second"},
			vendorsim.AnthropicReply("Be brief.", "second"), StopEndTurn, DefaultModel, 0},
		{"max tokens", Request{Prompt: "hello there", MaxTokens: 3},
			vendorsim.AnthropicReply("", "hello there")[:12], StopMaxTokens, DefaultModel, 3},
		{"stop sequence", Request{Prompt: "hello", StopSequences: []string{"Re:"}},
			strings.SplitN(vendorsim.AnthropicReply("", "hello"), "Re:", 2)[0], StopSequence, DefaultModel, 0},
		{"refusal is an answer", Request{Prompt: "please " + vendorsim.AnthropicRefusalMarker}, "", StopRefusal, DefaultModel, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.client.Complete(t.Context(), tt.req)
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if got.Text != tt.text || got.StopReason != tt.stop || got.Model != tt.model {
				t.Errorf("got %q %s %s, want %q %s %s", got.Text, got.StopReason, got.Model, tt.text, tt.stop, tt.model)
			}
			if !strings.HasPrefix(got.ID, "msg_") || got.InputTokens < 1 || (tt.output > 0 && got.OutputTokens != tt.output) {
				t.Errorf("id %q, usage %d/%d", got.ID, got.InputTokens, got.OutputTokens)
			}
		})
	}
	// Stable across calls (and, being a hash of the inputs, across runs).
	a1, _ := b.client.Complete(t.Context(), Request{Prompt: "same"})
	a2, _ := b.client.Complete(t.Context(), Request{Prompt: "same"})
	if a1.Text == "" || a1.Text != a2.Text {
		t.Errorf("answers differ: %q vs %q", a1.Text, a2.Text)
	}
}

// TestCompleteErrors drives every failure the fake can produce and checks
// both the typed error and that the SDK made exactly one call: its retries
// are off, the guard and River own the policy.
func TestCompleteErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		prepare func(t *testing.T, b testBundle)
		req     Request
		check   func(t *testing.T, err error)
		calls   int64
	}{
		{"wrong key", Config{APIKey: "wrong"}, nil, Request{Prompt: "hi"}, wantAPIError(401, "authentication_error", "invalid x-api-key"), 1},
		{"unknown model", Config{Model: "gpt-4"}, nil, Request{Prompt: "hi"}, wantAPIError(404, "not_found_error", "gpt-4"), 1},
		{"bad conversation", Config{}, nil, Request{History: []Turn{{RoleUser, "a"}}, Prompt: "b"}, wantAPIError(400, "invalid_request_error", "alternate"), 1},
		{"rate limited", Config{}, func(t *testing.T, b testBundle) {
			b.knobs(t, vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {{Rate: 1, Per: time.Minute}}}})
			if _, err := b.client.Complete(t.Context(), Request{Prompt: "first"}); err != nil {
				t.Fatal(err)
			}
		}, Request{Prompt: "hi"}, func(t *testing.T, err error) {
			var rl *guard.RateLimitError
			if !errors.As(err, &rl) || rl.RetryAfter < 50*time.Second || rl.RetryAfter > time.Minute || rl.Policy != "rate_limit_error" || rl.Vendor != Vendor || rl.Local {
				t.Fatalf("err = %#v, want a RateLimitError of about a minute", err)
			}
		}, 2},
		{"overloaded", Config{}, func(t *testing.T, b testBundle) { b.knobs(t, vendorsim.Knobs{Outage: true}) },
			Request{Prompt: "hi"}, wantTransient(529), 1},
		{"overloaded with retry-after", Config{}, func(t *testing.T, b testBundle) {
			b.knobs(t, vendorsim.Knobs{Outage: true})
			b.fake.SetOverloadRetryAfter(7 * time.Second)
		}, Request{Prompt: "hi"}, func(t *testing.T, err error) {
			var rl *guard.RateLimitError
			if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second || rl.Policy != "overloaded_error" {
				t.Fatalf("err = %#v, want a 7s RateLimitError for overloaded_error", err)
			}
		}, 1},
		{"server error", Config{}, func(t *testing.T, b testBundle) { b.knobs(t, vendorsim.Knobs{ErrorRate: 1}) },
			Request{Prompt: "hi"}, wantTransient(500), 1},
		{"gateway timeout", Config{}, func(t *testing.T, b testBundle) { b.knobs(t, vendorsim.Knobs{ErrorRate: 1, ErrorStatus: 504}) },
			Request{Prompt: "hi"}, wantTransient(504), 1},
		{"spend limit", Config{}, func(t *testing.T, b testBundle) { b.fake.SetSpendLimitReached(true) },
			Request{Prompt: "hi"}, wantAPIError(429, CodeSpendLimit, "usage limits"), 1},
		{"timeout", Config{Timeout: 100 * time.Millisecond}, func(t *testing.T, b testBundle) {
			b.knobs(t, vendorsim.Knobs{LatencyMin: 2 * time.Second})
		}, Request{Prompt: "hi"}, wantTransient(0), 1},
		{"empty prompt, no call", Config{}, nil, Request{Prompt: " "}, wantAPIError(0, CodeInvalidRequest, "Prompt"), 0},
		{"bad temperature, no call", Config{}, nil, Request{Prompt: "x", Temperature: ptr(1.5)}, wantAPIError(0, CodeInvalidRequest, "Temperature"), 0},
		{"bad role, no call", Config{}, nil, Request{Prompt: "x", History: []Turn{{"system", "x"}}}, wantAPIError(0, CodeInvalidRequest, "Role"), 0},
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
