package lemlist

import (
	"context"
	"net/http"
	"testing"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

func TestListCampaignsBothShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		shape     vendorsim.LemlistCampaignShape
		paginated bool
	}{
		{"docs page: campaigns and pagination", vendorsim.LemlistCampaignsPaginated, true},
		{"OpenAPI schema: bare array", vendorsim.LemlistCampaignsArray, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.fake.SetCampaignShape(tt.shape)
			got, err := b.client.ListCampaigns(context.Background(), ListCampaignsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			seeded := b.fake.Campaigns()
			if len(got.Campaigns) != len(seeded) {
				t.Fatalf("got %d campaigns, want %d", len(got.Campaigns), len(seeded))
			}
			for i, c := range got.Campaigns {
				if c.ID != seeded[i].ID || c.Name != seeded[i].Name || c.Status != seeded[i].Status || c.CreatedAt.IsZero() {
					t.Fatalf("campaign %d = %+v, want %+v", i, c, seeded[i])
				}
			}
			if (got.Pagination != nil) != tt.paginated {
				t.Fatalf("pagination = %+v, want present %v", got.Pagination, tt.paginated)
			}
			if tt.paginated && got.Pagination.TotalRecords != len(seeded) {
				t.Fatalf("pagination = %+v", got.Pagination)
			}
		})
	}
}

func TestListCampaignsPagingAndFilters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for range 7 {
		b.fake.AddCampaign("extra", "paused")
	}
	ctx := context.Background()

	page2, err := b.client.ListCampaigns(ctx, ListCampaignsOptions{Status: "paused", Limit: 3, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page2.Campaigns) != 3 || page2.Pagination.CurrentPage != 2 || page2.Pagination.NextPage != 3 || page2.Pagination.TotalPage != 3 {
		t.Fatalf("page 2 = %d campaigns, %+v", len(page2.Campaigns), page2.Pagination)
	}
	last, err := b.client.ListCampaigns(ctx, ListCampaignsOptions{Status: "paused", Limit: 3, Offset: 6})
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Campaigns) != 1 || last.Pagination.NextPage != 0 {
		t.Fatalf("last page = %d campaigns, %+v", len(last.Campaigns), last.Pagination)
	}
	desc, err := b.client.ListCampaigns(ctx, ListCampaignsOptions{SortBy: "createdAt", SortOrder: "desc", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	all := b.fake.Campaigns()
	if desc.Campaigns[0].ID != all[len(all)-1].ID {
		t.Fatalf("newest = %s, want %s", desc.Campaigns[0].ID, all[len(all)-1].ID)
	}
}

func TestListCampaignsRefusedBeforeCalling(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name string
		opts ListCampaignsOptions
	}{
		{"limit over the cap", ListCampaignsOptions{Limit: MaxCampaignsLimit + 1}},
		{"negative limit", ListCampaignsOptions{Limit: -1}},
		{"negative offset", ListCampaignsOptions{Offset: -5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.client.ListCampaigns(context.Background(), tt.opts)
			if ae := asAPIError(t, err); ae.Code != CodeInvalidRequest || ae.Status != 0 {
				t.Fatalf("err = %+v", ae)
			}
		})
	}
	if n := b.totalCalls(); n != 0 {
		t.Fatalf("%d calls reached the simulator", n)
	}
}

func TestListCampaignsVendorValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.client.ListCampaigns(context.Background(), ListCampaignsOptions{Status: "sleeping"})
	if ae := asAPIError(t, err); ae.Status != http.StatusBadRequest || ae.Code != CodeBadRequest || ae.Message != "Invalid status" {
		t.Fatalf("err = %+v", ae)
	}
}
