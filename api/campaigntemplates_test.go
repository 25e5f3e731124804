package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/store"
)

type campaignTemplateJSON struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	EmailSequence []struct {
		Subject   string `json:"subject"`
		Body      string `json:"body"`
		DelayDays int    `json:"delay_days"`
		Variants  []struct {
			Name    string `json:"name"`
			Subject string `json:"subject"`
			Weight  int    `json:"weight"`
		} `json:"variants"`
	} `json:"email_sequence"`
	Settings struct {
		SendingWindow struct {
			Start    string   `json:"start"`
			End      string   `json:"end"`
			Weekdays []string `json:"weekdays"`
			Timezone string   `json:"timezone"`
		} `json:"sending_window"`
		DailyCap  int `json:"daily_cap"`
		StopRules struct {
			OnReply            bool `json:"on_reply"`
			OnBounce           bool `json:"on_bounce"`
			OnUnsubscribe      bool `json:"on_unsubscribe"`
			StopCompanyOnReply bool `json:"stop_company_on_reply"`
		} `json:"stop_rules"`
	} `json:"settings"`
}

// campaignTemplateBody is a valid two-step template named name.
func campaignTemplateBody(name string) string {
	return `{"name":"` + name + `","description":"Q3",
		"email_sequence":[
			{"subject":"Quick question, {{first_name|there}}","body":"<p>Hi {{first_name}},</p>\n<p>{{custom.opening_line}} at {{company}}</p>"},
			{"subject":"Re: {{company}}","delay_days":3,"body":"<p>Bump</p>","variants":[{"name":"A"},{"name":"B","subject":"Still there?","weight":3}]}],
		"settings":{"sending_window":{"timezone":"Europe/Berlin"},"stop_rules":{"stop_company_on_reply":true}}}`
}

func (b *testBundle) createCampaignTemplate(t *testing.T, body string) campaignTemplateJSON {
	t.Helper()
	r := b.do(t, request{method: "POST", path: "/api/v1/campaign-templates", headers: bearer(b.admin), body: body})
	if r.status != 201 {
		t.Fatalf("create campaign template: status = %d, want 201; body %s", r.status, r.body)
	}
	return decode[campaignTemplateJSON](t, r)
}

// A template is created with defaults filled in, read, listed page by
// page, replaced and deleted.
func TestCampaignTemplateLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	writer := b.createKey(t, "writer", auth.CampaignsWrite)
	r := b.do(t, request{method: "POST", path: "/api/v1/campaign-templates", headers: bearer(writer), body: campaignTemplateBody("Q3 outbound")})
	if r.status != 201 || !strings.HasPrefix(r.header.Get("Location"), "/api/v1/campaign-templates/") {
		t.Fatalf("create: status = %d, Location %q; body %s", r.status, r.header.Get("Location"), r.body)
	}
	ct := decode[campaignTemplateJSON](t, r)
	s := ct.Settings
	if s.SendingWindow.Start != "09:00" || s.SendingWindow.End != "17:00" || len(s.SendingWindow.Weekdays) != 5 ||
		s.SendingWindow.Timezone != "Europe/Berlin" || s.DailyCap != 100 || !s.StopRules.OnReply || !s.StopRules.OnBounce ||
		!s.StopRules.OnUnsubscribe || !s.StopRules.StopCompanyOnReply {
		t.Errorf("settings = %+v, want defaults with the time zone and company stop given", s)
	}
	if len(ct.EmailSequence) != 2 || ct.EmailSequence[1].DelayDays != 3 || len(ct.EmailSequence[1].Variants) != 2 ||
		ct.EmailSequence[1].Variants[0].Weight != 1 || ct.EmailSequence[1].Variants[1].Weight != 3 {
		t.Errorf("email_sequence = %+v, want two steps, variant weights 1 (default) and 3", ct.EmailSequence)
	}
	b.createCampaignTemplate(t, campaignTemplateBody("second"))
	b.createCampaignTemplate(t, campaignTemplateBody("third"))

	if r := b.do(t, request{method: "GET", path: "/api/v1/campaign-templates/" + ct.ID, headers: bearer(b.reader)}); r.status != 200 {
		t.Errorf("get: status = %d; body %s", r.status, r.body)
	} else if got := decode[campaignTemplateJSON](t, r); got.Name != ct.Name || len(got.EmailSequence) != 2 {
		t.Errorf("get = %+v, want %+v", got, ct)
	}
	var names []string
	for path := "/api/v1/campaign-templates?limit=2"; ; {
		pg := decode[struct {
			Items      []campaignTemplateJSON `json:"items"`
			NextCursor string                 `json:"next_cursor"`
		}](t, b.do(t, request{method: "GET", path: path, headers: bearer(b.reader)}))
		for _, it := range pg.Items {
			names = append(names, it.Name)
		}
		if pg.NextCursor == "" {
			break
		}
		path = "/api/v1/campaign-templates?limit=2&cursor=" + pg.NextCursor
	}
	if want := []string{"Q3 outbound", "second", "third"}; !slices.Equal(names, want) {
		t.Errorf("listed %v, want %v over two pages", names, want)
	}

	r = b.do(t, request{method: "PUT", path: "/api/v1/campaign-templates/" + ct.ID, headers: bearer(writer),
		body: `{"name":"Q3 v2","email_sequence":[{"subject":"Hello","body":"<p>One touch</p>"}],"settings":{"daily_cap":25}}`})
	if got := decode[campaignTemplateJSON](t, r); r.status != 200 || got.Name != "Q3 v2" || len(got.EmailSequence) != 1 ||
		got.Settings.DailyCap != 25 || got.Settings.SendingWindow.Timezone != "UTC" || got.Description != "" {
		t.Errorf("replace: %d %+v, want the whole template replaced, absent settings at their defaults", r.status, got)
	}

	if r := b.do(t, request{method: "DELETE", path: "/api/v1/campaign-templates/" + ct.ID, headers: bearer(writer)}); r.status != 204 {
		t.Fatalf("delete: status = %d, want 204; body %s", r.status, r.body)
	}
	if r := b.do(t, request{method: "GET", path: "/api/v1/campaign-templates/" + ct.ID, headers: bearer(b.reader)}); r.status != 404 {
		t.Errorf("get after delete: status = %d, want 404", r.status)
	}
}

