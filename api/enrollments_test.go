package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/jobs"
)

type instanceJSON struct {
	ID                string  `json:"id"`
	Status            string  `json:"status"`
	DailyCap          int     `json:"daily_cap"`
	LemlistCampaignID *string `json:"lemlist_campaign_id"`
}

type enrollJSON struct {
	Selected        int            `json:"selected"`
	Enrolled        int            `json:"enrolled"`
	Skipped         int            `json:"skipped"`
	SkippedByReason map[string]int `json:"skipped_by_reason"`
}

// seedEnrollContacts inserts n contacts at acme<i>.example and returns
// their ids in order.
func seedEnrollContacts(t *testing.T, b *testBundle, prefix string, n int) []uuid.UUID {
	t.Helper()
	rows, err := b.pool.Query(context.Background(), `INSERT INTO contacts (email, first_name, domain)
		SELECT $1 || i || '@acme' || i || '.example', 'P' || i, 'acme' || i || '.example'
		FROM generate_series(0, $2 - 1) i ORDER BY i RETURNING id`, prefix, n)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (b *testBundle) createInstance(t *testing.T, templateID, body string) instanceJSON {
	t.Helper()
	if body == "" {
		body = `{"template_id":"` + templateID + `","name":"Q3 wave 1","lemlist_campaign_id":"cam_abc123"}`
	}
	r := b.do(t, request{method: "POST", path: "/api/v1/campaign-instances", headers: bearer(b.admin), body: body})
	if r.status != 201 {
		t.Fatalf("create instance: status = %d; body %s", r.status, r.body)
	}
	return decode[instanceJSON](t, r)
}

func idsJSONList(ids ...uuid.UUID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = `"` + id.String() + `"`
	}
	return `{"contact_ids":[` + strings.Join(s, ",") + `]}`
}

