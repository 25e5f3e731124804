package vendorsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const lemTestKey = "lem-key"

type lemBundle struct {
	fake  *Lemlist
	sim   *Sim
	srv   *httptest.Server
	clock *clock
}

func setupLemlist(t *testing.T) lemBundle {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	fake := NewLemlist(lemTestKey)
	sim := New(Options{Now: c.Now}, fake)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return lemBundle{fake: fake, sim: sim, srv: srv, clock: c}
}

// do sends one request with lemlist's Basic auth (user empty, key as
// password) unless auth is given, and returns status, body and headers.
func (b lemBundle) do(t *testing.T, method, path, body string, auth ...string) (int, string, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.srv.URL+"/lemlist"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if len(auth) > 0 {
		if auth[0] != "" {
			req.Header.Set("Authorization", auth[0])
		}
	} else {
		req.SetBasicAuth("", lemTestKey)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b2, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b2), resp.Header
}

func TestLemlistAuth(t *testing.T) {
	t.Parallel()
	b := setupLemlist(t)
	tests := []struct {
		name   string
		auth   string
		status int
		body   string
	}{
		{"missing", "", 400, "No API key provided"},
		{"empty password", "Basic Og==", 400, "No API key provided"},
		{"bearer is not lemlist's scheme", "Bearer " + lemTestKey, 400, "No API key provided"},
		{"wrong key", "Basic " + basic("", "other"), 401, "The authentication you supplied is incorrect"},
		{"user name is ignored", "Basic " + basic("someone", lemTestKey), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, h := b.do(t, "GET", "/hooks", "", tt.auth)
			if status != tt.status || (tt.body != "" && (body != tt.body || !strings.HasPrefix(h.Get("Content-Type"), "text/plain"))) {
				t.Fatalf("got %d %q (%s), want %d %q", status, body, h.Get("Content-Type"), tt.status, tt.body)
			}
		})
	}
}

func basic(user, pass string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// jsDate is JavaScript's Date.prototype.toString form.
var jsDate = regexp.MustCompile(`^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4} \(.+\)$`)

func TestLemlistRateLimit(t *testing.T) {
	t.Parallel()
	b := setupLemlist(t)
	for i := range 20 {
		status, _, h := b.do(t, "GET", "/hooks", "")
		if status != 200 {
			t.Fatalf("call %d: %d", i, status)
		}
		if h.Get("X-RateLimit-Limit") != "20" || h.Get("X-RateLimit-Remaining") != strconv.Itoa(19-i) ||
			h.Get("Retry-After") != "2" || !jsDate.MatchString(h.Get("X-RateLimit-Reset")) {
			t.Fatalf("call %d headers: %v", i, h)
		}
	}
	status, body, h := b.do(t, "GET", "/campaigns?version=v2", "")
	if status != 429 || body != "Too many requests, please try again later." || h.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("21st call: %d %q %v", status, body, h)
	}
	if ra := h.Get("Retry-After"); ra != "2" {
		t.Fatalf("Retry-After = %q, want the 2 s the window still runs", ra)
	}
	reset, err := time.Parse("Mon Jan 02 2006 15:04:05 GMT-0700", strings.TrimSpace(strings.Split(h.Get("X-RateLimit-Reset"), "(")[0]))
	if err != nil || !reset.Equal(b.clock.Now().Add(2*time.Second)) {
		t.Fatalf("reset = %s, %v; want %s", reset, err, b.clock.Now().Add(2*time.Second))
	}
	b.clock.Add(2 * time.Second)
	if status, _, _ := b.do(t, "GET", "/hooks", ""); status != 200 {
		t.Fatalf("after the window: %d", status)
	}
}

func TestLemlistServerErrorIsText(t *testing.T) {
	t.Parallel()
	fake := NewLemlist(lemTestKey)
	sim := New(Options{Knobs: map[string]Knobs{"lemlist": {Outage: true}}}, fake)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/lemlist/hooks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || string(body) != "Service Unavailable" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("outage: %d %q", resp.StatusCode, body)
	}
}

func TestLemlistCampaignList(t *testing.T) {
	t.Parallel()
	b := setupLemlist(t)
	status, body, _ := b.do(t, "GET", "/campaigns", "")
	var v1 []LemlistCampaign
	if status != 200 || json.Unmarshal([]byte(body), &v1) != nil || len(v1) != len(lemSeedCampaigns) {
		t.Fatalf("v1 list: %d %s", status, body)
	}
	if !strings.HasPrefix(v1[0].ID, "cam_") || len(v1[0].ID) != 21 || v1[4].Status != "errors" || !v1[4].HasError {
		t.Fatalf("campaigns = %+v", v1)
	}
	for _, q := range []string{"limit=101", "limit=0", "offset=-1", "page=0", "status=sleeping"} {
		if status, body, _ := b.do(t, "GET", "/campaigns?version=v2&"+q, ""); status != 400 {
			t.Fatalf("%s: %d %s", q, status, body)
		}
	}
	if again := NewLemlist(lemTestKey).Campaigns(); again[0].ID != v1[0].ID {
		t.Fatalf("seeded ids differ between fakes: %s %s", again[0].ID, v1[0].ID)
	}
}

