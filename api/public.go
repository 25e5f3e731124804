package api

import (
	"context"
	"io/fs"
	"path"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	swaggerfiles "github.com/swaggo/files/v2"
)

// routePublic mounts the routes that need no credentials: liveness,
// readiness, metrics, the OpenAPI document, its human docs and the login page.
func (s *Server) routePublic() {
	s.app.Get("/healthz", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok"})
	})
	s.app.Get("/readyz", s.ready)
	s.app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})))
	s.app.Get("/docs/swagger-initializer.js", func(c *fiber.Ctx) error {
		c.Type("js")
		return c.SendString(swaggerInit)
	})
	s.app.Get("/docs/*", serveDocs)
	s.routeLogin()
}

// serveDocs serves the embedded Swagger UI files.
func serveDocs(c *fiber.Ctx) error {
	if c.Path() == "/docs" {
		// The page loads its files by relative path, so it must live at /docs/.
		return c.Redirect("/docs/", fiber.StatusMovedPermanently)
	}
	name := c.Params("*")
	if name == "" {
		name = "index.html"
	}
	body, err := fs.ReadFile(swaggerfiles.FS, name)
	if err != nil {
		return fiber.ErrNotFound
	}
	c.Type(path.Ext(name))
	return c.Send(body)
}

// ready answers 200 while Postgres answers and 503 otherwise; the pool
// reconnects by itself, so readiness returns without a restart.
func (s *Server) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		return writeProblem(c, problem(fiber.StatusServiceUnavailable, "unavailable", "database unreachable"))
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

// humaConfig describes the API for OpenAPI 3.1; huma serves the document at
// /openapi.json (and .yaml). Docs are our own embedded Swagger UI, so they
// work without reaching a CDN.
func (s *Server) humaConfig() huma.Config {
	cfg := huma.DefaultConfig("RTGS Sales Automation API", "1.0.0")
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.OpenAPIPath = "/openapi"
	cfg.CreateHooks = nil // no "$schema" links in bodies: schemas live in the OpenAPI document
	cfg.Info.Description = "Find, enrich, score, sync and reach prospects. Every request except /healthz, " +
		"/readyz, /metrics and this document needs an API key (Authorization: Bearer rtgs_..., or X-API-Key) " +
		"or a session JWT. Errors are RFC 9457 problem+json."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "API key rtgs_<prefix>_<secret> or a JWT from POST /api/v1/auth/token"},
		"apiKey": {Type: "apiKey", In: "header", Name: headerAPIKey},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}, {"apiKey": {}}}
	return cfg
}

// swaggerInit points the embedded Swagger UI at our document.
const swaggerInit = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout"
  });
};
`
