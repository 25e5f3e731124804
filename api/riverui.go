package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"riverqueue.com/riverui"

	"github.com/rtgs/sales-automation/internal/auth"
)

const riverUIPrefix = "/riverui"

type riverUI struct {
	handler *riverui.Handler
}

func newRiverUI(client *river.Client[pgx.Tx], logger *slog.Logger) (*riverUI, error) {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Logger:    logger.With(slog.String("component", "riverui")),
		Prefix:    riverUIPrefix,
	})
	if err != nil {
		return nil, fmt.Errorf("river ui: %w", err)
	}
	return &riverUI{handler: h}, nil
}

// mountRiverUI serves River UI to any authenticated caller; its write calls
// (cancel, retry, delete, pause, resume) need the admin scope, so other keys
// get a read-only view.
func (s *Server) mountRiverUI() {
	s.app.All(riverUIPrefix, s.riverUIGate, s.serveRiverUI)
	s.app.All(riverUIPrefix+"/*", s.riverUIGate, s.serveRiverUI)
}

// serveRiverUI hands the request to River UI's net/http handler with the
// request's own context (deadline, principal, logger). The adaptor would
// otherwise pass fasthttp's RequestCtx as the context, whose Done races with
// server shutdown.
func (s *Server) serveRiverUI(c *fiber.Ctx) error {
	ctx := c.UserContext()
	return adaptor.HTTPHandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.riverUI.handler.ServeHTTP(w, r.WithContext(ctx))
	})(c)
}

func (s *Server) riverUIGate(c *fiber.Ctx) error {
	p, err := s.admit(c)
	if err != nil {
		if errors.Is(err, auth.ErrUnauthenticated) && c.Method() == fiber.MethodGet && !strings.HasPrefix(c.Path(), riverUIPrefix+"/api/") {
			// A person in a browser: send them to sign in, then back here.
			return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
		}
		return err
	}
	if !isSafeMethod(c.Method()) && !p.Has(auth.Admin) {
		return problem(fiber.StatusForbidden, codeForbidden, "River UI is read-only for keys without the admin scope")
	}
	return s.rateLimit(c)
}
