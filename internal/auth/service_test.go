package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

// cheapParams keep tests fast; DefaultParams is exercised in keys_test.go
// and the benchmarks.
var cheapParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const testTTL = time.Minute

// testClock is a settable clock shared by the services of one test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type testBundle struct {
	pool  *pgxpool.Pool
	keys  *store.APIKeys
	clock *testClock
	cfg   config.Auth
	svc   *Service
}

// setup gives a test its own schema and a Service on a fake clock that
// starts at the real time (rows get real created_at values).
func setup(t *testing.T, opts ...Option) *testBundle {
	t.Helper()
	pool := dbtest.Pool(t)
	b := &testBundle{
		pool:  pool,
		keys:  store.NewAPIKeys(pool),
		clock: &testClock{t: time.Now().Truncate(time.Second)},
		cfg: config.Auth{
			JWTSecret:        "0123456789abcdef0123456789abcdef",
			JWTTTL:           15 * time.Minute,
			KeyCacheTTL:      testTTL,
			LastUsedInterval: time.Hour,
		},
	}
	b.svc = b.newService(b.cfg, opts...)
	return b
}

// newService builds another Service on the same database and clock: another
// process, as far as caches are concerned.
func (b *testBundle) newService(cfg config.Auth, opts ...Option) *Service {
	opts = append([]Option{WithClock(b.clock.Now), WithParams(cheapParams)}, opts...)
	return NewService(b.keys, store.NewJWTRevocations(b.pool), cfg, nil, opts...)
}

// createKey makes a key and returns its token.
func (b *testBundle) createKey(t testing.TB, p CreateKeyParams) CreatedKey {
	t.Helper()
	if p.Name == "" {
		p.Name = "test key"
	}
	if p.Scopes == nil {
		p.Scopes = []Scope{ContactsRead}
	}
	k, err := b.svc.CreateKey(context.Background(), p)
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return k
}

func TestRunFlushesOnShutdown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	k := b.createKey(t, CreateKeyParams{})
	if _, err := b.svc.AuthenticateKey(ctx, k.Secret); err != nil {
		t.Fatalf("AuthenticateKey: %v", err)
	}

	// The interval is an hour, so only the final flush can write.
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.svc.Run(runCtx) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	row, err := b.keys.ByID(ctx, k.Key.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := b.clock.Now(); row.LastUsedAt == nil || !row.LastUsedAt.Equal(want) {
		t.Errorf("last_used_at = %v, want %v", row.LastUsedAt, want)
	}
}

func TestRunFlushesEveryInterval(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := b.cfg
	cfg.LastUsedInterval = 5 * time.Millisecond
	svc := b.newService(cfg)
	ctx, cancelAll := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancelAll()
	k := b.createKey(t, CreateKeyParams{})
	if _, err := svc.AuthenticateKey(ctx, k.Secret); err != nil {
		t.Fatalf("AuthenticateKey: %v", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = svc.Run(runCtx) }()

	// Poll rather than sleep a fixed time: the assertion is that a tick
	// flushes, not how soon.
	for {
		row, err := b.keys.ByID(ctx, k.Key.ID)
		if err != nil {
			t.Fatal(err)
		}
		if row.LastUsedAt != nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("last_used_at never flushed")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestRandomSecretWhenUnset(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := b.cfg
	cfg.JWTSecret = ""
	s1, s2 := b.newService(cfg), b.newService(cfg)
	if len(s1.secret) != 32 || string(s1.secret) == string(s2.secret) {
		t.Errorf("random secrets: len %d, equal %v; want 32 bytes, distinct", len(s1.secret), string(s1.secret) == string(s2.secret))
	}
}
