package lemlist

import (
	"context"
	"strings"
	"testing"
)

func TestUnsubscribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		api     string
		pattern string
		value   string
	}{
		{UnsubscribeLegacy, "POST /unsubscribes/{value}", "gone@acme.example"},
		{UnsubscribeV2, "POST /v2/unsubscribes/variables/{value}", "competitor.example"},
	}
	for _, tt := range tests {
		t.Run(tt.api, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			c := newTestClient(t, b.srv.URL+"/lemlist", func(cfg *Config) { cfg.UnsubscribeAPI = tt.api })
			ctx := context.Background()
			first, err := c.Unsubscribe(ctx, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(first.ID, "uns_") || (first.Email != tt.value && first.Value != tt.value) {
				t.Fatalf("unsubscribe = %+v", first)
			}
			again, err := c.Unsubscribe(ctx, tt.value)
			if err != nil || again.ID != first.ID {
				t.Fatalf("repeat = %+v, %v; want the same record", again, err)
			}
			if !b.fake.Unsubscribed(tt.value) || b.calls(tt.pattern) != 2 {
				t.Fatalf("fake: unsubscribed %v, calls %d", b.fake.Unsubscribed(tt.value), b.calls(tt.pattern))
			}
		})
	}
}

func TestUnsubscribeRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, v := range []string{"", "a/b", "x y"} {
		if _, err := b.client.Unsubscribe(context.Background(), v); asAPIError(t, err).Code != CodeInvalidRequest {
			t.Fatalf("%q: %v", v, err)
		}
	}
	_, err := b.client.Unsubscribe(context.Background(), "localhost")
	if ae := asAPIError(t, err); ae.Status != 400 || ae.Message != "Invalid email or domain" {
		t.Fatalf("err = %+v", ae)
	}
}

func TestUnsubscribedLeadIsNotEmailed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if _, err := b.client.Unsubscribe(ctx, "blocked.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.client.AddLead(ctx, b.campaign(0), AddLeadRequest{Email: "x@blocked.example"}, AddLeadOptions{}); err != nil {
		t.Fatal(err)
	}
	acts, err := b.client.ListActivities(ctx, ListActivitiesOptions{Type: "emailsSent"})
	if err != nil || len(acts) != 0 {
		t.Fatalf("emailsSent = %d, %v; want none", len(acts), err)
	}
}
