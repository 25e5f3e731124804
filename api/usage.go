package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/rtgs/sales-automation/internal/enrichment"
	"github.com/rtgs/sales-automation/internal/store"
)

// Bounds of a usage query: the default period and the longest one, in days
// counted inclusively.
const (
	usageDefaultDays = 30
	usageMaxDays     = 366
)

// UsageRequest selects the days and vendor of a usage report.
type UsageRequest struct {
	From   string `query:"from" format:"date" doc:"First day (UTC), YYYY-MM-DD. Default: 29 days before to."`
	To     string `query:"to" format:"date" doc:"Last day (UTC), inclusive, YYYY-MM-DD. Default: today."`
	Vendor string `query:"vendor" maxLength:"64" pattern:"^[a-z0-9_\\-]+$" doc:"Only this vendor (hubspot, lemlist, explorium, apollo, anthropic, gemini)."`
}

// VendorUsage is what one vendor bucket did on one UTC day.
type VendorUsage struct {
	Vendor      string `json:"vendor"`
	Bucket      string `json:"bucket" doc:"The vendor's rate bucket, such as default, search or enrichment."`
	Day         string `json:"day" format:"date"`
	Calls       int64  `json:"calls" doc:"Calls that reached the vendor."`
	Errors      int64  `json:"errors" doc:"Calls that failed, transiently or permanently."`
	RateLimited int64  `json:"rate_limited" doc:"Calls the vendor refused with a 429."`
	Credits     int64  `json:"credits" doc:"Credits the vendor reported spent."`
}

// CreditCeiling is an enrichment vendor's daily credit ceiling and what
// the enrichment jobs spent against it today.
type CreditCeiling struct {
	Vendor       string    `json:"vendor"`
	DailyCredits int64     `json:"daily_credits" doc:"The ceiling per UTC day, as the workers have it configured; 0 is none."`
	SpentToday   int64     `json:"spent_today" doc:"Credits the enrichment jobs spent today (UTC), counted as they spend them."`
	Remaining    *int64    `json:"remaining" doc:"What may still be spent today; null without a ceiling."`
	SnoozedJobs  int64     `json:"snoozed_jobs" doc:"Enrichment jobs put off to the next UTC day by the ceiling today."`
	ResetsAt     time.Time `json:"resets_at" doc:"The next UTC midnight, when the day's spend starts again from zero."`
}

// UsageResponse lists usage by day, vendor and bucket, and the enrichment
// vendors' credit ceilings.
type UsageResponse struct {
	Body struct {
		Items          []VendorUsage   `json:"items"`
		CreditCeilings []CreditCeiling `json:"credit_ceilings" doc:"Each enrichment vendor the workers spent credits with: its daily ceiling and today's spend."`
	}
}

func (s *Server) registerUsage() {
	usage := store.NewVendorUsage(s.pool)
	register(s, huma.Operation{
		OperationID: "list-vendor-usage", Method: http.MethodGet, Path: "/api/v1/usage",
		Summary: "Vendor usage per day",
		Description: "Calls, errors, 429s and credits per vendor, bucket and UTC day, as every process's guards " +
			"recorded them, and each enrichment vendor's daily credit ceiling with today's spend (reaching it " +
			"snoozes enrichment to the next UTC day). At most 366 days per request. Any authenticated key may read it.",
		Tags: []string{"vendors"},
	}, func(ctx context.Context, in *UsageRequest) (*UsageResponse, error) {
		now := time.Now()
		from, to, err := usagePeriod(in, now)
		if err != nil {
			return nil, err
		}
		rows, err := usage.List(ctx, from, to, in.Vendor)
		if err != nil {
			return nil, err
		}
		out := &UsageResponse{}
		out.Body.Items = make([]VendorUsage, len(rows))
		for i, r := range rows {
			out.Body.Items[i] = VendorUsage{
				Vendor: r.Vendor, Bucket: r.Bucket, Day: r.Day.Format(time.DateOnly),
				Calls: r.Calls, Errors: r.Errors, RateLimited: r.RateLimited, Credits: r.Credits,
			}
		}
		days, err := enrichment.CreditDays(ctx, s.pool, now)
		if err != nil {
			return nil, err
		}
		out.Body.CreditCeilings = []CreditCeiling{}
		for _, d := range days {
			if in.Vendor != "" && d.Vendor != in.Vendor {
				continue
			}
			c := CreditCeiling{Vendor: d.Vendor, DailyCredits: d.Ceiling, SpentToday: d.Spent, SnoozedJobs: d.Snoozes, ResetsAt: d.ResetsAt}
			if r := d.Remaining(); r >= 0 {
				c.Remaining = &r
			}
			out.Body.CreditCeilings = append(out.Body.CreditCeilings, c)
		}
		return out, nil
	})
}

// usagePeriod resolves the requested days; a bad period is a 422 naming the
// parameter at fault.
func usagePeriod(in *UsageRequest, now time.Time) (from, to time.Time, err error) {
	invalid := func(param, msg, value string) error {
		return problem(http.StatusUnprocessableEntity, codeInvalid, "invalid period",
			&huma.ErrorDetail{Location: "query." + param, Message: msg, Value: value})
	}
	y, m, d := now.UTC().Date()
	to = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if in.To != "" {
		if to, err = time.Parse(time.DateOnly, in.To); err != nil {
			return from, to, invalid("to", "expected a date YYYY-MM-DD", in.To)
		}
	}
	from = to.AddDate(0, 0, -(usageDefaultDays - 1))
	if in.From != "" {
		if from, err = time.Parse(time.DateOnly, in.From); err != nil {
			return from, to, invalid("from", "expected a date YYYY-MM-DD", in.From)
		}
	}
	switch {
	case to.Before(from):
		return from, to, invalid("to", "must not be before from", in.To)
	case to.Sub(from) >= usageMaxDays*24*time.Hour:
		return from, to, invalid("from", "the period spans more than 366 days", in.From)
	}
	return from, to, nil
}
