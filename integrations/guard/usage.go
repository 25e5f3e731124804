package guard

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Usage is what one vendor bucket did on one UTC day: calls that reached the
// vendor, those that failed (transient or permanent), the vendor's 429s, and
// the credits the vendor reported spent. Rows are increments when handed to
// a UsageRecorder and totals when read back.
type Usage struct {
	Vendor      string
	Bucket      string
	Day         time.Time // UTC midnight of the day
	Calls       int64
	Errors      int64
	RateLimited int64
	Credits     int64
}

// UsageRecorder adds usage increments to durable storage (the vendor_usage
// table). It must add, not overwrite: several processes flush the same rows.
type UsageRecorder interface {
	AddUsage(ctx context.Context, rows []Usage) error
}

type usageKey struct {
	bucket string
	day    time.Time
}

// usageAgg adds up usage in memory between flushes, so a call costs no
// database write.
type usageAgg struct {
	mu   sync.Mutex
	rows map[usageKey]*Usage
}

func (a *usageAgg) add(vendor, bucket string, now time.Time, u Usage) {
	y, m, d := now.UTC().Date()
	k := usageKey{bucket: bucket, day: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rows == nil {
		a.rows = map[usageKey]*Usage{}
	}
	r, ok := a.rows[k]
	if !ok {
		r = &Usage{Vendor: vendor, Bucket: bucket, Day: k.day}
		a.rows[k] = r
	}
	r.Calls += u.Calls
	r.Errors += u.Errors
	r.RateLimited += u.RateLimited
	r.Credits += u.Credits
}

// take empties the aggregate and returns its rows in a stable order.
func (a *usageAgg) take() []Usage {
	a.mu.Lock()
	rows := a.rows
	a.rows = nil
	a.mu.Unlock()
	out := make([]Usage, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(x, y Usage) int {
		return cmp.Or(x.Day.Compare(y.Day), cmp.Compare(x.Bucket, y.Bucket))
	})
	return out
}

// putBack returns rows a failed flush could not store, for the next flush.
func (a *usageAgg) putBack(rows []Usage) {
	for _, r := range rows {
		a.add(r.Vendor, r.Bucket, r.Day, r)
	}
}

// Flush pushes the usage aggregated since the last flush to Config.Usage.
// On failure the increments are kept for the next flush, so none is lost
// while the database is away.
func (g *Guard) Flush(ctx context.Context) error {
	if g == nil {
		return nil
	}
	rows := g.usage.take()
	if len(rows) == 0 || g.cfg.Usage == nil {
		return nil
	}
	if err := g.cfg.Usage.AddUsage(ctx, rows); err != nil {
		g.usage.putBack(rows)
		return fmt.Errorf("guard: %s: flush usage: %w", g.cfg.Vendor, err)
	}
	return nil
}

// Run flushes usage every Config.FlushEvery until ctx is done, then once
// more with a short context of its own so the last increments are kept.
func (g *Guard) Run(ctx context.Context) error {
	if g == nil {
		return nil
	}
	t := time.NewTicker(g.cfg.FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := g.Flush(ctx); err != nil && ctx.Err() == nil {
				g.log.Warn("vendor usage not stored yet", slog.String("vendor", g.cfg.Vendor), slog.Any("error", err))
			}
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return g.Flush(fctx)
		}
	}
}

// RecordCredits adds n vendor credits spent to today's accounting.
func (g *Guard) RecordCredits(bucket string, n int64) {
	if g == nil || n <= 0 { // counters only go up; a refund is not spending
		return
	}
	b := g.bucket(bucket)
	g.m.credits.WithLabelValues(g.cfg.Vendor, b.name).Add(float64(n))
	g.usage.add(g.cfg.Vendor, b.name, g.cfg.Now(), Usage{Credits: n})
}
