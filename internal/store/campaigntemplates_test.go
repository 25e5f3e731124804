package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

func newCampaignTemplate(name string) campaigns.Template {
	return campaigns.Template{
		Name:        name,
		Description: "two touches",
		Steps: []campaigns.Step{
			{Subject: "Hi {{first_name|there}}", Body: "<p>{{custom.opening_line}}</p>"},
			{Subject: "Re: {{company}}", Body: "<p>Bump</p>", DelayDays: 3,
				Variants: []campaigns.Variant{{Name: "A", Weight: 1}, {Name: "B", Subject: "Still there?", Weight: 2}}},
		},
		Settings: campaigns.DefaultSettings(),
	}
}

func TestCampaignTemplatesCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	templates := store.NewCampaignTemplates(dbtest.Pool(t))

	want := newCampaignTemplate("Q3 outbound")
	got, err := templates.Create(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == uuid.Nil || got.CreatedAt.IsZero() || !reflect.DeepEqual(got.Template, want) {
		t.Fatalf("Create = %+v, want %+v with an id and times", got, want)
	}
	read, err := templates.Get(ctx, got.ID)
	if err != nil || !reflect.DeepEqual(read, got) {
		t.Errorf("Get = %+v, %v; want %+v", read, err, got)
	}

	for _, name := range []string{"second", "third"} {
		if _, err := templates.Create(ctx, newCampaignTemplate(name)); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var after *store.Cursor
	for {
		page, err := templates.List(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page {
			names = append(names, p.Name)
		}
		if len(page) < 2 {
			break
		}
		last := page[len(page)-1]
		after = &store.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	if want := []string{"Q3 outbound", "second", "third"}; !slices.Equal(names, want) {
		t.Errorf("listed %v, want %v", names, want)
	}

	changed := newCampaignTemplate("Q3 outbound v2")
	changed.Steps = changed.Steps[:1]
	changed.Settings.StopRules.StopCompanyOnReply = true
	replaced, err := templates.Replace(ctx, got.ID, changed)
	if err != nil || !reflect.DeepEqual(replaced.Template, changed) || replaced.UpdatedAt.Before(got.UpdatedAt) {
		t.Errorf("Replace = %+v, %v; want %+v", replaced, err, changed)
	}

	if err := templates.Delete(ctx, got.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := templates.Get(ctx, got.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
}

func TestCampaignTemplatesErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	templates := store.NewCampaignTemplates(pool)
	used, err := templates.Create(ctx, newCampaignTemplate("used"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO campaign_instances (template_id, name) VALUES ($1, 'running')`, used.ID); err != nil {
		t.Fatal(err)
	}
	bad := newCampaignTemplate("bad")
	bad.Steps[0].Body = "<script>x</script>"
	missing := uuid.New()
	var ve *campaigns.ValidationError
	tests := []struct {
		name string
		err  func() error
		is   func(error) bool
	}{
		{"create invalid", func() error { _, err := templates.Create(ctx, bad); return err },
			func(err error) bool { return errors.As(err, &ve) }},
		{"replace invalid", func() error { _, err := templates.Replace(ctx, used.ID, bad); return err },
			func(err error) bool { return errors.As(err, &ve) }},
		{"replace missing", func() error { _, err := templates.Replace(ctx, missing, newCampaignTemplate("x")); return err },
			func(err error) bool { return errors.Is(err, store.ErrNotFound) }},
		{"delete missing", func() error { return templates.Delete(ctx, missing) },
			func(err error) bool { return errors.Is(err, store.ErrNotFound) }},
		{"delete in use", func() error { return templates.Delete(ctx, used.ID) },
			func(err error) bool {
				return errors.Is(err, store.ErrTemplateInUse) && errors.Is(err, store.ErrConflict)
			}},
	}
	for _, tt := range tests {
		if err := tt.err(); !tt.is(err) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
	if got, err := templates.Get(ctx, used.ID); err != nil || got.Name != "used" {
		t.Errorf("template after refused changes = %+v, %v; want it unchanged", got, err)
	}
	if n, err := templates.CountInstances(ctx, used.ID); n != 1 || err != nil {
		t.Errorf("CountInstances = %d, %v; want 1", n, err)
	}
}
