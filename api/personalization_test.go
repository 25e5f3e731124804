package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/jobs"
)

type personalizationJSON struct {
	Status    string `json:"status"`
	Field     string `json:"field"`
	Text      string `json:"text"`
	Reason    string `json:"reason"`
	Review    bool   `json:"review"`
	OnFailure string `json:"on_failure"`
}

func personalTemplateBody(settings string) string {
	return `{"name":"personal","email_sequence":[{"subject":"Hi {{first_name|there}}",
		"body":"<p>{{custom.opening_line|Hope you are well.}}</p>"}],"settings":{"personalization":` + settings + `}}`
}

// A template's personalisation is validated where it is wrong and shown
// with its defaults.
func TestPersonalizationTemplateSettings(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tpl := b.createCampaignTemplate(t, personalTemplateBody(`{"field":"opening_line","instructions":"Mention the company."}`))
	r := b.do(t, request{method: "GET", path: "/api/v1/campaign-templates/" + tpl.ID, headers: bearer(b.reader)})
	var got struct {
		Settings struct {
			Personalization personalizationJSON `json:"personalization"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil || got.Settings.Personalization.OnFailure != "wait" ||
		got.Settings.Personalization.Review || got.Settings.Personalization.Field != "opening_line" {
		t.Errorf("personalization = %+v (%v), want defaults wait and no review; body %s", got.Settings.Personalization, err, r.body)
	}
	for _, tt := range []struct{ settings, location string }{
		{`{"field":"icebreaker","instructions":"x"}`, "body.settings.personalization.field"},
		{`{"field":"opening_line","instructions":""}`, "body.settings.personalization.instructions"},
		{`{"field":"opening_line","instructions":"` + strings.Repeat("x", 2001) + `"}`, "body.settings.personalization.instructions"},
	} {
		r := b.do(t, request{method: "POST", path: "/api/v1/campaign-templates", headers: bearer(b.admin), body: personalTemplateBody(tt.settings)})
		if r.status != 422 || len(r.problem.Errors) != 1 || r.problem.Errors[0].Location != tt.location {
			t.Errorf("%s: %d %s, want 422 at %s", tt.settings, r.status, r.body, tt.location)
		}
	}
	body := `{"name":"p","email_sequence":[{"subject":"Hi","body":"<p>Hi,</p>\n<p>{{custom.opening_line}}</p>"}],
		"settings":{"personalization":{"field":"opening_line","instructions":"x","on_failure":"send_without"}}}`
	r = b.do(t, request{method: "POST", path: "/api/v1/campaign-templates", headers: bearer(b.admin), body: body})
	if r.status != 422 || len(r.problem.Errors) != 1 || r.problem.Errors[0].Location != "body.email_sequence[0].body" ||
		!strings.HasPrefix(r.problem.Errors[0].Message, "line 2, column 4:") {
		t.Errorf("send_without without fallback: %d %s", r.status, r.body)
	}
}

// A person reads, writes and approves an enrollment's text; bad text is a
// 422 at body.text with the reason; writes need campaigns:write.
func TestPersonalizationAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	tpl := b.createCampaignTemplate(t, personalTemplateBody(`{"field":"opening_line","instructions":"Mention the company.","review":true}`))
	inst := b.createInstance(t, tpl.ID, "")
	if r := b.do(t, request{method: "POST", path: "/api/v1/campaign-instances/" + inst.ID + "/activate", headers: bearer(b.admin)}); r.status != 200 {
		t.Fatalf("activate: %d %s", r.status, r.body)
	}
	ids := seedEnrollContacts(t, b, "pers", 2)
	if r := b.do(t, request{method: "POST", path: "/api/v1/campaign-instances/" + inst.ID + "/enrollments",
		headers: bearer(b.admin), body: idsJSONList(ids...)}); r.status != 202 {
		t.Fatalf("enroll: %d %s", r.status, r.body)
	}
	var e1, e2 string
	if err := b.pool.QueryRow(ctx, `SELECT (array_agg(id::text ORDER BY contact_id = $1 DESC))[1], (array_agg(id::text ORDER BY contact_id = $1 DESC))[2]
		FROM enrollments WHERE instance_id = $2`, ids[0], inst.ID).Scan(&e1, &e2); err != nil {
		t.Fatal(err)
	}
	var aiJobs int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'enrollment_id' IN ($2, $3)`,
		jobs.KindAIPersonalize, e1, e2).Scan(&aiJobs); err != nil || aiJobs != 2 {
		t.Fatalf("ai_personalize jobs = %d (%v), want 2", aiJobs, err)
	}
	path := "/api/v1/enrollments/" + e1 + "/personalization"
	get := func(key string) personalizationJSON {
		t.Helper()
		r := b.do(t, request{method: "GET", path: path, headers: bearer(key)})
		if r.status != 200 {
			t.Fatalf("get: %d %s", r.status, r.body)
		}
		return decode[personalizationJSON](t, r)
	}
	if p := get(b.reader); p.Status != "pending" || !p.Review || p.Field != "opening_line" {
		t.Fatalf("get = %+v, want pending with review", p)
	}
	// Only ready text can be approved.
	if r := b.do(t, request{method: "POST", path: path + "/approve", headers: bearer(b.admin)}); r.status != 409 {
		t.Errorf("approve pending: %d %s, want 409", r.status, r.body)
	}
	for _, tt := range []struct{ text, reason string }{
		{"", "empty"},
		{"I'm sorry, but I cannot write that.", "refusal"},
		{"Hi {{first_name}}", "placeholder"},
		{"<b>Great</b> work", "html"},
		{strings.Repeat("a", 301), "too_long"},
		{"See www.evil.example", "url"},
	} {
		body, _ := json.Marshal(map[string]string{"text": tt.text})
		r := b.do(t, request{method: "PUT", path: path, headers: bearer(b.admin), body: string(body)})
		var raw struct {
			Errors []struct {
				Location string `json:"location"`
				Value    string `json:"value"`
			} `json:"errors"`
		}
		_ = json.Unmarshal(r.body, &raw)
		if r.status != 422 || len(raw.Errors) != 1 || raw.Errors[0].Location != "body.text" || raw.Errors[0].Value != tt.reason {
			t.Errorf("PUT %q: %d %s, want 422 at body.text with %s", tt.text, r.status, r.body, tt.reason)
		}
	}
	if p := get(b.reader); p.Status != "pending" || p.Text != "" {
		t.Errorf("after refused writes = %+v, want unchanged", p)
	}
	if r := b.do(t, request{method: "PUT", path: path, headers: bearer(b.reader), body: `{"text":"Nice work."}`}); r.status != 403 {
		t.Errorf("reader PUT: %d, want 403", r.status)
	}

	// The AI's ready text is approved; the waiting lead is woken.
	snooze := func(id string) {
		t.Helper()
		if _, err := b.pool.Exec(ctx, `UPDATE river_job SET state = 'scheduled', scheduled_at = now() + interval '1 hour'
			WHERE kind = $1 AND args->>'enrollment_id' = $2`, jobs.KindOutreachEnroll, id); err != nil {
			t.Fatal(err)
		}
	}
	state := func(id string) string {
		t.Helper()
		var s string
		if err := b.pool.QueryRow(ctx, `SELECT state::text FROM river_job WHERE kind = $1 AND args->>'enrollment_id' = $2`,
			jobs.KindOutreachEnroll, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	snooze(e1)
	if _, err := b.pool.Exec(ctx, `UPDATE enrollments SET personalization_status = 'ready',
		personalization = jsonb_build_object('opening_line', 'Saw the launch, congrats.') WHERE id = $1`, e1); err != nil {
		t.Fatal(err)
	}
	// The review queue lists the ready text, and only it.
	queue := b.do(t, request{method: "GET", path: "/api/v1/campaign-instances/" + inst.ID + "/enrollments?personalization_status=ready",
		headers: bearer(b.reader)})
	var page struct {
		Items []struct {
			ID                    string `json:"id"`
			PersonalizationStatus string `json:"personalization_status"`
		} `json:"items"`
	}
	if err := json.Unmarshal(queue.body, &page); err != nil || queue.status != 200 || len(page.Items) != 1 ||
		page.Items[0].ID != e1 || page.Items[0].PersonalizationStatus != "ready" {
		t.Errorf("review queue: %d %s, want %s alone, ready", queue.status, queue.body, e1)
	}
	if r := b.do(t, request{method: "GET", path: "/api/v1/campaign-instances/" + inst.ID + "/enrollments?personalization_status=done",
		headers: bearer(b.reader)}); r.status != 422 {
		t.Errorf("unknown personalization_status: %d %s, want 422", r.status, r.body)
	}
	r := b.do(t, request{method: "POST", path: path + "/approve", headers: bearer(b.admin)})
	if p := decode[personalizationJSON](t, r); r.status != 200 || p.Status != "approved" || p.Text != "Saw the launch, congrats." {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	if s := state(e1); s != "available" {
		t.Errorf("outreach job after approval: %s, want available", s)
	}

	// A person writes the other one's text before the AI answers.
	snooze(e2)
	r = b.do(t, request{method: "PUT", path: "/api/v1/enrollments/" + e2 + "/personalization", headers: bearer(b.admin),
		body: `{"text":"  Loved your talk on pricing.  "}`})
	if p := decode[personalizationJSON](t, r); r.status != 200 || p.Status != "edited" || p.Text != "Loved your talk on pricing." {
		t.Fatalf("edit: %d %s", r.status, r.body)
	}
	if s := state(e2); s != "available" {
		t.Errorf("outreach job after edit: %s, want available", s)
	}

	// A sent lead's text is final.
	if _, err := b.pool.Exec(ctx, `UPDATE enrollments SET status = 'active', enrolled_at = now() WHERE id = $1`, e2); err != nil {
		t.Fatal(err)
	}
	if r := b.do(t, request{method: "PUT", path: "/api/v1/enrollments/" + e2 + "/personalization", headers: bearer(b.admin),
		body: `{"text":"Another line."}`}); r.status != 409 {
		t.Errorf("edit after send: %d, want 409", r.status)
	}
	campaignsKey := b.createKey(t, "campaigns", auth.CampaignsWrite)
	if r := b.do(t, request{method: "POST", path: path + "/approve", headers: bearer(campaignsKey)}); r.status != 409 {
		t.Errorf("approve twice: %d, want 409", r.status)
	}
}
