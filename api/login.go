package api

import (
	"embed"

	"github.com/gofiber/fiber/v2"
)

//go:embed static/login.html static/login.js
var static embed.FS

// routeLogin serves the sign-in page browsers are sent to by River UI: it
// trades an API key for a session cookie through POST /api/v1/auth/token.
func (s *Server) routeLogin() {
	serve := func(name, contentType string) fiber.Handler {
		body, err := static.ReadFile(name)
		if err != nil {
			panic(err) // embedded at build time: cannot be missing
		}
		return func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, contentType)
			return c.Send(body)
		}
	}
	s.app.Get("/login", serve("static/login.html", fiber.MIMETextHTMLCharsetUTF8))
	s.app.Get("/login.js", serve("static/login.js", "text/javascript; charset=utf-8"))
}