// A refused template names every problem: the field path, and the line and
// column inside the text with a stable code.
func TestCampaignTemplateValidationErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := `{"name":"bad","email_sequence":[
		{"subject":"Hi {{first_name}}","body":"<p>Hello</p>"},
		{"subject":"Re","delay_days":2,"body":"<p>Hi,</p>\n<p>\n  Dear {{frist_name}}</p>\n<script>alert(1)</script>"}],
		"settings":{"daily_cap":0}}`
	r := b.do(t, request{method: "POST", path: "/api/v1/campaign-templates", headers: bearer(b.admin), body: body})
	if r.status != 422 || r.problem.Type != "urn:rtgs:problem:invalid" {
		t.Fatalf("status = %d, type %q, want 422 invalid; body %s", r.status, r.problem.Type, r.body)
	}
	var got []string
	for _, e := range r.problem.Errors {
		got = append(got, e.Location+": "+e.Message)
	}
	want := []string{
		"body.email_sequence[1].body: line 3, column 8: unknown variable {{frist_name}}; did you mean {{first_name}}?",
		"body.email_sequence[1].body: line 4, column 1: tag <script> is not allowed in an email body",
		"body.settings.daily_cap: must be 1 to 10000, got 0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var raw struct {
		Errors []struct {
			Value struct {
				Code   string `json:"code"`
				Step   *int   `json:"step"`
				Field  string `json:"field"`
				Line   int    `json:"line"`
				Column int    `json:"column"`
			} `json:"value"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &raw); err != nil || len(raw.Errors) != 3 {
		t.Fatalf("errors do not decode: %v: %s", err, r.body)
	}
	if v := raw.Errors[1].Value; v.Code != "unsafe_tag" || v.Step == nil || *v.Step != 1 || v.Field != "body" || v.Line != 4 || v.Column != 1 {
		t.Errorf("second error's value = %+v, want unsafe_tag at step 1, body, 4:1", v)
	}

	// The same on replace, and nothing is written.
	ct := b.createCampaignTemplate(t, campaignTemplateBody("good"))
	r = b.do(t, request{method: "PUT", path: "/api/v1/campaign-templates/" + ct.ID, headers: bearer(b.admin),
		body: `{"name":"good","email_sequence":[{"subject":"x","body":"<a href=\"javascript:alert(1)\">{{nope}}</a>"}]}`})
	if r.status != 422 || len(r.problem.Errors) != 2 || r.problem.Errors[0].Location != "body.email_sequence[0].body" ||
		!strings.HasPrefix(r.problem.Errors[0].Message, "line 1, column 4: ") {
		t.Errorf("replace: status %d, errors %+v; want 422 with the URL and the variable", r.status, r.problem.Errors)
	}
	if got := decode[campaignTemplateJSON](t, b.do(t, request{method: "GET", path: "/api/v1/campaign-templates/" + ct.ID, headers: bearer(b.reader)})); len(got.EmailSequence) != 2 {
		t.Errorf("template after a refused replace = %+v, want it unchanged", got)
	}
}

// Every other bad request is a problem, and writes nothing.
func TestCampaignTemplateBadRequests(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ct := b.createCampaignTemplate(t, campaignTemplateBody("used"))
	if _, err := b.pool.Exec(context.Background(),
		`INSERT INTO campaign_instances (template_id, name) VALUES ($1, 'running')`, ct.ID); err != nil {
		t.Fatal(err)
	}
	unknown := "/api/v1/campaign-templates/00000000-0000-0000-0000-000000000001"
	tests := []struct {
		name   string
		req    request
		status int
		field  string
	}{
		{"delete in use", request{method: "DELETE", path: "/api/v1/campaign-templates/" + ct.ID, headers: bearer(b.admin)}, 409, "path.id"},
		{"reader cannot create", request{method: "POST", path: "/api/v1/campaign-templates", headers: bearer(b.reader),
			body: campaignTemplateBody("x")}, 403, ""},
		{"reader cannot delete", request{method: "DELETE", path: "/api/v1/campaign-templates/" + ct.ID, headers: bearer(b.reader)}, 403, ""},
		{"no sequence", request{method: "POST", path: "/api/v1/campaign-templates", headers: bearer(b.admin),
			body: `{"name":"x","email_sequence":[]}`}, 422, "body.email_sequence"},
		{"get unknown", request{method: "GET", path: unknown, headers: bearer(b.reader)}, 404, ""},
		{"replace unknown", request{method: "PUT", path: unknown, headers: bearer(b.admin), body: campaignTemplateBody("x")}, 404, ""},
		{"delete unknown", request{method: "DELETE", path: unknown, headers: bearer(b.admin)}, 404, ""},
		{"preview unknown template", request{method: "POST", path: unknown + "/preview", headers: bearer(b.reader),
			body: `{"contact":{"first_name":"Ada"}}`}, 404, ""},
		{"preview unknown contact", request{method: "POST", path: "/api/v1/campaign-templates/" + ct.ID + "/preview", headers: bearer(b.reader),
			body: `{"contact_id":"00000000-0000-0000-0000-000000000002"}`}, 422, "body.contact_id"},
		{"preview without contact", request{method: "POST", path: "/api/v1/campaign-templates/" + ct.ID + "/preview", headers: bearer(b.reader),
			body: `{}`}, 422, "body"},
		{"bad cursor", request{method: "GET", path: "/api/v1/campaign-templates?cursor=nope", headers: bearer(b.reader)}, 400, "query.cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.do(t, tt.req)
			if got.status != tt.status {
				t.Fatalf("status = %d, want %d; body %s", got.status, tt.status, got.body)
			}
			if tt.field != "" && (len(got.problem.Errors) == 0 || got.problem.Errors[0].Location != tt.field) {
				t.Errorf("errors = %+v, want first location %q", got.problem.Errors, tt.field)
			}
		})
	}
	var n int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM campaign_templates`).Scan(&n); err != nil || n != 1 {
		t.Errorf("templates = %d, %v; want the one created", n, err)
	}
}

