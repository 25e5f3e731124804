package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

func TestVendorUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	usage := store.NewVendorUsage(dbtest.Pool(t))
	day := func(d int) time.Time { return time.Date(2026, 5, d, 0, 0, 0, 0, time.UTC) }

	// Increments add up: across calls, within one call for the same key,
	// and from several processes at once.
	if err := usage.AddUsage(ctx, []guard.Usage{
		{Vendor: "hubspot", Bucket: "default", Day: day(10), Calls: 5, Errors: 1, RateLimited: 1},
		{Vendor: "hubspot", Bucket: "default", Day: day(10), Calls: 2},
		{Vendor: "hubspot", Bucket: "search", Day: day(10), Calls: 3},
		{Vendor: "explorium", Bucket: "default", Day: day(11), Calls: 1, Credits: 50},
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			err := usage.AddUsage(ctx, []guard.Usage{
				{Vendor: "explorium", Bucket: "default", Day: day(11), Calls: 1, Credits: 5},
				{Vendor: "hubspot", Bucket: "default", Day: day(10), Calls: 1},
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := usage.AddUsage(ctx, nil); err != nil {
		t.Errorf("AddUsage(nil) = %v", err)
	}
	if err := usage.AddUsage(ctx, []guard.Usage{{Day: day(10), Calls: 1}}); err == nil {
		t.Error("AddUsage accepted a row without vendor")
	}

	tests := []struct {
		name     string
		from, to time.Time
		vendor   string
		want     []guard.Usage
	}{
		{"all vendors", day(1), day(31), "", []guard.Usage{
			{Vendor: "hubspot", Bucket: "default", Day: day(10), Calls: 11, Errors: 1, RateLimited: 1},
			{Vendor: "hubspot", Bucket: "search", Day: day(10), Calls: 3},
			{Vendor: "explorium", Bucket: "default", Day: day(11), Calls: 5, Credits: 70},
		}},
		{"one vendor", day(1), day(31), "explorium", []guard.Usage{
			{Vendor: "explorium", Bucket: "default", Day: day(11), Calls: 5, Credits: 70},
		}},
		{"bounds are inclusive", day(11), day(11), "", []guard.Usage{
			{Vendor: "explorium", Bucket: "default", Day: day(11), Calls: 5, Credits: 70},
		}},
		{"nothing in range", day(12), day(20), "", nil},
	}
	for _, tt := range tests {
		got, err := usage.List(ctx, tt.from, tt.to, tt.vendor)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
		for i := range got {
			if !got[i].Day.Equal(tt.want[i].Day) || got[i].Vendor != tt.want[i].Vendor || got[i].Bucket != tt.want[i].Bucket ||
				got[i].Calls != tt.want[i].Calls || got[i].Errors != tt.want[i].Errors ||
				got[i].RateLimited != tt.want[i].RateLimited || got[i].Credits != tt.want[i].Credits {
				t.Errorf("%s: row %d = %+v, want %+v", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}
