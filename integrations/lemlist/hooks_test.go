package lemlist

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// receiver records the webhook deliveries it gets, decoded as the
// platform's receiver will decode them.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []Activity
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var a Activity
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &a) != nil {
			http.Error(w, "bad delivery", http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		rc.got = append(rc.got, a)
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) deliveries() []Activity {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Activity(nil), rc.got...)
}

func TestHooksLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	camp := b.campaign(0)
	h, err := b.client.CreateHook(ctx, CreateHookRequest{
		TargetURL: "https://hooks.example/lemlist", Type: "emailsReplied", Secret: "s3cret", CampaignID: camp, IsFirst: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h.ID, "hoo_") || h.Type != "emailsReplied" || h.CampaignID != camp || !h.IsFirst || h.CreatedAt.IsZero() {
		t.Fatalf("hook = %+v", h)
	}
	if fake := b.fake.Hooks(); len(fake) != 1 || fake[0].Secret != "s3cret" {
		t.Fatalf("fake hooks = %+v", fake)
	}
	list, err := b.client.ListHooks(ctx)
	if err != nil || len(list) != 1 || list[0].ID != h.ID {
		t.Fatalf("list = %+v, %v", list, err)
	}
	deleted, err := b.client.DeleteHook(ctx, h.ID)
	if err != nil || deleted.ID != h.ID || deleted.TargetURL != h.TargetURL {
		t.Fatalf("delete = %+v, %v", deleted, err)
	}
	_, err = b.client.DeleteHook(ctx, h.ID)
	if !IsNotFound(err) {
		t.Fatalf("second delete = %v, want not found", err)
	}
	if list, _ := b.client.ListHooks(ctx); len(list) != 0 {
		t.Fatalf("hooks left: %+v", list)
	}
}

func TestCreateHookRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name   string
		req    CreateHookRequest
		status int
		code   string
	}{
		{"no target", CreateHookRequest{}, 0, CodeInvalidRequest},
		{"relative target", CreateHookRequest{TargetURL: "/hook"}, 0, CodeInvalidRequest},
		{"removed event type", CreateHookRequest{TargetURL: "https://h.example", Type: "emailsSendFailed"}, 400, CodeBadRequest},
		{"unknown campaign", CreateHookRequest{TargetURL: "https://h.example", CampaignID: "cam_nope"}, 404, CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.client.CreateHook(context.Background(), tt.req)
			if ae := asAPIError(t, err); ae.Status != tt.status || ae.Code != tt.code {
				t.Fatalf("err = %+v, want %d %s", ae, tt.status, tt.code)
			}
		})
	}
}

func TestFireHookDeliversMatchingEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	c0, c1 := b.campaign(0), b.campaign(1)
	all, replies, warmed, otherCampaign := newReceiver(t), newReceiver(t), newReceiver(t), newReceiver(t)
	for _, req := range []CreateHookRequest{
		{TargetURL: all.srv.URL, Secret: "s-all"},
		{TargetURL: replies.srv.URL, Type: "emailsReplied", Secret: "s-replies", CampaignID: c0},
		{TargetURL: warmed.srv.URL, Type: "warmed"}, // the lead-state group of replies
		{TargetURL: otherCampaign.srv.URL, CampaignID: c1},
	} {
		if _, err := b.client.CreateHook(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.client.AddLead(ctx, c0, AddLeadRequest{Email: "reply@hooks.example", FirstName: "Rae"}, AddLeadOptions{}); err != nil {
		t.Fatal(err)
	}
	ev, err := b.fake.RecordActivity(c0, "reply@hooks.example", "emailsReplied")
	if err != nil {
		t.Fatal(err)
	}
	n, err := b.fake.FireHook(ctx, ev)
	if err != nil || n != 3 {
		t.Fatalf("FireHook = %d, %v; want 3 deliveries", n, err)
	}
	got := replies.deliveries()
	if len(got) != 1 {
		t.Fatalf("replies hook got %d deliveries", len(got))
	}
	d := got[0]
	if d.ID != ev.ID || d.Type != "emailsReplied" || d.Secret != "s-replies" || d.CampaignID != c0 ||
		d.LeadEmail != "reply@hooks.example" || d.LeadFirstName != "Rae" || d.SequenceStep != 1 || !strings.HasPrefix(d.TeamID, "tea_") {
		t.Fatalf("delivery = %+v", d)
	}
	if a := all.deliveries(); len(a) != 1 || a[0].Secret != "s-all" {
		t.Fatalf("catch-all = %+v", a)
	}
	if w := warmed.deliveries(); len(w) != 1 || w[0].Secret != "" {
		t.Fatalf("warmed = %+v", w)
	}
	if o := otherCampaign.deliveries(); len(o) != 0 {
		t.Fatalf("other campaign's hook got %+v", o)
	}
}

func TestFireHookReportsFailedDeliveries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusInternalServerError)
	}))
	t.Cleanup(down.Close)
	if _, err := b.client.CreateHook(ctx, CreateHookRequest{TargetURL: down.URL}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.client.AddLead(ctx, b.campaign(0), AddLeadRequest{Email: "f@hooks.example"}, AddLeadOptions{}); err != nil {
		t.Fatal(err)
	}
	ev, _ := b.fake.RecordActivity(b.campaign(0), "f@hooks.example", "emailsOpened")
	n, err := b.fake.FireHook(ctx, ev)
	if n != 0 || err == nil || !strings.Contains(err.Error(), "status 500") {
		t.Fatalf("FireHook = %d, %v", n, err)
	}
}
