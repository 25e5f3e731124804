package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/pgtext"
)

const headerRequestID = "X-Request-ID"

type requestIDKey struct{}

// useMiddleware installs what every request passes through, outermost first.
func (s *Server) useMiddleware() {
	s.app.Use(s.observe, s.recoverPanic, s.securityHeaders)
	if len(s.cfg.CORSOrigins) > 0 {
		s.app.Use(cors.New(cors.Config{
			AllowOrigins:     strings.Join(s.cfg.CORSOrigins, ","),
			AllowCredentials: !slices.Contains(s.cfg.CORSOrigins, "*"),
			AllowHeaders:     "Authorization, Content-Type, X-API-Key, X-CSRF-Token, Idempotency-Key, X-Request-ID",
			ExposeHeaders:    "X-Request-ID, Retry-After, RateLimit-Limit, RateLimit-Remaining",
			MaxAge:           600,
		}))
	}
	s.app.Use(s.deadline)
}

// observe gives the request an id, a request-scoped logger, an access-log
// line and HTTP metrics. It is outermost so it sees the final status even of
// requests that panicked or failed in middleware.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	done := s.metrics.InFlight()
	defer done()

	id := c.Get(headerRequestID)
	if !validRequestID(id) {
		id = newRequestID()
	}
	c.Set(headerRequestID, id)
	logger := s.logger.With(slog.String("request_id", id))
	c.SetUserContext(obs.WithLogger(context.WithValue(c.UserContext(), requestIDKey{}, id), logger))

	err := c.Next()
	if err != nil {
		// Let the error handler write the response now, so the status logged
		// and counted is the one the client gets.
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route := routePattern(c)
	elapsed := time.Since(start)
	s.metrics.Observe(c.Method(), route, status, elapsed)

	attrs := []slog.Attr{
		slog.String("method", c.Method()),
		slog.String("route", route),
		slog.String("path", c.Path()), // never the query string: it may carry PII
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.Int("bytes_out", len(c.Response().Body())),
	}
	if p, ok := auth.PrincipalFrom(c.UserContext()); ok {
		attrs = append(attrs, slog.String("api_key_id", p.KeyID.String()))
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	logger.LogAttrs(c.UserContext(), level, "request", attrs...)
	return nil
}

// recoverPanic turns a panic into a 500 problem; the stack goes to the log,
// never to the client.
func (s *Server) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			obs.Logger(c.UserContext(), s.logger).ErrorContext(c.UserContext(), "panic in handler",
				slog.Any("panic", fmt.Sprint(r)), slog.String("route", routePattern(c)))
			err = fiber.NewError(fiber.StatusInternalServerError)
		}
	}()
	return c.Next()
}

// uiPaths are served to browsers and need to load their own scripts.
var uiPaths = []string{"/docs", "/riverui", "/login", "/login.js"}

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if s.cfg.Env == config.EnvProduction {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	if hasAnyPrefix(c.Path(), uiPaths) {
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "+
			"script-src 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	} else {
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cache-Control", "no-store")
	}
	return c.Next()
}

// deadline bounds every request's context: Fiber's UserContext has none.
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.UserContext().Value(requestIDKey{}).(string)
	return id
}

// routePattern is the matched route ("/api/v1/jobs/:id"), keeping metric
// labels few; unmatched requests share one label.
func routePattern(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || r.Path == "" || r.Path == "/" && c.Path() != "/" || strings.HasSuffix(r.Path, "*") {
		return "unmatched"
	}
	return r.Path
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if s == p || strings.HasPrefix(s, p+"/") {
			return true
		}
	}
	return false
}

