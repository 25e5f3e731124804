package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/rtgs/sales-automation/api"
	"github.com/rtgs/sales-automation/internal/icp"
)

type icpProfileJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Criteria    struct {
		Industries     []string         `json:"industries"`
		EmployeeRanges []map[string]int `json:"employee_ranges"`
		Countries      []string         `json:"countries"`
		Weights        map[string]int   `json:"weights"`
		Required       []string         `json:"required"`
	} `json:"criteria"`
	MinScore int  `json:"min_score"`
	Active   bool `json:"active"`
}

type icpProfilePage struct {
	Items      []icpProfileJSON `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

// fintechProfile is a valid profile body named name, its employee ranges
// written both ways.
func fintechProfile(name string) string {
	return `{"name":"` + name + `","description":"Fintech in DACH","criteria":{
		"industries":["Financial Services"],
		"employee_ranges":["51-200",{"min":1001,"max":5000},"10,001+"],
		"countries":["Germany","AT"],
		"titles":["sales"],
		"weights":{"industries":40,"employee_ranges":30,"countries":0,"titles":30},
		"required":["countries"]}}`
}

func (b *testBundle) createProfile(t *testing.T, body string) icpProfileJSON {
	t.Helper()
	r := b.do(t, request{method: "POST", path: "/api/v1/icp-profiles", headers: bearer(b.admin), body: body})
	if r.status != 201 {
		t.Fatalf("create profile: status = %d, want 201; body %s", r.status, r.body)
	}
	return decode[icpProfileJSON](t, r)
}

// A profile is created with either spelling of a range and the defaults,
// read, listed page by page, changed and deleted.
func TestICPProfileLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, request{method: "POST", path: "/api/v1/icp-profiles", headers: bearer(b.admin), body: fintechProfile("Fintech DACH")})
	if r.status != 201 || !strings.HasPrefix(r.header.Get("Location"), "/api/v1/icp-profiles/") {
		t.Fatalf("create: status = %d, Location %q; body %s", r.status, r.header.Get("Location"), r.body)
	}
	p := decode[icpProfileJSON](t, r)
	wantRanges := []map[string]int{{"min": 51, "max": 200}, {"min": 1001, "max": 5000}, {"min": 10001}}
	if !reflect.DeepEqual(p.Criteria.EmployeeRanges, wantRanges) {
		t.Errorf("employee_ranges = %v, want %v (both spellings read, the object written)", p.Criteria.EmployeeRanges, wantRanges)
	}
	if p.MinScore != 60 || !p.Active || p.Criteria.Weights["countries"] != 0 || !slices.Equal(p.Criteria.Required, []string{"countries"}) {
		t.Errorf("created %+v, want min_score 60 and active by default, weights and required kept", p)
	}
	// Explicit zero values are kept, not replaced by the defaults.
	bare := b.createProfile(t, `{"name":"Bare","criteria":{"titles":["cto"]},"min_score":0,"active":false}`)
	if bare.MinScore != 0 || bare.Active {
		t.Errorf("created with min_score 0, inactive: got %d, %v", bare.MinScore, bare.Active)
	}
	b.createProfile(t, `{"name":"Third","criteria":{"technologies":["hubspot"]}}`)

	if got := decode[icpProfileJSON](t, b.do(t, request{method: "GET", path: "/api/v1/icp-profiles/" + p.ID, headers: bearer(b.reader)})); !reflect.DeepEqual(got, p) {
		t.Errorf("get = %+v, want %+v", got, p)
	}
	var names []string
	for path := "/api/v1/icp-profiles?limit=2"; ; {
		pg := decode[icpProfilePage](t, b.do(t, request{method: "GET", path: path, headers: bearer(b.reader)}))
		for _, it := range pg.Items {
			names = append(names, it.Name)
		}
		if pg.NextCursor == "" {
			break
		}
		path = "/api/v1/icp-profiles?limit=2&cursor=" + pg.NextCursor
	}
	if want := []string{"Fintech DACH", "Bare", "Third"}; !slices.Equal(names, want) {
		t.Errorf("listed %v, want %v in creation order over two pages", names, want)
	}

	r = b.do(t, request{method: "PATCH", path: "/api/v1/icp-profiles/" + p.ID, headers: bearer(b.admin),
		body: `{"name":"Fintech Europe","min_score":75,"criteria":{"countries":["DE","FR"]}}`})
	patched := decode[icpProfileJSON](t, r)
	if r.status != 200 || patched.Name != "Fintech Europe" || patched.MinScore != 75 || patched.Description != "Fintech in DACH" ||
		len(patched.Criteria.Industries) != 0 || !slices.Equal(patched.Criteria.Countries, []string{"DE", "FR"}) {
		t.Errorf("patch: %d %+v, want renamed, bar raised, description kept, criteria replaced whole", r.status, patched)
	}

	if r := b.do(t, request{method: "DELETE", path: "/api/v1/icp-profiles/" + p.ID, headers: bearer(b.admin)}); r.status != 204 {
		t.Fatalf("delete: status = %d, want 204; body %s", r.status, r.body)
	}
	if r := b.do(t, request{method: "GET", path: "/api/v1/icp-profiles/" + p.ID, headers: bearer(b.reader)}); r.status != 404 {
		t.Errorf("get after delete: status = %d, want 404", r.status)
	}
}

// Every bad profile request is a problem naming the field, and writes
// nothing.
func TestICPProfileBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	existing := b.createProfile(t, fintechProfile("Fintech DACH"))
	inactive := b.createProfile(t, `{"name":"Paused","active":false,"criteria":{"titles":["cto"]}}`)
	contact := b.createContact(t, `{"email":"ana@ledgerly.example"}`)
	unknown := "/api/v1/icp-profiles/00000000-0000-0000-0000-000000000001"
	create := func(criteria string) request {
		return request{method: "POST", path: "/api/v1/icp-profiles", headers: bearer(b.admin),
			body: `{"name":"New","criteria":` + criteria + `}`}
	}
	tests := []struct {
		name   string
		req    request
		status int
		field  string // location of the first error detail, if any
	}{
		{"no criteria values", create(`{}`), 422, "body.criteria"},
		{"weight out of range", create(`{"titles":["cto"],"weights":{"titles":101}}`), 422, "body.criteria.weights.titles"},
		{"weight of no criterion", create(`{"titles":["cto"],"weights":{"title":5}}`), 422, "body.criteria.weights.title"},
		{"unreadable range", create(`{"employee_ranges":["51-200","lots"]}`), 422, "body.criteria.employee_ranges[1]"},
		{"range upside down", create(`{"employee_ranges":[{"min":500,"max":100}]}`), 422, "body.criteria.employee_ranges[0].max"},
		{"range negative", create(`{"employee_ranges":[{"min":-5}]}`), 422, "body.criteria.employee_ranges[0].min"},
		{"range as a number", create(`{"employee_ranges":[120]}`), 422, "body.criteria.employee_ranges[0]"},
		{"range with unknown field", create(`{"employee_ranges":[{"min":5,"size":9}]}`), 422, "body.criteria.employee_ranges[0]"},
		{"unknown country", create(`{"countries":["DE","Atlantis"]}`), 422, "body.criteria.countries[1]"},
		{"unknown seniority", create(`{"seniorities":["wizard"]}`), 422, "body.criteria.seniorities[0]"},
		{"blank value", create(`{"industries":["  "]}`), 422, "body.criteria.industries[0]"},
		{"required unknown group", create(`{"titles":["cto"],"required":["title"]}`), 422, "body.criteria.required[0]"},
		{"required group without values", create(`{"titles":["cto"],"required":["countries"]}`), 422, "body.criteria.required[0]"},
		{"min score too high", request{method: "POST", path: "/api/v1/icp-profiles", headers: bearer(b.admin),
			body: `{"name":"New","min_score":101,"criteria":{"titles":["cto"]}}`}, 422, "body.min_score"},
		{"blank name", request{method: "POST", path: "/api/v1/icp-profiles", headers: bearer(b.admin),
			body: `{"name":"   ","criteria":{"titles":["cto"]}}`}, 422, "body.name"},
		{"name taken in another case", request{method: "POST", path: "/api/v1/icp-profiles", headers: bearer(b.admin),
			body: `{"name":"FINTECH dach","criteria":{"titles":["cto"]}}`}, 409, "body.name"},
		{"rename to a taken name", request{method: "PATCH", path: "/api/v1/icp-profiles/" + inactive.ID, headers: bearer(b.admin),
			body: `{"name":"fintech DACH"}`}, 409, "body.name"},
		{"patch with bad criteria", request{method: "PATCH", path: "/api/v1/icp-profiles/" + existing.ID, headers: bearer(b.admin),
			body: `{"criteria":{"titles":["cto"],"weights":{"titles":-1}}}`}, 422, "body.criteria.weights.titles"},
		{"reader cannot create", request{method: "POST", path: "/api/v1/icp-profiles", headers: bearer(b.reader),
			body: `{"name":"New","criteria":{"titles":["cto"]}}`}, 403, ""},
		{"get unknown", request{method: "GET", path: unknown, headers: bearer(b.reader)}, 404, ""},
		{"patch unknown", request{method: "PATCH", path: unknown, headers: bearer(b.admin), body: `{"min_score":5}`}, 404, ""},
		{"delete unknown", request{method: "DELETE", path: unknown, headers: bearer(b.admin)}, 404, ""},
		{"bad id", request{method: "GET", path: "/api/v1/icp-profiles/nope", headers: bearer(b.reader)}, 422, "path.id"},
		{"bad cursor", request{method: "GET", path: "/api/v1/icp-profiles?cursor=nope", headers: bearer(b.reader)}, 400, "query.cursor"},
		{"score unknown profile", request{method: "POST", path: unknown + "/score", headers: bearer(b.admin),
			body: `{"contact_ids":["` + contact.ID + `"]}`}, 404, ""},
		{"score inactive profile", request{method: "POST", path: "/api/v1/icp-profiles/" + inactive.ID + "/score", headers: bearer(b.admin),
			body: `{"contact_ids":["` + contact.ID + `"]}`}, 422, "path.id"},
		{"score unknown contact", request{method: "POST", path: "/api/v1/icp-profiles/" + existing.ID + "/score", headers: bearer(b.admin),
			body: `{"contact_ids":["00000000-0000-0000-0000-000000000002"]}`}, 422, "body.contact_ids[0]"},
		{"reader cannot score", request{method: "POST", path: "/api/v1/icp-profiles/" + existing.ID + "/score", headers: bearer(b.reader),
			body: `{"contact_ids":["` + contact.ID + `"]}`}, 403, ""},
	}
	before := b.profileState(t)
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
	if after := b.profileState(t); after != before {
		t.Errorf("state after bad requests = %s, want %s (nothing written)", after, before)
	}
}

// profileState summarises the profiles and scoring jobs, to show bad
// requests changed neither.
func (b *testBundle) profileState(t *testing.T) string {
	t.Helper()
	var state string
	if err := b.pool.QueryRow(context.Background(), `
		SELECT (SELECT string_agg(name || ':' || min_score || ':' || updated_at || ':' || criteria::text, ',' ORDER BY id) FROM icp_profiles)
			|| ' jobs:' || (SELECT count(*) FROM river_job WHERE kind = 'score_contact')`).Scan(&state); err != nil {
		t.Fatal(err)
	}
	return state
}

// Scoring a selection queues one job per contact naming the profile, in
// one transaction; asking again while they wait queues nothing more.
func TestICPProfileScoreEnqueues(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.createProfile(t, fintechProfile("Fintech DACH"))
	var ids []string
	for i := range 3 {
		ids = append(ids, b.createContact(t, fmt.Sprintf(`{"email":"p%d@ledgerly.example"}`, i)).ID)
	}
	b.createContact(t, `{"email":"other@elsewhere.example"}`)

	score := func(body string) (selected, enqueued int) {
		t.Helper()
		r := b.do(t, request{method: "POST", path: "/api/v1/icp-profiles/" + p.ID + "/score", headers: bearer(b.admin), body: body})
		if r.status != 202 {
			t.Fatalf("score: status = %d, want 202; body %s", r.status, r.body)
		}
		got := decode[struct{ Selected, Enqueued int }](t, r)
		return got.Selected, got.Enqueued
	}
	if s, e := score(`{"contact_ids":["` + ids[0] + `","` + ids[1] + `"]}`); s != 2 || e != 2 {
		t.Errorf("by ids: selected %d, enqueued %d; want 2, 2", s, e)
	}
	if s, e := score(`{"filter":{"domain":"ledgerly.example"}}`); s != 3 || e != 1 {
		t.Errorf("by filter: selected %d, enqueued %d; want 3, 1 (two already queued)", s, e)
	}
	if s, e := score(`{"filter":{"domain":"nobody.example"}}`); s != 0 || e != 0 {
		t.Errorf("empty selection: selected %d, enqueued %d; want 0, 0", s, e)
	}

	rows, err := b.pool.Query(context.Background(), `
		SELECT args->>'contact_id', args->>'profile_id', queue FROM river_job WHERE kind = 'score_contact' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var contact, profile, queue string
		if err := rows.Scan(&contact, &profile, &queue); err != nil {
			t.Fatal(err)
		}
		if profile != p.ID || queue != "enrichment" {
			t.Errorf("job for %s names profile %s on queue %s, want %s on enrichment", contact, profile, queue, p.ID)
		}
		got = append(got, contact)
	}
	if slices.Sort(got); !slices.Equal(got, slices.Sorted(slices.Values(ids))) {
		t.Errorf("jobs for %v, want one per selected contact %v", got, ids)
	}
}

