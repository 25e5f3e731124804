package api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rtgs/sales-automation/internal/dbtest"
)

// /readyz answers 503 while Postgres is unreachable and 200 again by itself
// once it returns. The outage is a TCP proxy in front of the real server
// that drops every connection and refuses new ones.
func TestReadinessFollowsDatabase(t *testing.T) {
	t.Parallel()
	px := newProxy(t, "127.0.0.1:5432")
	b := setup(t, setupOpts{rateLimit: 1000, pool: func(t testing.TB, schema string) *pgxpool.Pool {
		cfg, err := pgxpool.ParseConfig(dbtest.DatabaseURL())
		if err != nil {
			t.Fatal(err)
		}
		host, port, _ := net.SplitHostPort(px.addr)
		n, _ := strconv.Atoi(port)
		cfg.ConnConfig.Host, cfg.ConnConfig.Port = host, uint16(n)
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		return pool
	}})

	if r := b.do(t, request{method: "GET", path: "/readyz"}); r.status != http.StatusOK {
		t.Fatalf("before outage = %d", r.status)
	}
	px.down()
	r := b.do(t, request{method: "GET", path: "/readyz"})
	if r.status != http.StatusServiceUnavailable || r.problem.Status != http.StatusServiceUnavailable {
		t.Fatalf("during outage = %d %s", r.status, r.body)
	}
	if r := b.do(t, request{method: "GET", path: "/healthz"}); r.status != http.StatusOK {
		t.Fatalf("liveness during outage = %d, want 200", r.status)
	}
	px.up(t)
	if r := b.do(t, request{method: "GET", path: "/readyz"}); r.status != http.StatusOK {
		t.Fatalf("after outage = %d %s", r.status, r.body)
	}
}

// proxy forwards TCP to target; down cuts every connection and stops
// listening, up listens again on the same address.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func newProxy(t testing.TB, target string) *proxy {
	p := &proxy{target: target, addr: "127.0.0.1:0"}
	p.up(t)
	t.Cleanup(p.down)
	return p
}

func (p *proxy) up(t testing.TB) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *proxy) pipe(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, s)
	p.mu.Unlock()
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
	c.Close()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