func TestLemlistAddLeadForms(t *testing.T) {
	t.Parallel()
	b := setupLemlist(t)
	camp := b.fake.Campaigns()[0].ID
	// Legacy form: email in the path, body optional.
	status, body, _ := b.do(t, "POST", "/campaigns/"+camp+"/leads/Path@Form.example?findEmail=true", `{"firstName":"P","score":42,"vip":true}`)
	var lead map[string]any
	if status != 200 || json.Unmarshal([]byte(body), &lead) != nil {
		t.Fatalf("legacy add: %d %s", status, body)
	}
	if lead["email"] != "path@form.example" || lead["score"] != "42" || lead["vip"] != "true" || lead["isPaused"] != false {
		t.Fatalf("lead = %v", lead)
	}
	if status, _, _ := b.do(t, "POST", "/campaigns/"+camp+"/leads", `{"email":"noslash@form.example"}`); status != 200 {
		t.Fatalf("without trailing slash: %d", status)
	}
	for _, tt := range []struct{ path, body, want string }{
		{"/leads/", `{"email":"x@y.example","nested":{"a":1}}`, "Invalid value for variable nested"},
		{"/leads/", `{"email":42}`, "email must be a string"},
		{"/leads/", `{"email":`, "Invalid JSON body"},
		{"/leads/?deduplicate=yes", `{"email":"x@y.example"}`, "deduplicate must be a boolean"},
		{"/leads/", `{"firstName":"Nobody"}`, "Missing email or linkedinUrl"},
	} {
		status, body, h := b.do(t, "POST", "/campaigns/"+camp+tt.path, tt.body)
		if status != 400 || body != tt.want || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
			t.Fatalf("%s %s: %d %q, want 400 %q", tt.path, tt.body, status, body, tt.want)
		}
	}
	if n := len(b.fake.Leads(camp)); n != 2 {
		t.Fatalf("leads = %d, want 2", n)
	}
}

func TestLemlistDeleteNeedsEmailToUnsubscribe(t *testing.T) {
	t.Parallel()
	b := setupLemlist(t)
	camp := b.fake.Campaigns()[0].ID
	_, body, _ := b.do(t, "POST", "/campaigns/"+camp+"/leads/", `{"email":"u@del.example"}`)
	var lead struct {
		ID string `json:"_id"`
	}
	_ = json.Unmarshal([]byte(body), &lead)
	if status, body, _ := b.do(t, "DELETE", "/campaigns/"+camp+"/leads/"+lead.ID, ""); status != 404 || body != "Lead not found" {
		t.Fatalf("unsubscribe by id: %d %q", status, body)
	}
	if status, _, _ := b.do(t, "DELETE", "/campaigns/"+camp+"/leads/"+lead.ID+"?action=remove", ""); status != 200 {
		t.Fatalf("remove by id: %d", status)
	}
	for _, l := range b.fake.Leads(camp) {
		if l.ID == lead.ID {
			t.Fatalf("lead %s still in the campaign after remove", lead.ID)
		}
	}
	if status, body, _ := b.do(t, "DELETE", "/campaigns/"+camp+"/leads/"+lead.ID+"?action=remove", ""); status != 404 || body != "Lead not found" {
		t.Fatalf("second remove: %d %q, want 404 Lead not found", status, body)
	}
}

func TestLemlistActivitiesQuery(t *testing.T) {
	t.Parallel()
	b := setupLemlist(t)
	camp := b.fake.Campaigns()[0].ID
	if status, _, _ := b.do(t, "POST", "/campaigns/"+camp+"/leads/", `{"email":"act@q.example","linkedinUrl":"https://www.linkedin.com/in/act-q"}`); status != 200 {
		t.Fatal(status)
	}
	for _, q := range []string{"", "version=v1", "version=v2&limit=101", "version=v2&minDate=yesterday", "version=v2&isFirst=maybe"} {
		if status, _, _ := b.do(t, "GET", "/activities?"+q, ""); status != 400 {
			t.Fatalf("%q: %d, want 400", q, status)
		}
	}
	since := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)
	status, body, _ := b.do(t, "GET", "/activities?version=v2&startDate="+since, "")
	var acts []LemlistActivity
	if status != 200 || json.Unmarshal([]byte(body), &acts) != nil || len(acts) < 2 {
		t.Fatalf("alias startDate: %d %s", status, body)
	}
	types := make([]string, len(acts))
	for i, a := range acts {
		types[i] = a.Type
	}
	if !slices.Contains(types, "emailsSent") || !slices.Contains(types, "linkedinVisitDone") {
		t.Fatalf("types = %v", types)
	}
}

