package jobs

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

// enroll_in_campaign enrolls once however often its step runs, leaves out
// suppressed contacts, and refuses a bad or inactive instance for good.
func TestEnrollInCampaignAction(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Schema: dbtest.Schema(pool)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := rivertest.WorkContext(context.Background(), rc)
	deps := Deps{Pool: pool, Hasher: outreachHasher}

	tpl, err := store.NewCampaignTemplates(pool).Create(ctx, campaigns.Template{Name: "tpl", Settings: campaigns.DefaultSettings(),
		Steps: []campaigns.Step{{Subject: "Hi {{first_name|there}}", Body: "<p>Hello</p>"}}})
	if err != nil {
		t.Fatal(err)
	}
	instances := store.NewCampaignInstances(pool)
	draft, err := instances.Create(ctx, store.NewCampaignInstance{TemplateID: tpl.ID, Name: "draft"})
	if err != nil {
		t.Fatal(err)
	}
	active, err := instances.Create(ctx, store.NewCampaignInstance{TemplateID: tpl.ID, Name: "wave"})
	if err != nil {
		t.Fatal(err)
	}
	if active, err = instances.Transition(ctx, active.ID, []string{"draft"}, "active"); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `INSERT INTO contacts (email, first_name) SELECT 'lead' || i || '@co.example', 'Ann'
		FROM generate_series(0, 2) i ORDER BY i RETURNING id`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		t.Fatal(err)
	}
	blocked := "lead2@co.example"
	if _, _, err := store.NewSuppressions(pool).Add(ctx, store.Suppression{Kind: contacts.KindEmail, Value: &blocked,
		ValueHash: outreachHasher.Hash(contacts.KindEmail, blocked), Reason: "manual"}); err != nil {
		t.Fatal(err)
	}

	in := invocation("run/enroll/-1", map[string]any{"campaign_instance_id": active.ID.String(), "contact_ids": ids})
	for attempt := range 2 { // the step run again after a crash
		out, err := enrollInCampaign(ctx, deps, in)
		if err != nil {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
		got := out.(map[string]any)
		if got["enrolled"] != 2 || got["skipped"] != 1 {
			t.Errorf("attempt %d: %v, want 2 enrolled and the suppressed one skipped", attempt, got)
		}
	}
	var enrollments, queued int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM enrollments), (SELECT count(*) FROM river_job WHERE kind = $1)`,
		KindOutreachEnroll).Scan(&enrollments, &queued); err != nil {
		t.Fatal(err)
	}
	if enrollments != 2 || queued != 2 {
		t.Errorf("%d enrollments and %d outreach_enroll jobs after two runs of the step, want 2 and 2", enrollments, queued)
	}

	for name, inputs := range map[string]map[string]any{
		"draft instance":   {"campaign_instance_id": draft.ID.String(), "contact_ids": ids},
		"unknown instance": {"campaign_instance_id": uuid.NewString(), "contact_ids": ids},
		"bad instance id":  {"campaign_instance_id": "wave", "contact_ids": ids},
		"bad contact id":   {"campaign_instance_id": active.ID.String(), "contact_ids": []string{"x"}},
	} {
		var perm *engine.PermanentError
		if _, err := enrollInCampaign(ctx, deps, invocation("run/bad/-1", inputs)); !errors.As(err, &perm) {
			t.Errorf("%s: err = %v, want a permanent error", name, err)
		}
	}
}