// The OpenAPI document describes an employee range as either spelling.
func TestICPProfileOpenAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	type schema struct {
		Ref        string            `json:"$ref"`
		Type       any               `json:"type"`
		OneOf      []schema          `json:"oneOf"`
		Items      *schema           `json:"items"`
		Properties map[string]schema `json:"properties"`
	}
	doc := decode[struct {
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}](t, b.do(t, request{method: "GET", path: "/openapi.json"}))
	for _, p := range []string{"/api/v1/icp-profiles", "/api/v1/icp-profiles/{id}", "/api/v1/icp-profiles/{id}/score"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("document lacks %s", p)
		}
	}
	r := doc.Components.Schemas["EmployeeRange"]
	if len(r.OneOf) != 2 || r.OneOf[0].Type != "string" || r.OneOf[1].Type != "object" ||
		r.OneOf[1].Properties["min"].Type != "integer" || r.OneOf[1].Properties["max"].Type != "integer" {
		t.Errorf("EmployeeRange = %+v, want oneOf a string and an object {min, max}", r)
	}
	items := doc.Components.Schemas["ICPCriteria"].Properties["employee_ranges"].Items
	if items == nil || items.Ref != "#/components/schemas/EmployeeRange" {
		t.Errorf("criteria.employee_ranges items = %+v, want a reference to EmployeeRange", items)
	}
}

