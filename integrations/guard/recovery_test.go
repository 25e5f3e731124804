package guard

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/rtgs/sales-automation/internal/dbtest"
)

// redisProxy forwards TCP to the test Redis and can cut it off, as a Redis
// restart or a network partition would.
type redisProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns []net.Conn
}

func newRedisProxy(t *testing.T) *redisProxy {
	t.Helper()
	opts, err := redis.ParseURL(dbtest.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &redisProxy{ln: ln, target: opts.Addr}
	t.Cleanup(func() { ln.Close(); p.setDown(true) })
	go p.serve()
	return p
}

func (p *redisProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
	}
}

func (p *redisProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

// syncBuffer is a log sink safe for the guard's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Redis going away mid-flight switches to the fallback share, logged once;
// Redis coming back switches back.
func TestRedisOutageAndRecovery(t *testing.T) {
	t.Parallel()
	proxy := newRedisProxy(t)
	direct, prefix := dbtest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: proxy.ln.Addr().String(), MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	logs := &syncBuffer{}
	g := newGuard(t, Config{Redis: rdb, KeyPrefix: prefix, ProbeEvery: 100 * time.Millisecond, FallbackShare: 0.5,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Limits: map[string]Limit{"default": {Rate: 100, Per: time.Second}}})
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {})
	tat := prefix + "guard:{acme}:default:tat"

	mustCall := func(what string) {
		t.Helper()
		for range 3 {
			if err := call(t, g, v); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
	}
	ctx := context.Background()
	mustCall("redis up")
	if g.health.down.Load() || direct.Exists(ctx, tat).Val() != 1 {
		t.Fatal("calls did not go through Redis")
	}

	proxy.setDown(true)
	mustCall("redis down")
	if !g.health.down.Load() {
		t.Fatal("guard did not notice Redis was down")
	}
	mustCall("redis still down")
	if got := testutil.ToFloat64(g.m.fallback.WithLabelValues("acme")); got != 1 {
		t.Errorf("vendor_limiter_fallback_total = %v, want 1", got)
	}

	proxy.setDown(false)
	direct.Del(ctx, tat)
	time.Sleep(150 * time.Millisecond)
	start := time.Now()
	mustCall("redis back")
	took := time.Since(start)
	if g.health.down.Load() {
		t.Fatal("guard did not go back to Redis")
	}
	// The six fallback grants of the last window were charged to the shared
	// schedule, so the switch does not count them twice: three calls take
	// the six charged slots plus two intervals, not just two intervals.
	if interval := spacing(100, time.Second, 0); took < 5*interval {
		t.Errorf("3 calls after recovery took %s, want ≥ %s: the fallback calls were not charged", took, 5*interval)
	}
	out := logs.String()
	if n := strings.Count(out, "redis unreachable"); n != 1 {
		t.Errorf("outage logged %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "redis answers again"); n != 1 {
		t.Errorf("recovery logged %d times, want once:\n%s", n, out)
	}
}