// A preview renders every step and variant for a stored or an inline
// contact, values escaped and missing ones listed.
func TestCampaignTemplatePreview(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ct := b.createCampaignTemplate(t, campaignTemplateBody("Q3"))
	contact := b.createContact(t, `{"email":"ada@ledgerly.example","first_name":"<b>Ada</b>","company_name":"Ledgerly",
		"custom_fields":{"opening_line":"Loved your talk."}}`)
	type preview struct {
		Steps []struct {
			Index    int    `json:"index"`
			Subject  string `json:"subject"`
			Body     string `json:"body"`
			Variants []struct {
				Name    string `json:"name"`
				Subject string `json:"subject"`
			} `json:"variants"`
			Missing []string `json:"missing"`
		} `json:"steps"`
	}
	path := "/api/v1/campaign-templates/" + ct.ID + "/preview"

	r := b.do(t, request{method: "POST", path: path, headers: bearer(b.reader), body: `{"contact_id":"` + contact.ID + `"}`})
	if r.status != 200 {
		t.Fatalf("preview: status = %d; body %s", r.status, r.body)
	}
	p := decode[preview](t, r)
	if len(p.Steps) != 2 || p.Steps[0].Subject != "Quick question, <b>Ada</b>" ||
		p.Steps[0].Body != "<p>Hi &lt;b&gt;Ada&lt;/b&gt;,</p>\n<p>Loved your talk. at Ledgerly</p>" || len(p.Steps[0].Missing) != 0 {
		t.Errorf("step 0 = %+v; want the subject as text and the body escaped", p.Steps)
	}
	if v := p.Steps[1].Variants; len(v) != 2 || v[0].Subject != "Re: Ledgerly" || v[1].Subject != "Still there?" {
		t.Errorf("step 1 variants = %+v", v)
	}

	r = b.do(t, request{method: "POST", path: path, headers: bearer(b.reader),
		body: `{"contact":{"company_name":"Acme"},"custom":{"opening_line":"Saw the launch."}}`})
	p = decode[preview](t, r)
	if r.status != 200 || p.Steps[0].Subject != "Quick question, there" ||
		p.Steps[0].Body != "<p>Hi ,</p>\n<p>Saw the launch. at Acme</p>" || !slices.Equal(p.Steps[0].Missing, []string{"first_name"}) {
		t.Errorf("inline preview: %d %+v; want the fallback, the custom field and first_name missing", r.status, p.Steps[0])
	}
}