// ICPExplanation documents a contact's stored explanation as
// ScoreExplanation, whose fields are exactly those icp.Explanation writes.
func TestICPExplanationSchema(t *testing.T) {
	t.Parallel()
	reg := huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer)
	if s := reg.Schema(reflect.TypeFor[api.ICPExplanation](), true, ""); s.Ref != "#/components/schemas/ScoreExplanation" {
		t.Fatalf("schema = %+v, want a reference to ScoreExplanation", s)
	}
	if _, ok := reg.Map()["ScoreMatch"]; !ok {
		t.Error("ScoreMatch not registered")
	}
	tests := []struct{ doc, stored reflect.Type }{
		{reflect.TypeFor[api.ScoreExplanation](), reflect.TypeFor[icp.Explanation]()},
		{reflect.TypeFor[api.ScoreMatch](), reflect.TypeFor[icp.Match]()},
	}
	for _, tt := range tests {
		if got, want := jsonFields(tt.doc), jsonFields(tt.stored); !slices.Equal(got, want) {
			t.Errorf("%s documents %v, %s writes %v", tt.doc, got, tt.stored, want)
		}
	}
	raw := []byte(`{"profile":"p","score":5}`)
	if got, err := json.Marshal(api.ICPExplanation(raw)); err != nil || string(got) != string(raw) {
		t.Errorf("Marshal = %s, %v; want the stored document as is", got, err)
	}
}

// jsonFields lists the JSON names of t's fields, embedded structs flattened.
func jsonFields(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if f.Anonymous {
			names = append(names, jsonFields(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
