package worker

import (
	"bytes"
	"log/slog"
	"regexp"
	"testing"

	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/internal/obs"
)

// The lazy job logger must write exactly what logger.With would.
func TestJobLoggerMatchesWith(t *testing.T) {
	t.Parallel()
	job := &rivertype.JobRow{ID: 42, Kind: "k", Queue: "q", Attempt: 3}
	times := regexp.MustCompile(`"time":"[^"]*"`)

	for _, tc := range []struct {
		name string
		log  func(*slog.Logger)
	}{
		{"plain", func(l *slog.Logger) { l.Info("m", "a", 1) }},
		{"with attrs", func(l *slog.Logger) { l.With("b", 2).Warn("m", "a", 1) }},
		{"with group", func(l *slog.Logger) { l.WithGroup("g").Info("m", "a", 1) }},
		{"group then attrs", func(l *slog.Logger) { l.WithGroup("g").With("b", 2).Error("m", slog.Group("h", "c", 3)) }},
		{"below level", func(l *slog.Logger) { l.Debug("m") }},
	} {
		var lazy, eager bytes.Buffer
		tc.log(jobLogger(obs.NewLogger(&lazy, slog.LevelInfo), job))
		tc.log(obs.NewLogger(&eager, slog.LevelInfo).With(
			slog.Int64("job_id", 42), slog.String("kind", "k"), slog.String("queue", "q"), slog.Int("attempt", 3)))
		got, want := times.ReplaceAllString(lazy.String(), ""), times.ReplaceAllString(eager.String(), "")
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, want)
		}
	}
}
