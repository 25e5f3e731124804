package vendorsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// The admin route records an activity for a lead and delivers it to the
// hooks, secret echoed, as lemlist would when it happens.
func TestLemlistAdminActivity(t *testing.T) {
	t.Parallel()
	b := setupLemlist(t)
	var mu sync.Mutex
	var got []map[string]any
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	t.Cleanup(target.Close)
	camp := b.fake.AddCampaign("demo", "running")
	if st, body, _ := b.do(t, "POST", "/campaigns/"+camp.ID+"/leads/", `{"email":"ann@acme.example"}`); st != 200 {
		t.Fatalf("add lead: %d %s", st, body)
	}
	if st, body, _ := b.do(t, "POST", "/hooks", `{"targetUrl":"`+target.URL+`/hook","secret":"s3cret"}`); st != 200 {
		t.Fatalf("create hook: %d %s", st, body)
	}
	admin := func(body string) (int, string) {
		t.Helper()
		resp, err := http.Post(b.srv.URL+"/_admin/lemlist/activities", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	st, body := admin(`{"campaign_id":"` + camp.ID + `","email":"ann@acme.example","type":"emailsReplied"}`)
	if st != 200 || !strings.Contains(body, `"delivered":1`) {
		t.Fatalf("admin activity: %d %s, want 200 delivered to the hook", st, body)
	}
	if len(got) != 1 || got[0]["type"] != "emailsReplied" || got[0]["secret"] != "s3cret" || got[0]["leadEmail"] != "ann@acme.example" {
		t.Errorf("hook received %v, want the reply with the secret", got)
	}
	if st, _ := admin(`{"campaign_id":"` + camp.ID + `","email":"nobody@acme.example","type":"emailsReplied"}`); st != 404 {
		t.Errorf("unknown lead: %d, want 404", st)
	}
	if st, _ := admin(`{"email":"ann@acme.example"}`); st != 400 {
		t.Errorf("missing fields: %d, want 400", st)
	}
}
