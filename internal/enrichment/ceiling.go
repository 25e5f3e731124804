package enrichment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/store"
)

// ceiling is the daily credit ceiling per vendor. Spend is counted in the
// enrichment_credits table, so every worker process sees the same total:
// a vendor call is made only while the day's spend is under the ceiling.
// Calls in flight when the ceiling is reached may pass it by at most one
// batch each.
type ceiling struct {
	db     store.DBTX
	limits map[string]int64 // 0 or absent: no ceiling
	m      *metrics
}

// allow reports whether vendor's spend today is under its ceiling.
func (c *ceiling) allow(ctx context.Context, vendor string, now time.Time) (bool, error) {
	var spent int64
	err := c.db.QueryRow(ctx, `SELECT spent FROM enrichment_credits WHERE vendor = $1 AND day = $2`,
		vendor, utcDay(now)).Scan(&spent)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("read %s credits: %w", vendor, err)
	}
	c.m.creditsToday.WithLabelValues(vendor).Set(float64(spent))
	limit := c.limits[vendor]
	return limit <= 0 || spent < limit, nil
}

// spend adds credits to vendor's spend today, and records the ceiling the
// spending process has, for the API to show.
func (c *ceiling) spend(ctx context.Context, vendor string, now time.Time, credits int64) error {
	var spent int64
	err := c.db.QueryRow(ctx, `
		INSERT INTO enrichment_credits AS e (vendor, day, spent, ceiling, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (vendor, day) DO UPDATE SET
			spent = e.spent + EXCLUDED.spent, ceiling = EXCLUDED.ceiling, updated_at = EXCLUDED.updated_at
		RETURNING spent`,
		vendor, utcDay(now), max(credits, 0), max(c.limits[vendor], 0), now).Scan(&spent)
	if err != nil {
		return fmt.Errorf("add %s credits: %w", vendor, err)
	}
	c.m.creditsToday.WithLabelValues(vendor).Set(float64(spent))
	return nil
}

// snoozed counts a job put off to the next day by vendor's ceiling.
func (c *ceiling) snoozed(ctx context.Context, vendor string, now time.Time) error {
	c.m.ceilingSnoozes.WithLabelValues(vendor).Inc()
	_, err := c.db.Exec(ctx, `
		INSERT INTO enrichment_credits AS e (vendor, day, ceiling, snoozes, updated_at)
		VALUES ($1, $2, $3, 1, $4)
		ON CONFLICT (vendor, day) DO UPDATE SET snoozes = e.snoozes + 1, updated_at = EXCLUDED.updated_at`,
		vendor, utcDay(now), max(c.limits[vendor], 0), now)
	if err != nil {
		return fmt.Errorf("count %s ceiling snooze: %w", vendor, err)
	}
	return nil
}

// CeilingSnoozed records that a job was put off to the next UTC day because
// the vendors' credits reached their ceilings.
func (s *Service) CeilingSnoozed(ctx context.Context, vendors []string) error {
	var errs []error
	for _, v := range vendors {
		errs = append(errs, s.ceiling.snoozed(ctx, v, s.now()))
	}
	return errors.Join(errs...)
}

// CreditDay is one enrichment vendor's credit ceiling and what was spent
// against it today.
type CreditDay struct {
	Vendor string
	// Ceiling is the daily ceiling as the last spending worker had it
	// configured; 0 is none.
	Ceiling int64
	// Spent is today's spend (UTC), Snoozes the jobs put off to tomorrow.
	Spent   int64
	Snoozes int64
	// ResetsAt is the next UTC midnight.
	ResetsAt time.Time
}

// Remaining is what may still be spent today; -1 without a ceiling.
func (d CreditDay) Remaining() int64 {
	if d.Ceiling <= 0 {
		return -1
	}
	return max(d.Ceiling-d.Spent, 0)
}

// CreditDays returns, for every vendor the enrichment jobs ever spent
// credits with, its latest ceiling and today's spend, ordered by vendor.
func CreditDays(ctx context.Context, db store.DBTX, now time.Time) ([]CreditDay, error) {
	rows, err := db.Query(ctx, `
		SELECT DISTINCT ON (vendor) vendor, day, ceiling, spent, snoozes
		FROM enrichment_credits ORDER BY vendor, day DESC`)
	if err != nil {
		return nil, fmt.Errorf("list enrichment credits: %w", err)
	}
	today := utcDay(now)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CreditDay, error) {
		var d CreditDay
		var day time.Time
		if err := row.Scan(&d.Vendor, &day, &d.Ceiling, &d.Spent, &d.Snoozes); err != nil {
			return d, err
		}
		if !day.Equal(today) {
			d.Spent, d.Snoozes = 0, 0
		}
		d.ResetsAt = NextDay(now)
		return d, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list enrichment credits: %w", err)
	}
	return out, nil
}