func TestLemlistHookQueryForm(t *testing.T) {
	t.Parallel()
	b := setupLemlist(t)
	camp := b.fake.Campaigns()[1].ID
	q := url.Values{"targetUrl": {"https://recv.example/h"}, "type": {"linkedinReplied"}, "secret": {"q-secret"}, "campaignId": {camp}, "isFirst": {"true"}}
	status, body, _ := b.do(t, "POST", "/hooks?"+q.Encode(), "")
	if status != 200 || strings.Contains(body, "q-secret") {
		t.Fatalf("create: %d %s", status, body)
	}
	hooks := b.fake.Hooks()
	if len(hooks) != 1 || hooks[0].Type != "linkedinReplied" || hooks[0].CampaignID != camp || !hooks[0].IsFirst || hooks[0].Secret != "q-secret" {
		t.Fatalf("hooks = %+v", hooks)
	}
	if _, list, _ := b.do(t, "GET", "/hooks", ""); strings.Contains(list, "q-secret") {
		t.Fatalf("list leaks the secret: %s", list)
	}
	if status, body, _ := b.do(t, "POST", "/hooks", `{"targetUrl":"https://recv.example","isFirst":"yes"}`); status != 400 {
		t.Fatalf("bad body: %d %s", status, body)
	}
	// The same hook twice is allowed but counted.
	b.do(t, "POST", "/hooks?"+q.Encode(), "")
	if got := b.sim.Counters().DuplicateWrites["lemlist"]["hook"]; got != 1 {
		t.Fatalf("duplicate hooks = %d", got)
	}
}

func TestLemlistReset(t *testing.T) {
	t.Parallel()
	b := setupLemlist(t)
	b.fake.AddCampaign("temp", "")
	camp := b.fake.Campaigns()[0].ID
	b.do(t, "POST", "/campaigns/"+camp+"/leads/", `{"email":"r@reset.example"}`)
	b.do(t, "POST", "/hooks", `{"targetUrl":"https://recv.example"}`)
	b.do(t, "POST", "/unsubscribes/r@reset.example", "")
	b.sim.Reset()
	if len(b.fake.Campaigns()) != len(lemSeedCampaigns) || len(b.fake.Leads(camp)) != 0 || len(b.fake.Hooks()) != 0 ||
		len(b.fake.Activities()) != 0 || b.fake.Unsubscribed("r@reset.example") {
		t.Fatal("reset left data behind")
	}
	if b.fake.Campaigns()[0].ID != camp {
		t.Fatal("seeded campaign ids changed")
	}
}

func TestDefaultMountsLemlist(t *testing.T) {
	t.Parallel()
	if !slices.Contains(Default(Options{}).Vendors(), "lemlist") {
		t.Fatal("lemlist missing from Default")
	}
}

// GET /leads/{email} needs version=v2 and lists the address's lead per
// campaign with the campaign named; an unknown address is a 404.
func TestLemlistLeadsByEmail(t *testing.T) {
	t.Parallel()
	b := setupLemlist(t)
	camp := b.fake.Campaigns()[0]
	if status, _, _ := b.do(t, "POST", "/campaigns/"+camp.ID+"/leads/", `{"email":"who@q.example"}`); status != 200 {
		t.Fatal(status)
	}
	if status, _, _ := b.do(t, "GET", "/leads/who@q.example", ""); status != 400 {
		t.Errorf("without version=v2: %d, want 400", status)
	}
	status, body, _ := b.do(t, "GET", "/leads/WHO@q.example?version=v2", "")
	var found []struct {
		ID       string            `json:"_id"`
		Campaign map[string]string `json:"campaign"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &found) != nil || len(found) != 1 ||
		found[0].ID != b.fake.Leads(camp.ID)[0].ID || found[0].Campaign["id"] != camp.ID || found[0].Campaign["name"] != camp.Name {
		t.Errorf("found: %d %s", status, body)
	}
	if status, _, _ := b.do(t, "GET", "/leads/nobody@q.example?version=v2", ""); status != 404 {
		t.Errorf("unknown address: %d, want 404", status)
	}
}
