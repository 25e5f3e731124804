package obs

import "log/slog"

// NewRedactingHandler wraps inner so that PII and credentials are masked.
// Placeholder until the redactor lands: passes lines through unchanged.
func NewRedactingHandler(inner slog.Handler) slog.Handler { return inner }
