package gemini

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

const testKey = "test-gemini-key"

// route is the simulator's counter key of generateContent (v1beta).
const route = "gemini POST /v1beta/models/{action}"

// testBundle is a client talking to the fake Gemini in a simulator on a
// real listener.
type testBundle struct {
	sim    *vendorsim.Sim
	fake   *vendorsim.Gemini
	client *Client
}

func setup(t *testing.T, cfg Config) testBundle {
	t.Helper()
	fake := vendorsim.NewGemini(testKey)
	sim := vendorsim.New(vendorsim.Options{}, fake)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	cfg.BaseURL = srv.URL + "/gemini"
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return testBundle{sim: sim, fake: fake, client: c}
}

// calls is how many calls the fake has seen, under both API versions.
func (b testBundle) calls() int64 {
	c := b.sim.Counters().Calls
	return c[route] + c["gemini POST /v1/models/{action}"]
}

func (b testBundle) knobs(t *testing.T, k vendorsim.Knobs) {
	t.Helper()
	if err := b.sim.SetKnobs("gemini", k); err != nil {
		t.Fatal(err)
	}
}

func TestNewClientValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		setting string // named in the error; empty for a valid config
	}{
		{"defaults", Config{APIKey: "k"}, ""},
		{"everything set", Config{APIKey: "k", BaseURL: "http://127.0.0.1:1/gemini/", APIVersion: "v1", Model: "gemini-2.5-pro", HTTPClient: &http.Client{}, Timeout: time.Second, MaxResponseBytes: 1}, ""},
		{"missing key", Config{}, "Config.APIKey"},
		{"blank key", Config{APIKey: " "}, "Config.APIKey"},
		{"relative base URL", Config{APIKey: "k", BaseURL: "generativelanguage.googleapis.com"}, "Config.BaseURL"},
		{"bad scheme", Config{APIKey: "k", BaseURL: "grpc://generativelanguage.googleapis.com"}, "Config.BaseURL"},
		{"bad API version", Config{APIKey: "k", APIVersion: "v1beta/../x"}, "Config.APIVersion"},
		{"negative timeout", Config{APIKey: "k", Timeout: -time.Second}, "Config.Timeout"},
		{"negative max bytes", Config{APIKey: "k", MaxResponseBytes: -1}, "Config.MaxResponseBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tt.cfg)
			switch {
			case tt.setting == "" && err != nil:
				t.Fatalf("NewClient: %v", err)
			case tt.setting == "" && c == nil:
				t.Fatal("NewClient returned nil client")
			case tt.setting != "" && (err == nil || !strings.Contains(err.Error(), tt.setting)):
				t.Fatalf("NewClient error = %v, want one naming %s", err, tt.setting)
			}
		})
	}
}

// TestNewClientIgnoresEnvironment: only Config configures the client, so
// GOOGLE_* variables cannot switch the backend, the host or the key.
func TestNewClientIgnoresEnvironment(t *testing.T) {
	t.Setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:1/")
	t.Setenv("GOOGLE_API_KEY", "env-key")
	t.Setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
	b := setup(t, Config{})
	if _, err := b.client.Complete(t.Context(), Request{Prompt: "hello"}); err != nil {
		t.Fatalf("Complete: %v", err)
	}
}

// TestHTTPClientNotModified: the caller's client is copied, not wrapped in
// place, so one *http.Client can serve several vendors.
func TestHTTPClientNotModified(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Timeout: 5 * time.Second}
	b := setup(t, Config{HTTPClient: hc})
	if _, err := b.client.Complete(t.Context(), Request{Prompt: "hello"}); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if hc.Transport != nil {
		t.Errorf("caller's HTTPClient.Transport was replaced with %T", hc.Transport)
	}
}
