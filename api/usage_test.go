package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/internal/store"
)

type usagePage struct {
	Items []struct {
		Vendor      string `json:"vendor"`
		Bucket      string `json:"bucket"`
		Day         string `json:"day"`
		Calls       int64  `json:"calls"`
		Errors      int64  `json:"errors"`
		RateLimited int64  `json:"rate_limited"`
		Credits     int64  `json:"credits"`
	} `json:"items"`
}

func TestUsageReport(t *testing.T) {
	t.Parallel()
	b := setup(t)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	err := store.NewVendorUsage(b.pool).AddUsage(context.Background(), []guard.Usage{
		{Vendor: "hubspot", Bucket: "default", Day: today, Calls: 12, Errors: 1, RateLimited: 2},
		{Vendor: "explorium", Bucket: "default", Day: today.AddDate(0, 0, -3), Calls: 4, Credits: 40},
		{Vendor: "apollo", Bucket: "enrichment", Day: today.AddDate(0, 0, -40), Calls: 9, Credits: 9},
	})
	if err != nil {
		t.Fatal(err)
	}
	date := func(d time.Time) string { return d.Format(time.DateOnly) }

	tests := []struct {
		name  string
		query string
		want  []string // vendor/day of each item, in order
	}{
		{"last 30 days by default", "", []string{"explorium/" + date(today.AddDate(0, 0, -3)), "hubspot/" + date(today)}},
		{"one vendor", "?vendor=hubspot", []string{"hubspot/" + date(today)}},
		{"explicit period", "?from=" + date(today.AddDate(0, 0, -60)) + "&to=" + date(today.AddDate(0, 0, -30)),
			[]string{"apollo/" + date(today.AddDate(0, 0, -40))}},
		{"to alone ends the default period", "?to=" + date(today.AddDate(0, 0, -1)), []string{"explorium/" + date(today.AddDate(0, 0, -3))}},
		{"366 days is the longest period", "?from=" + date(today.AddDate(0, 0, -365)) + "&to=" + date(today),
			[]string{"apollo/" + date(today.AddDate(0, 0, -40)), "explorium/" + date(today.AddDate(0, 0, -3)), "hubspot/" + date(today)}},
	}
	for _, tt := range tests {
		// Any authenticated key may read usage, not only admins.
		r := b.do(t, request{method: "GET", path: "/api/v1/usage" + tt.query, headers: bearer(b.reader)})
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", tt.name, r.status, r.body)
		}
		page := decode[usagePage](t, r)
		var got []string
		for _, it := range page.Items {
			got = append(got, it.Vendor+"/"+it.Day)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: items %v, want %v", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: items %v, want %v", tt.name, got, tt.want)
				break
			}
		}
	}
	r := b.do(t, request{method: "GET", path: "/api/v1/usage?vendor=hubspot", headers: bearer(b.reader)})
	if it := decode[usagePage](t, r).Items[0]; it.Bucket != "default" || it.Calls != 12 || it.Errors != 1 || it.RateLimited != 2 || it.Credits != 0 {
		t.Errorf("hubspot row %+v", it)
	}
	if r := b.do(t, request{method: "GET", path: "/api/v1/usage?vendor=nobody", headers: bearer(b.reader)}); r.status != 200 || string(r.body) == "" {
		t.Errorf("unknown vendor: %d %s", r.status, r.body)
	} else if items := decode[usagePage](t, r).Items; items == nil || len(items) != 0 {
		t.Errorf("unknown vendor: items %v, want an empty list", items)
	}
}

func TestUsageReportRefusesBadPeriods(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name, query, location string
		status                int
	}{
		{"from not a date", "?from=yesterday", "query.from", 422},
		{"to not a date", "?to=2026-13-01", "query.to", 422},
		{"to before from", "?from=2026-05-10&to=2026-05-09", "query.to", 422},
		{"more than 366 days", "?from=2025-01-01&to=2026-01-02", "query.from", 422},
		{"bad vendor", "?vendor=Hub%20Spot", "query.vendor", 422},
	}
	for _, tt := range tests {
		r := b.do(t, request{method: "GET", path: "/api/v1/usage" + tt.query, headers: bearer(b.reader)})
		if r.status != tt.status || len(r.problem.Errors) == 0 || r.problem.Errors[0].Location != tt.location {
			t.Errorf("%s: %d %s, want %d naming %s", tt.name, r.status, r.body, tt.status, tt.location)
		}
	}
	if r := b.do(t, request{method: "GET", path: "/api/v1/usage"}); r.status != http.StatusUnauthorized {
		t.Errorf("without credentials: %d, want 401", r.status)
	}
}

type ceilingsPage struct {
	CreditCeilings []struct {
		Vendor       string    `json:"vendor"`
		DailyCredits int64     `json:"daily_credits"`
		SpentToday   int64     `json:"spent_today"`
		Remaining    *int64    `json:"remaining"`
		SnoozedJobs  int64     `json:"snoozed_jobs"`
		ResetsAt     time.Time `json:"resets_at"`
	} `json:"credit_ceilings"`
}

// The enrichment vendors' ceilings as the workers last recorded them, with
// today's spend: yesterday's spend does not count against today.
func TestUsageReportShowsCreditCeilings(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, request{method: "GET", path: "/api/v1/usage", headers: bearer(b.reader)})
	if got := decode[ceilingsPage](t, r).CreditCeilings; got == nil || len(got) != 0 {
		t.Fatalf("ceilings before any spend = %v, want an empty list", got)
	}

	now := time.Now().UTC()
	today, yesterday := now.Format(time.DateOnly), now.AddDate(0, 0, -1).Format(time.DateOnly)
	if _, err := b.pool.Exec(context.Background(), `INSERT INTO enrichment_credits (vendor, day, spent, ceiling, snoozes) VALUES
		('explorium', $1, 480, 500, 3), ('apollo', $2, 900, 1000, 0), ('apollo', $1::date - 2, 5, 1000, 0)`, today, yesterday); err != nil {
		t.Fatal(err)
	}
	r = b.do(t, request{method: "GET", path: "/api/v1/usage", headers: bearer(b.reader)})
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	got := decode[ceilingsPage](t, r).CreditCeilings
	if len(got) != 2 {
		t.Fatalf("ceilings %+v, want apollo and explorium", got)
	}
	apollo, expl := got[0], got[1]
	if apollo.Vendor != "apollo" || apollo.DailyCredits != 1000 || apollo.SpentToday != 0 || apollo.Remaining == nil || *apollo.Remaining != 1000 {
		t.Errorf("apollo %+v, want a ceiling of 1000 with nothing spent today", apollo)
	}
	if expl.Vendor != "explorium" || expl.SpentToday != 480 || *expl.Remaining != 20 || expl.SnoozedJobs != 3 {
		t.Errorf("explorium %+v, want 480 of 500 spent, 3 snoozed", expl)
	}
	if want := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC); !expl.ResetsAt.Equal(want) {
		t.Errorf("resets at %s, want %s", expl.ResetsAt, want)
	}
	r = b.do(t, request{method: "GET", path: "/api/v1/usage?vendor=apollo", headers: bearer(b.reader)})
	if got := decode[ceilingsPage](t, r).CreditCeilings; len(got) != 1 || got[0].Vendor != "apollo" {
		t.Errorf("ceilings of ?vendor=apollo = %+v", got)
	}
}
