package worker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
)

// querier is the part of a pool QueueStats uses.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// QueueStats publishes queue depth and the age of the oldest available job
// per queue: river_queue_available_jobs{queue} and
// river_queue_oldest_available_age_seconds{queue}. They are what KEDA and
// alerts scale and page on. Every worker process publishes the same global
// figures, so dashboards take max() across instances, not sum().
type QueueStats struct {
	db        querier
	query     string
	available *prometheus.GaugeVec
	oldest    *prometheus.GaugeVec

	// mu guards known: every queue ever reported, so a queue that empties
	// drops back to 0 instead of keeping its last value.
	mu    sync.Mutex
	known map[string]bool
}

// queueStatsSQL counts available jobs per queue in one grouped query, which
// River's (state, queue, priority, scheduled_at, id) fetch index serves.
// The age is measured from scheduled_at (when the job became runnable) on
// the database's clock, so worker clock skew does not distort it.
const queueStatsSQL = `
SELECT queue, count(*),
       greatest(extract(epoch FROM now() - min(scheduled_at)), 0)::float8
FROM %s
WHERE state = 'available'
GROUP BY queue`

// NewQueueStats registers the queue gauges on reg. schema is River's schema
// ("" uses the search path); queues are reported at 0 until they have jobs.
func NewQueueStats(db querier, schema string, queues []string, reg prometheus.Registerer) (*QueueStats, error) {
	available := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "river_queue_available_jobs",
		Help: "Jobs waiting to be worked (state available), by queue.",
	}, []string{"queue"})
	oldest := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "river_queue_oldest_available_age_seconds",
		Help: "Seconds the oldest available job of the queue has been waiting; 0 when the queue is empty.",
	}, []string{"queue"})
	var err error
	if available, err = register(reg, available); err != nil {
		return nil, err
	}
	if oldest, err = register(reg, oldest); err != nil {
		return nil, err
	}

	table := pgx.Identifier{"river_job"}
	if schema != "" {
		table = pgx.Identifier{schema, "river_job"}
	}
	s := &QueueStats{
		db:        db,
		query:     fmt.Sprintf(queueStatsSQL, table.Sanitize()),
		available: available,
		oldest:    oldest,
		known:     map[string]bool{},
	}
	for _, q := range queues {
		s.known[q] = true
		available.WithLabelValues(q).Set(0)
		oldest.WithLabelValues(q).Set(0)
	}
	return s, nil
}

// Refresh reads the figures once and updates the gauges.
func (s *QueueStats) Refresh(ctx context.Context) error {
	type stat struct {
		queue string
		count int64
		age   float64
	}
	rows, err := s.db.Query(ctx, s.query)
	if err != nil {
		return fmt.Errorf("query queue stats: %w", err)
	}
	stats, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (stat, error) {
		var st stat
		err := row.Scan(&st.queue, &st.count, &st.age)
		return st, err
	})
	if err != nil {
		return fmt.Errorf("read queue stats: %w", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[string]bool, len(stats))
	for _, st := range stats {
		seen[st.queue] = true
		s.known[st.queue] = true
		s.available.WithLabelValues(st.queue).Set(float64(st.count))
		s.oldest.WithLabelValues(st.queue).Set(st.age)
	}
	for q := range s.known {
		if !seen[q] {
			s.available.WithLabelValues(q).Set(0)
			s.oldest.WithLabelValues(q).Set(0)
		}
	}
	return nil
}

// Run refreshes the gauges now and then every interval until ctx is done.
// A failed refresh is logged and the gauges keep their last values: one slow
// query must not stop the reporting.
func (s *QueueStats) Run(ctx context.Context, interval time.Duration, logger *slog.Logger) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		// Bounded by the interval so a stuck query cannot pile up refreshes.
		refreshCtx, cancel := context.WithTimeout(ctx, interval)
		if err := s.Refresh(refreshCtx); err != nil && ctx.Err() == nil {
			logger.WarnContext(ctx, "queue stats refresh failed", slog.Any("error", err))
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