// A create retried with the same Idempotency-Key answers the first
// response and creates one template.
func TestCampaignTemplateIdempotentCreate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	req := request{method: "POST", path: "/api/v1/campaign-templates", body: campaignTemplateBody("once"),
		headers: map[string]string{"Authorization": "Bearer " + b.admin, "Idempotency-Key": "tpl-1"}}
	first := b.do(t, req)
	second := b.do(t, req)
	if first.status != 201 || second.status != 201 || string(first.body) != string(second.body) ||
		second.header.Get("Idempotent-Replayed") != "true" || second.header.Get("Location") != first.header.Get("Location") {
		t.Errorf("first %d %s, second %d %s (replayed %q); want the first answer twice",
			first.status, first.body, second.status, second.body, second.header.Get("Idempotent-Replayed"))
	}
	req.body = campaignTemplateBody("other")
	if r := b.do(t, req); r.status != 422 {
		t.Errorf("same key, other body: status = %d, want 422", r.status)
	}
	var n int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM campaign_templates`).Scan(&n); err != nil || n != 1 {
		t.Errorf("templates = %d, %v; want 1", n, err)
	}
}

// Replacing a template queues, in its transaction, a campaign sync for
// each unfinished instance whose lemlist campaign the platform set up, so
// the new window and steps reach lemlist; a campaign the user mapped is
// left alone.
func TestCampaignTemplateReplaceResyncsCampaigns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	ct := b.createCampaignTemplate(t, campaignTemplateBody("synced"))
	tplID := uuid.MustParse(ct.ID)
	instances := store.NewCampaignInstances(b.pool)
	ours, err := instances.Create(ctx, store.NewCampaignInstance{TemplateID: tplID, Name: "ours"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := instances.SetLemlistCampaign(ctx, ours.ID, "cam_ours"); err != nil {
		t.Fatal(err)
	}
	if err := instances.LemlistSequenceWritten(ctx, ours.ID); err != nil {
		t.Fatal(err)
	}
	mapped := "cam_theirs"
	if _, err := instances.Create(ctx, store.NewCampaignInstance{TemplateID: tplID, Name: "mapped", LemlistCampaignID: &mapped}); err != nil {
		t.Fatal(err)
	}
	r := b.do(t, request{method: "PUT", path: "/api/v1/campaign-templates/" + ct.ID, headers: bearer(b.admin),
		body: `{"name":"synced","email_sequence":[{"subject":"Hello","body":"<p>One</p>"},{"subject":"Again","body":"<p>Two</p>","delay_days":2}],` +
			`"settings":{"sending_window":{"start":"08:00","end":"12:00"}}}`})
	if r.status != 200 {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	if n := b.countRowsT(t, `SELECT count(*) FROM river_job WHERE kind = 'outreach_campaign_sync' AND args->>'instance_id' = $1`, ours.ID.String()); n != 1 {
		t.Errorf("%d sync jobs for the platform's campaign, want 1", n)
	}
	if n := b.countRowsT(t, `SELECT count(*) FROM river_job WHERE kind = 'outreach_campaign_sync'`); n != 1 {
		t.Errorf("%d sync jobs in all, want 1 (none for the mapped campaign)", n)
	}
	if pending, err := instances.LemlistSequencePending(ctx, ours.ID); err != nil || !pending {
		t.Errorf("setup pending = %v, %v; want pending again", pending, err)
	}
}
