// Package obs holds the platform's observability plumbing: the redacting JSON
// logger, context-scoped loggers and the Prometheus registry.
package obs

import (
	"context"
	"io"
	"log/slog"
)

// NewLogger returns a JSON logger at level whose every line passes through the
// redacting handler, so PII and credentials never reach the output.
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(NewRedactingHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}

type loggerKey struct{}

// WithLogger returns ctx carrying logger, for request- and job-scoped lines.
func WithLogger(ctx context.Context, logger *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, logger)
}

// Logger returns the logger carried by ctx, or fallback when there is none.
func Logger(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return fallback
}