// limitBody keeps API_BODY_LIMIT on every route but the import. The app
// streams request bodies (fiber.Config.StreamRequestBody) so that the
// import never holds its upload; fasthttp then no longer refuses large
// bodies itself, and reading one whole (c.Body()) would take any size. So
// every other body is read here, up to the limit, into memory as before.
func (s *Server) limitBody(c *fiber.Ctx) error {
	if p := nulInURL(c); p != nil {
		return writeProblem(c, p)
	}
	req := c.Request()
	if !req.IsBodyStream() || (c.Method() == fiber.MethodPost && c.Path() == importPath) {
		return c.Next()
	}
	limit := s.cfg.BodyLimit
	if req.Header.ContentLength() > limit {
		return tooLarge(c, req.BodyStream())
	}
	body, err := io.ReadAll(io.LimitReader(req.BodyStream(), int64(limit)+1))
	if err != nil {
		c.Context().SetConnectionClose()
		return fiber.NewError(fiber.StatusBadRequest, "cannot read the request body")
	}
	if len(body) > limit { // chunked: its size is known only once read
		return tooLarge(c, req.BodyStream())
	}
	if p := nulProblem(body, string(c.Request().Header.ContentType())); p != nil {
		return writeProblem(c, p)
	}
	req.SetBody(body)
	return c.Next()
}

// nulInURL refuses a path or query parameter holding the NUL character
// (%00), which Postgres cannot compare or store.
func nulInURL(c *fiber.Ctx) *huma.ErrorModel {
	const msg = "must not contain the NUL character (U+0000)"
	if strings.ContainsRune(c.Path(), 0) {
		return problem(fiber.StatusBadRequest, codeInvalid, "the request path holds a NUL character",
			&huma.ErrorDetail{Location: "path", Message: msg})
	}
	var bad string
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		switch {
		case bad != "":
		case bytes.IndexByte(k, 0) >= 0:
			bad = strconv.Quote(string(k))
		case bytes.IndexByte(v, 0) >= 0:
			bad = string(k)
		}
	})
	if bad != "" {
		return problem(fiber.StatusUnprocessableEntity, codeInvalid, "validation failed",
			&huma.ErrorDetail{Location: "query." + bad, Message: msg})
	}
	return nil
}

// nulProblem refuses a body holding the NUL character, which Postgres
// cannot store in text or jsonb: in a JSON body (escaped as \u0000) with
// the field's location, in any other as a raw byte. Nil when there is none.
func nulProblem(body []byte, contentType string) *huma.ErrorModel {
	const msg = "must not contain the NUL character (U+0000)"
	if bytes.IndexByte(body, 0) >= 0 {
		return problem(fiber.StatusBadRequest, codeInvalid, "the request body holds a NUL byte",
			&huma.ErrorDetail{Location: "body", Message: msg})
	}
	if contentType != "" && !strings.Contains(contentType, "json") {
		return nil // a JSON body without a type is still read as JSON
	}
	if path, found := pgtext.FindInJSON(body); found {
		loc := "body"
		if path != "" {
			loc += "." + path
		}
		return problem(fiber.StatusUnprocessableEntity, codeInvalid, "validation failed",
			&huma.ErrorDetail{Location: loc, Message: msg})
	}
	return nil
}

// rewindBody hands huma the body limitBody read. With streaming on, huma
// reads request bodies from the stream, which reading the body whole
// (limitBody, or middleware calling c.Body()) has used up.
func (s *Server) rewindBody(ctx huma.Context, next func(huma.Context)) {
	req := humafiber.Unwrap(ctx).Request()
	if req.IsBodyStream() {
		next(ctx) // not read yet: the import's stream
		return
	}
	if body := req.Body(); len(body) > 0 {
		req.SetBodyStream(bytes.NewReader(bytes.Clone(body)), len(body))
	}
	next(ctx)
}

// maxDrain is how much of a refused body is read and thrown away before the
// connection closes. Closing a socket with unread data makes the kernel
// send a reset, and a client still writing its body then sees "connection
// reset" instead of our 413; net/http's server drains for the same reason.
const maxDrain = 1 << 20

// tooLarge answers 413 on a connection that then closes, after draining at
// most maxDrain of the rest of the body.
func tooLarge(c *fiber.Ctx, rest io.Reader) error {
	_, _ = io.Copy(io.Discard, io.LimitReader(rest, maxDrain))
	c.Context().SetConnectionClose()
	return fiber.ErrRequestEntityTooLarge
}
