package api_test

import (
	"fmt"
	"net"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// BenchmarkAuthOverhead measures a no-op route through the platform's whole
// middleware stack, with and without authentication (key cached after its
// first use), next to the same route on a bare Fiber app, all in one run.
// Requests go straight into the app's handler, so the network does not
// drown the difference.
func BenchmarkAuthOverhead(b *testing.B) {
	noop := func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) }
	tb := setup(b, setupOpts{rateLimit: 1 << 30, quiet: true, routes: func(app *fiber.App) {
		app.Get("/bench/noop", noop)        // global middleware only
		app.Get("/api/v1/bench/noop", noop) // plus authentication and rate limit
	}})
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/bench/noop", noop)

	results := map[string]float64{}
	run := func(name string, h fasthttp.RequestHandler, path, key string) {
		b.Run(name, func(b *testing.B) {
			var req fasthttp.Request
			req.SetRequestURI("http://localhost" + path)
			if key != "" {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242}
			var ctx fasthttp.RequestCtx
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				ctx.Init(&req, addr, nil)
				h(&ctx)
				if ctx.Response.StatusCode() != fiber.StatusNoContent {
					b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
				}
			}
			results[name] = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
	}
	run("bare_fiber", bare.Handler(), "/bench/noop", "")
	run("platform_unauthenticated", tb.srv.App().Handler(), "/bench/noop", "")
	run("platform_authenticated", tb.srv.App().Handler(), "/api/v1/bench/noop", tb.reader)
	if len(results) == 3 {
		fmt.Printf("auth overhead: %.1f µs/request (authenticated %.1f µs, unauthenticated %.1f µs, bare Fiber %.1f µs; target < 30 µs)\n",
			(results["platform_authenticated"]-results["platform_unauthenticated"])/1e3,
			results["platform_authenticated"]/1e3, results["platform_unauthenticated"]/1e3, results["bare_fiber"]/1e3)
	}
}
