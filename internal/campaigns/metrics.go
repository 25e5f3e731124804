package campaigns

import (
	"fmt"
	"time"
)

// Counts are the outreach figures of an instance, a step or a time bucket.
// Enrolled counts enrollments that reached lemlist (every status but
// pending and failed); the others count distinct leads with at least one
// event of the kind, so a lead opening five times is one open.
type Counts struct {
	Enrolled     int64
	Sent         int64
	Opened       int64
	Clicked      int64
	Replied      int64
	Bounced      int64
	Unsubscribed int64
}

// Add adds n to the figure of kind (an Event* constant; others are ignored).
func (c *Counts) Add(kind string, n int64) {
	switch kind {
	case EventSent:
		c.Sent += n
	case EventOpened:
		c.Opened += n
	case EventClicked:
		c.Clicked += n
	case EventReplied:
		c.Replied += n
	case EventBounced:
		c.Bounced += n
	case EventUnsubscribed:
		c.Unsubscribed += n
	}
}

// Rates are fractions from 0 to 1: Sent per enrolled lead, the others per
// lead sent to. A rate whose denominator is 0 is 0.
type Rates struct {
	Sent         float64
	Opened       float64
	Clicked      float64
	Replied      float64
	Bounced      float64
	Unsubscribed float64
}

// Rates computes the rates of c. Per step, where Enrolled is not known,
// the sent rate is 0.
func (c Counts) Rates() Rates {
	per := func(n, d int64) float64 {
		if d <= 0 {
			return 0
		}
		return min(float64(n)/float64(d), 1)
	}
	return Rates{
		Sent: per(c.Sent, c.Enrolled), Opened: per(c.Opened, c.Sent), Clicked: per(c.Clicked, c.Sent),
		Replied: per(c.Replied, c.Sent), Bounced: per(c.Bounced, c.Sent), Unsubscribed: per(c.Unsubscribed, c.Sent),
	}
}

// Bucket sizes of the metrics time series.
const (
	BucketDay  = "day"
	BucketHour = "hour"
)

// MaxBuckets bounds one time series: 1000 hours is six weeks.
const MaxBuckets = 1000

// MetricsRange is a validated time series request: buckets of Bucket size
// from From (inclusive, truncated to the bucket) to To (exclusive).
type MetricsRange struct {
	Bucket   string
	From, To time.Time
}

// DefaultMetricsSpan is the span of a series without from: 30 days before to.
const DefaultMetricsSpan = 30 * 24 * time.Hour

// NewMetricsRange validates a series request: bucket is day (default) or
// hour; to defaults to now, from to 30 days before to; from must be before
// to and the series at most MaxBuckets long. Errors are *EventError naming
// the query field.
func NewMetricsRange(bucket string, from, to *time.Time, now time.Time) (MetricsRange, error) {
	r := MetricsRange{Bucket: bucket}
	var step time.Duration
	switch bucket {
	case "", BucketDay:
		r.Bucket, step = BucketDay, 24*time.Hour
	case BucketHour:
		step = time.Hour
	default:
		return MetricsRange{}, &EventError{Field: "bucket", Reason: "must be day or hour"}
	}
	r.To = now.UTC()
	if to != nil {
		r.To = to.UTC()
	}
	r.From = r.To.Add(-DefaultMetricsSpan)
	if from != nil {
		r.From = from.UTC()
	}
	r.From = r.From.Truncate(step)
	if !r.From.Before(r.To) {
		return MetricsRange{}, &EventError{Field: "from", Reason: "must be before to"}
	}
	if n := r.To.Sub(r.From) / step; n > MaxBuckets {
		return MetricsRange{}, &EventError{Field: "to", Reason: fmt.Sprintf("the range spans %d %ss; at most %d", n, r.Bucket, MaxBuckets)}
	}
	return r, nil
}

// Step is the length of one bucket.
func (r MetricsRange) Step() time.Duration {
	if r.Bucket == BucketHour {
		return time.Hour
	}
	return 24 * time.Hour
}
