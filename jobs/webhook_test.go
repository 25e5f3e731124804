package jobs

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

func TestWebhookAction(t *testing.T) {
	t.Parallel()
	sim := vendorsim.Default(vendorsim.Options{Seed: 1})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	redirect := httptest.NewServer(http.RedirectHandler(srv.URL+"/_sink/steps", http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	host := func(s string) string { u, _ := url.Parse(s); return u.Host }
	w := newWebhook([]string{host(srv.URL), host(redirect.URL)})

	call := func(u string, body any) (any, error) {
		return w.Run(context.Background(), engine.Invocation{IdempotencyKey: "run/step/-1",
			Inputs: map[string]any{"url": u, "body": body}})
	}
	out, err := call(srv.URL+"/_sink/steps", map[string]any{"id": "w1"})
	if m, _ := out.(map[string]any); err != nil || m["status"] != 200 {
		t.Fatalf("allowed call = %v, %v; want status 200", out, err)
	}
	if _, err := call(srv.URL+"/_sink/steps", map[string]any{"id": "w1"}); err != nil {
		t.Fatalf("repeat: %v", err)
	}
	if n := sim.Counters().DuplicateWrites["sink"]["steps"]; n != 0 {
		t.Errorf("%d duplicate writes after a repeated invocation, want 0 (same idempotency key)", n)
	}
	for name, tt := range map[string]struct {
		url  string
		body any
	}{
		"host not listed":       {"http://169.254.169.254/latest/meta-data", nil},
		"not http":              {"ftp://" + host(srv.URL) + "/x", nil},
		"credentials in url":    {"http://user:pw@" + host(srv.URL) + "/_sink/steps", nil},
		"refused by the host":   {srv.URL + "/_sink/steps", map[string]any{"nope": 1}},
		"redirect not followed": {redirect.URL, map[string]any{"id": "w2"}},
	} {
		_, err := call(tt.url, tt.body)
		var perm *engine.PermanentError
		if !errors.As(err, &perm) {
			t.Errorf("%s: err = %v, want a permanent failure", name, err)
		}
	}
	// With no host listed, every call fails, naming the setting, and
	// nothing reaches the host.
	const route = "sink POST /_sink/steps"
	calls := sim.Counters().Calls[route]
	_, err = newWebhook(nil).Run(context.Background(), engine.Invocation{IdempotencyKey: "run/step/-1",
		Inputs: map[string]any{"url": srv.URL + "/_sink/steps", "body": map[string]any{"id": "w3"}}})
	var perm *engine.PermanentError
	if !errors.As(err, &perm) || !strings.Contains(err.Error(), "WORKFLOW_WEBHOOK_HOSTS is empty") {
		t.Errorf("empty allowlist: err = %v, want a permanent failure naming WORKFLOW_WEBHOOK_HOSTS", err)
	}
	if n := sim.Counters().Calls[route]; n != calls {
		t.Errorf("%d calls reached the host under an empty allowlist, want 0", n-calls)
	}
}
