package auth

import (
	"context"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

// benchService returns a service with production argon2 parameters and a
// token for a fresh key on it.
func benchService(b *testing.B, cfg config.Auth) (*Service, string) {
	b.Helper()
	pool := dbtest.Pool(b)
	svc := NewService(store.NewAPIKeys(pool), store.NewJWTRevocations(pool), cfg, nil)
	k, err := svc.CreateKey(context.Background(), CreateKeyParams{Name: "bench", Scopes: []Scope{ContactsRead}})
	if err != nil {
		b.Fatal(err)
	}
	return svc, k.Secret
}

var benchCfg = config.Auth{
	JWTSecret:        "0123456789abcdef0123456789abcdef",
	JWTTTL:           15 * time.Minute,
	KeyCacheTTL:      30 * time.Second,
	LastUsedInterval: 30 * time.Second,
}

// BenchmarkAuthenticateKeyCached is the per-request cost of a key already
// verified: digest, cache read, last-use note. No argon2, no database.
func BenchmarkAuthenticateKeyCached(b *testing.B) {
	svc, token := benchService(b, benchCfg)
	ctx := context.Background()
	if _, err := svc.AuthenticateKey(ctx, token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.AuthenticateKey(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
	if n := svc.verifications.Load(); n != 1 {
		b.Fatalf("verifications = %d, want 1", n)
	}
}

// BenchmarkAuthenticateKeyCachedParallel is the cached path under
// contention from all CPUs.
func BenchmarkAuthenticateKeyCachedParallel(b *testing.B) {
	svc, token := benchService(b, benchCfg)
	ctx := context.Background()
	if _, err := svc.AuthenticateKey(ctx, token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.AuthenticateKey(ctx, token); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAuthenticateKeyCold is a request that pays for verification: a
// primary-key lookup and one argon2id run at DefaultParams (cache TTL 0).
func BenchmarkAuthenticateKeyCold(b *testing.B) {
	cfg := benchCfg
	cfg.KeyCacheTTL = 0
	svc, token := benchService(b, cfg)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.AuthenticateKey(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateJWTCached is the per-request cost of a session:
// HS256 check, claims decoding, cache read.
func BenchmarkAuthenticateJWTCached(b *testing.B) {
	svc, token := benchService(b, benchCfg)
	ctx := context.Background()
	p, err := svc.AuthenticateKey(ctx, token)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := svc.IssueJWT(ctx, p)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.AuthenticateJWT(ctx, tok.Value); err != nil {
			b.Fatal(err)
		}
	}
}