// Instances move draft → active → paused → active → completed, with 409
// for every other move, and enqueue their lemlist mirror.
func TestCampaignInstanceLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tpl := b.createCampaignTemplate(t, campaignTemplateBody("tpl"))
	inst := b.createInstance(t, tpl.ID, `{"template_id":"`+tpl.ID+`","name":"wave"}`)
	if inst.Status != "draft" || inst.DailyCap != 100 || inst.LemlistCampaignID != nil {
		t.Fatalf("created = %+v, want draft, cap 100 from the template, no lemlist campaign", inst)
	}
	var jobsQueued int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'instance_id' = $2`,
		jobs.KindOutreachCampaignSync, inst.ID).Scan(&jobsQueued); err != nil || jobsQueued != 1 {
		t.Fatalf("campaign sync jobs = %d (%v), want 1", jobsQueued, err)
	}
	base := "/api/v1/campaign-instances/" + inst.ID + "/"
	for _, step := range []struct {
		action string
		status int
		want   string
	}{
		{"pause", 409, ""}, {"resume", 409, ""}, {"activate", 200, "active"}, {"activate", 409, ""},
		{"pause", 200, "paused"}, {"pause", 409, ""}, {"resume", 200, "active"}, {"complete", 200, "completed"},
		{"resume", 409, ""}, {"activate", 409, ""},
	} {
		r := b.do(t, request{method: "POST", path: base + step.action, headers: bearer(b.admin)})
		if r.status != step.status {
			t.Fatalf("%s: status = %d, want %d; body %s", step.action, r.status, step.status, r.body)
		}
		if step.status == 409 && (len(r.problem.Errors) != 1 || r.problem.Errors[0].Location != "path.id") {
			t.Errorf("%s: 409 errors = %+v, want one at path.id", step.action, r.problem.Errors)
		}
		if step.want != "" && decode[instanceJSON](t, r).Status != step.want {
			t.Errorf("%s: status %s, want %s", step.action, r.body, step.want)
		}
	}
	r := b.do(t, request{method: "GET", path: "/api/v1/campaign-instances?status=completed&limit=1", headers: bearer(b.reader)})
	if r.status != 200 || !strings.Contains(string(r.body), inst.ID) {
		t.Errorf("list: %d %s", r.status, r.body)
	}
	r = b.do(t, request{method: "POST", path: "/api/v1/campaign-instances", headers: bearer(b.admin),
		body: `{"template_id":"` + uuid.NewString() + `","name":"x"}`})
	if r.status != 422 || len(r.problem.Errors) != 1 || r.problem.Errors[0].Location != "body.template_id" {
		t.Errorf("unknown template: %d %+v", r.status, r.problem.Errors)
	}
	r = b.do(t, request{method: "GET", path: "/api/v1/campaign-instances/" + uuid.NewString(), headers: bearer(b.reader)})
	if r.status != 404 {
		t.Errorf("unknown instance: %d", r.status)
	}
}

// Enrolling skips suppressed, bounced, duplicate and live-elsewhere
// contacts with their counts; a retry with the same Idempotency-Key gets
// the first answer; bad input is refused with its location.
func TestEnrollContactsAPI(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{rateLimit: 10_000, mutate: func(c *config.API) { c.BodyLimit = 1 << 20 }})
	ctx := context.Background()
	tpl := b.createCampaignTemplate(t, campaignTemplateBody("tpl"))
	inst := b.createInstance(t, tpl.ID, "")
	other := b.createInstance(t, tpl.ID, "")
	ids := seedEnrollContacts(t, b, "enr", 6)
	path := "/api/v1/campaign-instances/" + inst.ID + "/enrollments"

	r := b.do(t, request{method: "POST", path: path, headers: bearer(b.admin), body: idsJSONList(ids[0])})
	if r.status != 409 || len(r.problem.Errors) != 1 || r.problem.Errors[0].Location != "path.id" {
		t.Fatalf("draft instance: %d %s, want 409 at path.id", r.status, r.body)
	}
	for _, id := range []string{inst.ID, other.ID} {
		if r := b.do(t, request{method: "POST", path: "/api/v1/campaign-instances/" + id + "/activate", headers: bearer(b.admin)}); r.status != 200 {
			t.Fatalf("activate: %d %s", r.status, r.body)
		}
	}
	for _, sup := range []string{`{"kind":"email","value":"enr0@acme0.example"}`,
		`{"kind":"domain","value":"acme1.example","reason":"bounced"}`,
		`{"kind":"email","value":"enr2@acme2.example","reason":"unsubscribed"}`} {
		if r := b.do(t, request{method: "POST", path: "/api/v1/suppressions", headers: bearer(b.admin), body: sup}); r.status >= 300 {
			t.Fatalf("suppress: %d %s", r.status, r.body)
		}
	}
	// ids[3] is live in the other instance of the same template.
	if r := b.do(t, request{method: "POST", path: "/api/v1/campaign-instances/" + other.ID + "/enrollments",
		headers: bearer(b.admin), body: idsJSONList(ids[3])}); r.status != 202 {
		t.Fatalf("enroll elsewhere: %d %s", r.status, r.body)
	}
	h := bearer(b.admin)
	h["Idempotency-Key"] = "enroll-1"
	body := idsJSONList(ids...)
	first := b.do(t, request{method: "POST", path: path, headers: h, body: body})
	if first.status != 202 {
		t.Fatalf("enroll: %d %s", first.status, first.body)
	}
	got := decode[enrollJSON](t, first)
	want := map[string]int{"suppressed": 1, "bounced": 1, "unsubscribed": 1, "active_elsewhere": 1}
	if got.Selected != 6 || got.Enrolled != 2 || got.Skipped != 4 || fmt.Sprint(got.SkippedByReason) != fmt.Sprint(want) {
		t.Fatalf("enroll = %+v, want 6 selected, 2 enrolled, skipped %v", got, want)
	}
	again := b.do(t, request{method: "POST", path: path, headers: h, body: body})
	if again.status != 202 || string(again.body) != string(first.body) {
		t.Errorf("replay: %d %s, want the first answer %s", again.status, again.body, first.body)
	}
	// Without the key, a repeat enrolls nobody twice.
	r = b.do(t, request{method: "POST", path: path, headers: bearer(b.admin), body: body})
	if got := decode[enrollJSON](t, r); got.Enrolled != 0 || got.SkippedByReason["already_enrolled"] != 2 {
		t.Errorf("repeat = %+v, want 0 enrolled, 2 already_enrolled", got)
	}
	var queued int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1`, jobs.KindOutreachEnroll).Scan(&queued); err != nil || queued != 3 {
		t.Errorf("outreach_enroll jobs = %d (%v), want 3 (1 elsewhere + 2)", queued, err)
	}
	var pii int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND args::text LIKE '%@%'`,
		jobs.KindOutreachEnroll).Scan(&pii); err != nil || pii != 0 {
		t.Errorf("jobs with an address in args = %d (%v)", pii, err)
	}

	list := b.do(t, request{method: "GET", path: path + "?status=pending&limit=1", headers: bearer(b.reader)})
	var page struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	page = decode[struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}](t, list)
	if len(page.Items) != 1 || page.NextCursor == "" || page.Items[0].Status != "pending" {
		t.Fatalf("list: %s", list.body)
	}
	enr := "/api/v1/enrollments/" + page.Items[0].ID + "/"
	for _, step := range []struct {
		action string
		status int
	}{{"resume", 409}, {"pause", 202}, {"pause", 409}, {"resume", 202}, {"unenroll", 202}, {"unenroll", 409}, {"resume", 409}} {
		if r := b.do(t, request{method: "POST", path: enr + step.action, headers: bearer(b.admin)}); r.status != step.status {
			t.Errorf("%s: %d, want %d; %s", step.action, r.status, step.status, r.body)
		}
	}

	tooMany := make([]uuid.UUID, jobs.MaxEnrollIDs+1)
	for i := range tooMany {
		tooMany[i] = uuid.New()
	}
	for _, tc := range []struct {
		name, path, body string
		status           int
		loc              string
	}{
		{"unknown instance", "/api/v1/campaign-instances/" + uuid.NewString() + "/enrollments", idsJSONList(ids[0]), 404, ""},
		{"bad uuid", path, `{"contact_ids":["` + ids[0].String() + `","nope"]}`, 422, "body.contact_ids[1]"},
		{"unknown contact", path, idsJSONList(ids[0], uuid.New()), 422, "body.contact_ids[1]"},
		{"too many", path, idsJSONList(tooMany...), 422, "body.contact_ids"},
		{"neither", path, `{}`, 422, "body.contact_ids"},
	} {
		r := b.do(t, request{method: "POST", path: tc.path, headers: bearer(b.admin), body: tc.body})
		if r.status != tc.status {
			t.Errorf("%s: %d, want %d; %s", tc.name, r.status, tc.status, r.body)
			continue
		}
		if tc.loc != "" && (len(r.problem.Errors) == 0 || r.problem.Errors[0].Location != tc.loc) {
			t.Errorf("%s: errors %+v, want at %s", tc.name, r.problem.Errors, tc.loc)
		}
	}
}
