package vendorsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// clientPaths are the parts of each vendor's real base URL that the fake
// serves below its prefix (Apollo's clients are rooted at /api/v1).
var clientPaths = map[string]string{"apollo": "/api/v1"}

// ClientBaseURL is the base URL a vendor's client uses to reach the fake of
// vendor in a simulator served at simURL.
func ClientBaseURL(simURL, vendor string) string {
	return strings.TrimRight(simURL, "/") + "/" + vendor + clientPaths[vendor]
}

// Serve serves the simulator on ln until ctx is done, then shuts down.
func (s *Sim) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("vendorsim: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("vendorsim: shut down: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("vendorsim: %w", err)
	}
	return nil
}
