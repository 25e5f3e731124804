package api_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// BenchmarkWebhookIngest drives the lemlist webhook (parse, secret check,
// event row and processing job in one transaction) with benchConns
// connections, next to a bare Fiber handler answering 202 without touching
// the database, in the same run; then it reports how long after the first
// delivery the metrics endpoint counted every ingested event. The event
// count is -benchtime (make bench: 20000x; the figure: 100000x).
func BenchmarkWebhookIngest(b *testing.B) {
	tb := setupWebhook(b, setupOpts{rateLimit: 1 << 30, quiet: true, pool: benchPool})
	inst := seedInstance(b, tb, "cam_1", `{}`)

	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Post("/bare", func(c *fiber.Ctx) error {
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "accepted"})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go bare.Listener(ln) //nolint:errcheck // ends with Shutdown below
	b.Cleanup(func() { _ = bare.Shutdown() })

	var ids atomic.Int64
	body := func(int64) string {
		n := ids.Add(1)
		return fmt.Sprintf(`{"_id":"act_%d","type":"emailsSent","teamId":"tea_1","createdAt":"2026-05-11T09:00:00Z",`+
			`"campaignId":"cam_1","sequenceStep":0,"leadId":"lea_%d","leadEmail":"p%d@bench.example","secret":%q}`,
			n, n, n, testWebhookSecret)
	}
	var bareRes, platRes loadResult
	b.Run("bare_fiber", func(b *testing.B) {
		bareRes = drive(b, "http://"+ln.Addr().String()+"/bare", "", func(int64) string { return "{}" }, fiber.StatusAccepted)
		b.ReportMetric(bareRes.rps, "req/s")
		b.ReportMetric(ms(bareRes.p99), "p99-ms")
	})
	var start time.Time
	b.Run("webhook_ingest", func(b *testing.B) {
		start = time.Now()
		platRes = drive(b, tb.base+webhookPath, "", body, fiber.StatusAccepted)
		b.ReportMetric(platRes.rps, "req/s")
		b.ReportMetric(ms(platRes.p99), "p99-ms")
	})
	// Poll the metrics endpoint until it counts every lead sent to.
	want := ids.Load()
	url := tb.base + "/api/v1/campaign-instances/" + inst.String() + "/metrics"
	for {
		sent, err := metricsSent(url, tb.reader)
		if err != nil {
			b.Fatal(err)
		}
		if sent >= want {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	shown := time.Since(start)
	if platRes.rps > 0 && bareRes.rps > 0 {
		fmt.Printf("webhook ingest: %.0f events/s, p99 %.1f ms | bare Fiber %.0f req/s, p99 %.1f ms | %.2fx (%d connections, pool %d)\n",
			platRes.rps, ms(platRes.p99), bareRes.rps, ms(bareRes.p99), platRes.rps/bareRes.rps, benchConns, benchPoolConns)
		fmt.Printf("webhook ingest: all %d events counted by GET .../metrics %.2f s after the last run's first delivery\n", want, shown.Seconds())
	}
}

// metricsSent reads counts.sent of a metrics URL.
func metricsSent(url, key string) (int64, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var m metricsJSON
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return 0, err
	}
	return m.Counts["sent"], nil
}
