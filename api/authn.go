package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/obs"
)

// Cookie and header names of browser sessions.
const (
	cookieSession = "rtgs_session"
	cookieCSRF    = "rtgs_csrf"
	headerCSRF    = "X-CSRF-Token"
	headerAPIKey  = "X-API-Key"
)

// metaScope is the huma operation metadata key holding the scope a route needs.
const metaScope = "scope"

// authenticate resolves the caller from an API key (Authorization: Bearer or
// X-API-Key), a bearer JWT, or the session cookie, and refuses the request
// when there is none. Every failure gets the same answer, so a caller never
// learns whether a key exists.
func (s *Server) authenticate(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodOptions {
		return c.Next() // CORS preflight carries no credentials
	}
	if _, err := s.admit(c); err != nil {
		return err
	}
	return c.Next()
}

// admit authenticates the request, checks CSRF for browser sessions and puts
// the principal and a key-scoped logger into the request context.
func (s *Server) admit(c *fiber.Ctx) (auth.Principal, error) {
	p, err := s.principal(c)
	if err != nil {
		if errors.Is(err, auth.ErrUnauthenticated) {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="rtgs"`)
		}
		return p, err
	}
	if p.Method == auth.MethodCookie && !isSafeMethod(c.Method()) && !s.csrfOK(c, p) {
		return p, problem(fiber.StatusForbidden, codeCSRF,
			"unsafe request from a browser session needs the X-CSRF-Token header matching the rtgs_csrf cookie")
	}
	ctx := auth.WithPrincipal(c.UserContext(), p)
	ctx = obs.WithLogger(ctx, obs.Logger(ctx, s.logger).With(slog.String("api_key_id", p.KeyID.String())))
	c.SetUserContext(ctx)
	return p, nil
}

func (s *Server) principal(c *fiber.Ctx) (auth.Principal, error) {
	ctx := c.UserContext()
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return auth.Principal{}, auth.ErrUnauthenticated
		}
		token = strings.TrimSpace(token)
		if strings.HasPrefix(token, "rtgs_") {
			return s.auth.AuthenticateKey(ctx, token)
		}
		return s.auth.AuthenticateJWT(ctx, token)
	}
	if key := c.Get(headerAPIKey); key != "" {
		return s.auth.AuthenticateKey(ctx, key)
	}
	if cookie := c.Cookies(cookieSession); cookie != "" {
		p, err := s.auth.AuthenticateJWT(ctx, cookie)
		p.Method = auth.MethodCookie
		return p, err
	}
	return auth.Principal{}, auth.ErrUnauthenticated
}

// csrfOK checks the double-submit token: the header must equal the cookie and
// be bound to the session's JWT id, so a token planted by another site does
// not work. River UI's own script cannot add the header, so its calls are
// accepted when the browser vouches that they come from our own origin.
func (s *Server) csrfOK(c *fiber.Ctx, p auth.Principal) bool {
	header, cookie := c.Get(headerCSRF), c.Cookies(cookieCSRF)
	if header != "" && subtle.ConstantTimeCompare([]byte(header), []byte(cookie)) == 1 && s.auth.CheckCSRF(p.JTI, header) {
		return true
	}
	return strings.HasPrefix(c.Path(), riverUIPrefix+"/") && sameOrigin(c)
}

// sameOrigin trusts Fetch Metadata and Origin, which browsers set and pages
// cannot forge.
func sameOrigin(c *fiber.Ctx) bool {
	if site := c.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == c.Hostname()
}

// rateLimit applies the per-key request budget.
func (s *Server) rateLimit(c *fiber.Ctx) error {
	p, ok := auth.PrincipalFrom(c.UserContext())
	if !ok {
		return c.Next()
	}
	d, err := s.limiter.Allow(c.UserContext(), p.KeyID.String())
	if err != nil {
		// Limiter trouble must not take the API down: log and admit.
		obs.Logger(c.UserContext(), s.logger).Warn("rate limiter failed", slog.Any("error", err))
		return c.Next()
	}
	c.Set("RateLimit-Limit", strconv.Itoa(d.Limit))
	c.Set("RateLimit-Remaining", strconv.Itoa(max(d.Remaining, 0)))
	if !d.Allowed {
		secs := int(math.Ceil(d.RetryAfter.Seconds()))
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(secs, 1)))
		return writeProblem(c, problem(fiber.StatusTooManyRequests, codeRateLimited,
			"rate limit of "+strconv.Itoa(d.Limit)+" requests per minute exceeded; retry after "+strconv.Itoa(max(secs, 1))+"s"))
	}
	return c.Next()
}

// requireScope is huma middleware: an operation's metadata names the scope it
// needs; authenticate has already put the principal in the context.
func (s *Server) requireScope(ctx huma.Context, next func(huma.Context)) {
	p, ok := auth.PrincipalFrom(ctx.Context())
	if !ok {
		writeHumaProblem(s.api, ctx, problem(fiber.StatusUnauthorized, codeUnauthenticated, "missing or invalid credentials"))
		return
	}
	if scope, ok := ctx.Operation().Metadata[metaScope].(auth.Scope); ok && !p.Has(scope) {
		writeHumaProblem(s.api, ctx, problem(fiber.StatusForbidden, codeForbidden, "this key lacks the "+string(scope)+" scope"))
		return
	}
	next(huma.WithValue(ctx, fiberCtxKey{}, humafiber.Unwrap(ctx)))
}

type fiberCtxKey struct{}

// fiberCtx returns the request's Fiber context inside a huma handler, for the
// rare response detail huma cannot express (several Set-Cookie headers). It is
// only valid while the handler runs.
func fiberCtx(ctx context.Context) *fiber.Ctx {
	return ctx.Value(fiberCtxKey{}).(*fiber.Ctx)
}

// writeHumaProblem writes p from huma middleware.
func writeHumaProblem(api huma.API, ctx huma.Context, p *huma.ErrorModel) {
	ctx.SetHeader("Content-Type", problemContentType)
	ctx.SetStatus(p.Status)
	_ = api.Marshal(ctx.BodyWriter(), problemContentType, p)
}

func isSafeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}
