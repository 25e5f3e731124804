package api_test

import (
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/valyala/fasthttp"

	"github.com/rtgs/sales-automation/internal/dbtest"
)

// benchConns is the number of client connections of the enqueue benchmark
// (the figure) and benchPoolConns the database pool of both sides
// (DATABASE_MAX_CONNS's default).
const (
	benchConns     = 64
	benchPoolConns = 20
)

// noopArgs is the bare anchor's job: one River insert, nothing else.
type noopArgs struct {
	N int64 `json:"n"`
}

func (noopArgs) Kind() string { return "bench_noop" }

// BenchmarkCreateContactEnqueue drives the single-contact create endpoint
// (auth, validation, suppression check, company link, contact row and its
// enrichment job in one transaction) with benchConns concurrent
// connections, next to a bare Fiber handler doing one River Insert per
// request on the same database with the same pool size, in the same run.
// b.N is the number of requests per side.
func BenchmarkCreateContactEnqueue(b *testing.B) {
	tb := setup(b, setupOpts{rateLimit: 1 << 30, quiet: true, pool: benchPool})

	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	var seq atomic.Int64
	bare.Post("/bare", func(c *fiber.Ctx) error {
		res, err := tb.river.Insert(c.UserContext(), noopArgs{N: seq.Add(1)}, nil)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": res.Job.ID})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go bare.Listener(ln) //nolint:errcheck // ends with Shutdown below
	b.Cleanup(func() { _ = bare.Shutdown() })

	run := func(name, url, key string, body func(i int64) string, want int) loadResult {
		var res loadResult
		b.Run(name, func(b *testing.B) {
			res = drive(b, url, key, body, want)
			b.ReportMetric(res.rps, "req/s")
			b.ReportMetric(float64(res.p99.Microseconds())/1e3, "p99-ms")
		})
		return res
	}
	var emails atomic.Int64 // unique across b.Run's repeated calls
	bareRes := run("bare_fiber_river_insert", "http://"+ln.Addr().String()+"/bare", "",
		func(int64) string { return "{}" }, fiber.StatusCreated)
	platRes := run("create_contact", tb.base+"/api/v1/contacts", tb.admin,
		func(int64) string {
			n := emails.Add(1)
			return fmt.Sprintf(`{"email":"p%d@bench%d.example.com"}`, n, n%500)
		},
		fiber.StatusCreated)
	if bareRes.rps > 0 && platRes.rps > 0 {
		fmt.Printf("enqueue: create contact %.0f req/s, p99 %.1f ms | bare Fiber + River insert %.0f req/s, p99 %.1f ms | %.2fx (target ≥ 1.0x, p99 ≤ 50 ms; %d connections, pool %d)\n",
			platRes.rps, ms(platRes.p99), bareRes.rps, ms(bareRes.p99), platRes.rps/bareRes.rps, benchConns, benchPoolConns)
	}
}

type loadResult struct {
	rps float64
	p99 time.Duration
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// drive sends b.N POSTs over benchConns connections as fast as they are
// answered and returns the throughput and the 99th percentile latency.
func drive(b *testing.B, url, key string, body func(i int64) string, want int) loadResult {
	client := &fasthttp.Client{MaxConnsPerHost: benchConns, ReadTimeout: time.Minute}
	var next atomic.Int64
	lat := make([][]time.Duration, benchConns)
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range benchConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				req.Reset()
				req.SetRequestURI(url)
				req.Header.SetMethod(fasthttp.MethodPost)
				req.Header.SetContentType("application/json")
				if key != "" {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				req.SetBodyString(body(i))
				t0 := time.Now()
				err := client.Do(req, resp)
				lat[w] = append(lat[w], time.Since(t0))
				if err == nil && resp.StatusCode() != want {
					err = fmt.Errorf("status %d: %s", resp.StatusCode(), resp.Body())
				}
				if err != nil {
					failed.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	return loadResult{rps: float64(len(all)) / elapsed.Seconds(), p99: all[len(all)*99/100]}
}

// benchPool is a pool of benchPoolConns on the test's schema, so both
// sides of the benchmark have the production default pool size.
func benchPool(t testing.TB, schema string) *pgxpool.Pool {
	return dbtest.SchemaPool(t, schema, benchPoolConns)
}
