package config_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/internal/config"
)

func env(m map[string]string) config.Lookup {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsWorkLocally(t *testing.T) {
	t.Parallel()
	if _, _, err := config.LoadDev(env(nil)); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

func TestErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"bad duration", map[string]string{"API_REQUEST_TIMEOUT": "soon"}, []string{"API_REQUEST_TIMEOUT", "not a duration"}},
		{"negative duration", map[string]string{"WORKER_SHUTDOWN_TIMEOUT": "-1s"}, []string{"WORKER_SHUTDOWN_TIMEOUT", "positive"}},
		{"int out of range", map[string]string{"DATABASE_MAX_CONNS": "0"}, []string{"DATABASE_MAX_CONNS", "between"}},
		{"bad enum", map[string]string{"LOG_LEVEL": "loud"}, []string{"LOG_LEVEL", "one of"}},
		{"bad url scheme", map[string]string{"DATABASE_URL": "mysql://x"}, []string{"DATABASE_URL", "scheme"}},
		{"unknown queue", map[string]string{"WORKER_QUEUES": "enrichment=2,mail=3"}, []string{"WORKER_QUEUES", `unknown queue "mail"`}},
		{"bad concurrency", map[string]string{"WORKER_QUEUES": "crm=lots"}, []string{"WORKER_QUEUES", "concurrency"}},
		{"short jwt secret", map[string]string{"AUTH_JWT_SECRET": "short"}, []string{"AUTH_JWT_SECRET", "32 bytes"}},
		{"production needs secret", map[string]string{"APP_ENV": "production"}, []string{"AUTH_JWT_SECRET", "required"}},
		{"production needs suppression key", map[string]string{"APP_ENV": "production"}, []string{"SUPPRESSION_HASH_KEY", "required"}},
		{"short suppression key", map[string]string{"SUPPRESSION_HASH_KEY": "short"}, []string{"SUPPRESSION_HASH_KEY", "32 bytes"}},
		{"bad cors origin", map[string]string{"API_CORS_ORIGINS": "example.com"}, []string{"API_CORS_ORIGINS", "http"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := config.LoadDev(env(tt.env))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	t.Parallel()
	_, _, err := config.LoadDev(env(map[string]string{"API_ADDR": ":1", "LOG_LEVEL": "x", "DATABASE_MAX_CONNS": "x"}))
	if err == nil || !strings.Contains(err.Error(), "LOG_LEVEL") || !strings.Contains(err.Error(), "DATABASE_MAX_CONNS") {
		t.Fatalf("want both problems, got %v", err)
	}
}

func TestSecretsMaskedWhenLogged(t *testing.T) {
	t.Parallel()
	cfg, _, err := config.LoadAPI(env(map[string]string{
		"DATABASE_URL":    "postgres://app:hunter2@db:5432/rtgs",
		"AUTH_JWT_SECRET": "0123456789abcdef0123456789abcdef-topsecret",
		"REDIS_URL":       "redis://:redispass@cache:6379/0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprint(cfg.LogValue(), cfg.Auth.JWTSecret, cfg.RedisURL)
	for _, secret := range []string{"hunter2", "topsecret", "redispass"} {
		if strings.Contains(out, secret) {
			t.Errorf("logged config contains %q: %s", secret, out)
		}
	}
}

func TestParseQueues(t *testing.T) {
	t.Parallel()
	got, err := config.ParseQueues(" crm=3 , enrichment ")
	if err != nil {
		t.Fatal(err)
	}
	if got["crm"] != 3 || got["enrichment"] != config.DefaultQueues()["enrichment"] || len(got) != 2 {
		t.Fatalf("got %v", got)
	}
	if _, err := config.ParseQueues("crm=1,crm=2"); err == nil {
		t.Fatal("duplicate queue accepted")
	}
}

// The README's configuration table lists every variable the code reads.
func TestREADMEListsEveryVariable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range config.AllVars() {
		if !strings.Contains(string(readme), "| `"+v.Name+"` |") {
			t.Errorf("README configuration table lacks %s (regenerate with: make env-table)", v.Name)
		}
	}
}
