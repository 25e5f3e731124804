package worker

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river/rivertype"
)

// jobHandler adds a job's attributes (job_id, kind, queue, attempt) to every
// line logged through it. logger.With would do the same but format the
// attributes up front, for every job, although most jobs never log: about
// 1.5 µs and a dozen allocations per job with the JSON handler. Deferring
// the work to the lines actually written keeps the middleware cheap.
type jobHandler struct {
	inner slog.Handler
	attrs [4]slog.Attr
}

// jobLogger returns base scoped to job, with the same output as
// base.With(job_id, kind, queue, attempt).
func jobLogger(base *slog.Logger, job *rivertype.JobRow) *slog.Logger {
	return slog.New(&jobHandler{
		inner: base.Handler(),
		attrs: [4]slog.Attr{
			slog.Int64("job_id", job.ID),
			slog.String("kind", job.Kind),
			slog.String("queue", job.Queue),
			slog.Int("attempt", job.Attempt),
		},
	})
}

// Enabled defers to the wrapped handler.
func (h *jobHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle writes r with the job's attributes first, where With would put
// them. The record is rebuilt rather than modified: a handler must not
// change the caller's record.
func (h *jobHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	out.AddAttrs(h.attrs[:]...)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(a)
		return true
	})
	return h.inner.Handle(ctx, out)
}

// WithAttrs materialises the job's attributes on the wrapped handler, so
// attributes and groups added later nest exactly as with With.
func (h *jobHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.inner.WithAttrs(h.attrs[:]).WithAttrs(attrs)
}

// WithGroup materialises the job's attributes outside the group.
func (h *jobHandler) WithGroup(name string) slog.Handler {
	return h.inner.WithAttrs(h.attrs[:]).WithGroup(name)
}
