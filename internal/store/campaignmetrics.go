package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/campaigns"
)

// StepCounts are the figures of one step (0-based, as lemlist numbers
// them; nil for events without a step).
type StepCounts struct {
	Step *int
	campaigns.Counts
}

// BucketCounts are the figures of one time bucket starting at Start.
type BucketCounts struct {
	Start time.Time
	campaigns.Counts
}

// InstanceMetrics are an instance's figures: over its whole life, per
// step, and per time bucket of a range.
type InstanceMetrics struct {
	Totals  campaigns.Counts
	Steps   []StepCounts
	Buckets []BucketCounts
}

// CampaignMetrics computes instance metrics from campaign_events and
// enrollments.
type CampaignMetrics struct{ db DBTX }

// NewCampaignMetrics returns the metrics queries on db.
func NewCampaignMetrics(db DBTX) *CampaignMetrics { return &CampaignMetrics{db: db} }

// kindMap is the (type, kind) table the queries join events on.
func kindMap() (types, kinds []string) {
	for _, k := range []string{campaigns.EventSent, campaigns.EventOpened, campaigns.EventClicked,
		campaigns.EventReplied, campaigns.EventBounced, campaigns.EventUnsubscribed} {
		for _, t := range campaigns.LemlistTypes(k) {
			types, kinds = append(types, t), append(kinds, k)
		}
	}
	return types, kinds
}

// leadKey counts an event's lead: lemlist's lead id, else the enrollment,
// else the event itself.
const leadKey = `coalesce(ev.lead_id, ev.enrollment_id::text, ev.id::text)`

// enrolledFilter is which enrollments count as enrolled.
const enrolledFilter = `status NOT IN ('pending', 'failed')`

// ForInstance returns the metrics of instance id, buckets over r. A missing
// instance is ErrNotFound.
func (s *CampaignMetrics) ForInstance(ctx context.Context, id uuid.UUID, r campaigns.MetricsRange) (InstanceMetrics, error) {
	var m InstanceMetrics
	err := s.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM enrollments WHERE instance_id = i.id AND `+enrolledFilter+`)
		FROM campaign_instances i WHERE i.id = $1`, id).Scan(&m.Totals.Enrolled)
	if err != nil {
		return m, fmt.Errorf("metrics of instance %s: %w", id, notFound(err))
	}
	types, kinds := kindMap()

	// Totals and per step in one pass: grouping sets (kind) and (kind, step).
	rows, err := s.db.Query(ctx, `
		WITH m(type, kind) AS (SELECT * FROM unnest($2::text[], $3::text[]))
		SELECT m.kind, ev.step, grouping(ev.step) = 1, count(DISTINCT `+leadKey+`)
		FROM campaign_events ev JOIN m ON m.type = ev.type
		WHERE ev.instance_id = $1
		GROUP BY GROUPING SETS ((m.kind), (m.kind, ev.step))`, id, types, kinds)
	if err != nil {
		return m, fmt.Errorf("metrics of instance %s: %w", id, err)
	}
	steps := map[int]*StepCounts{}
	var noStep *StepCounts
	var kind string
	var step *int
	var total bool
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&kind, &step, &total, &n}, func() error {
		switch {
		case total:
			m.Totals.Add(kind, n)
		case step == nil:
			if noStep == nil {
				noStep = &StepCounts{}
			}
			noStep.Add(kind, n)
		default:
			sc := steps[*step]
			if sc == nil {
				v := *step
				sc = &StepCounts{Step: &v}
				steps[v] = sc
			}
			sc.Add(kind, n)
		}
		return nil
	})
	if err != nil {
		return m, fmt.Errorf("metrics of instance %s: %w", id, err)
	}
	maxStep := -1
	for k := range steps {
		maxStep = max(maxStep, k)
	}
	for i := 0; i <= maxStep; i++ { // dense: a step nobody reached yet shows zeros
		if sc := steps[i]; sc != nil {
			m.Steps = append(m.Steps, *sc)
		} else {
			v := i
			m.Steps = append(m.Steps, StepCounts{Step: &v})
		}
	}
	if noStep != nil {
		m.Steps = append(m.Steps, *noStep)
	}

	if m.Buckets, err = s.buckets(ctx, id, r, types, kinds); err != nil {
		return m, err
	}
	return m, nil
}

// buckets returns the dense series of r: every bucket, zeros included.
func (s *CampaignMetrics) buckets(ctx context.Context, id uuid.UUID, r campaigns.MetricsRange, types, kinds []string) ([]BucketCounts, error) {
	var out []BucketCounts
	index := map[time.Time]int{}
	for t := r.From; t.Before(r.To); t = t.Add(r.Step()) {
		index[t] = len(out)
		out = append(out, BucketCounts{Start: t})
	}
	rows, err := s.db.Query(ctx, `
		WITH m(type, kind) AS (SELECT * FROM unnest($2::text[], $3::text[]))
		SELECT date_trunc($4, ev.occurred_at AT TIME ZONE 'UTC') AS b, m.kind, count(DISTINCT `+leadKey+`)
		FROM campaign_events ev JOIN m ON m.type = ev.type
		WHERE ev.instance_id = $1 AND ev.occurred_at >= $5 AND ev.occurred_at < $6
		GROUP BY b, m.kind
		UNION ALL
		SELECT date_trunc($4, coalesce(enrolled_at, created_at) AT TIME ZONE 'UTC') AS b, 'enrolled', count(*)
		FROM enrollments
		WHERE instance_id = $1 AND `+enrolledFilter+`
		  AND coalesce(enrolled_at, created_at) >= $5 AND coalesce(enrolled_at, created_at) < $6
		GROUP BY b`, id, types, kinds, r.Bucket, r.From, r.To)
	if err != nil {
		return nil, fmt.Errorf("metric buckets of instance %s: %w", id, err)
	}
	var at time.Time
	var kind string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&at, &kind, &n}, func() error {
		i, ok := index[time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), 0, 0, 0, time.UTC)]
		if !ok {
			return nil
		}
		if kind == "enrolled" {
			out[i].Enrolled += n
		} else {
			out[i].Add(kind, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("metric buckets of instance %s: %w", id, err)
	}
	return out, nil
}
