package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// VendorUsage holds the SQL of the vendor_usage table: calls, errors, 429s
// and credits per vendor, bucket and UTC day. Every process's guards add
// their increments to it; nothing ever overwrites a total. It implements
// guard.UsageRecorder, whose row type it shares so the guard needs no
// adapter (guard imports nothing of ours).
type VendorUsage struct{ db *pgxpool.Pool }

// NewVendorUsage returns the vendor_usage queries on db.
func NewVendorUsage(db *pgxpool.Pool) *VendorUsage { return &VendorUsage{db: db} }

// AddUsage adds rows to the day's totals in one statement. Rows naming the
// same vendor, bucket and day are summed first (an upsert cannot touch one
// row twice), and rows are written in key order so that two processes
// flushing overlapping days cannot deadlock.
func (s *VendorUsage) AddUsage(ctx context.Context, rows []guard.Usage) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	vendors, buckets := make([]string, n), make([]string, n)
	days := make([]time.Time, n)
	calls, errs, limited, credits := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, r := range rows {
		if r.Vendor == "" {
			return errors.New("add vendor usage: row without vendor")
		}
		y, m, d := r.Day.Date()
		vendors[i], buckets[i], days[i] = r.Vendor, r.Bucket, time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		calls[i], errs[i], limited[i], credits[i] = r.Calls, r.Errors, r.RateLimited, r.Credits
	}
	_, err := s.db.Exec(ctx, `
		INSERT INTO vendor_usage AS u (vendor, day, bucket, calls, errors, rate_limited, credits)
		SELECT vendor, day, bucket, sum(calls), sum(errors), sum(rate_limited), sum(credits)
		FROM unnest($1::text[], $2::date[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
			AS t (vendor, day, bucket, calls, errors, rate_limited, credits)
		GROUP BY vendor, day, bucket
		ORDER BY vendor, day, bucket
		ON CONFLICT (vendor, day, bucket) DO UPDATE SET
			calls        = u.calls + EXCLUDED.calls,
			errors       = u.errors + EXCLUDED.errors,
			rate_limited = u.rate_limited + EXCLUDED.rate_limited,
			credits      = u.credits + EXCLUDED.credits`,
		vendors, days, buckets, calls, errs, limited, credits)
	if err != nil {
		return fmt.Errorf("add vendor usage: %w", err)
	}
	return nil
}

// List returns the totals of the days from through to, inclusive, of one
// vendor or of all when vendor is empty, ordered by day, vendor and bucket.
// Days are the calendar dates of from and to as written; usage days are UTC
// dates, so pass UTC times.
func (s *VendorUsage) List(ctx context.Context, from, to time.Time, vendor string) ([]guard.Usage, error) {
	rows, err := s.db.Query(ctx, `
		SELECT vendor, bucket, day, calls, errors, rate_limited, credits
		FROM vendor_usage
		WHERE day BETWEEN $1::date AND $2::date AND ($3 = '' OR vendor = $3)
		ORDER BY day, vendor, bucket`,
		dateOnly(from), dateOnly(to), vendor)
	if err != nil {
		return nil, fmt.Errorf("list vendor usage: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (guard.Usage, error) {
		var u guard.Usage
		err := row.Scan(&u.Vendor, &u.Bucket, &u.Day, &u.Calls, &u.Errors, &u.RateLimited, &u.Credits)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("list vendor usage: %w", err)
	}
	return out, nil
}

// dateOnly is t's calendar date, as written in t's own location.
func dateOnly(t time.Time) string { return t.Format(time.DateOnly) }
